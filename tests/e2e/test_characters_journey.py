"""In a real browser: the in-place htmx parts of the character pages and the members page.

Uses the Chromium fixtures of tests/e2e/conftest.py (Debian's Chromium driven by Playwright).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from studio.models import Character, Role

from ..factories import MembershipFactory, ProjectFactory, UserFactory
from .conftest import htmx_settled, sign_in

pytestmark = pytest.mark.e2e


def jpeg(colour: str) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), colour).save(buffer, "JPEG")
    return {"name": f"{colour}.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.fixture
def studio(transactional_db):
    owner = UserFactory(username="mara.owner")
    project = ProjectFactory(title="The Lighthouse")
    MembershipFactory(project=project, user=owner, role=Role.OWNER)
    UserFactory(username="tom.harker")
    return project


def test_characters_are_added_edited_and_illustrated_in_place(page, studio):
    sign_in(page, "mara.owner")
    page.goto(f"/projects/{studio.id}/characters/")
    page.evaluate("window.notReloaded = true")  # gone if anything reloads the page

    page.fill("#character-form input[name=name]", "Mara")
    page.fill("#character-form textarea[name=description]", "Grey eyes, navy oilskin coat.")
    page.click("#character-form button[type=submit]")
    page.wait_for_selector("#character-grid .character-card >> text=Mara")
    htmx_settled(page)
    assert page.locator("#characters-empty").count() == 0
    assert page.input_value("#character-form input[name=name]") == ""

    page.fill("#character-form input[name=name]", "mara")
    page.fill("#character-form textarea[name=description]", "Someone else.")
    page.click("#character-form button[type=submit]")
    page.wait_for_selector("#character-form >> text=There is already a character called")
    htmx_settled(page)
    assert page.evaluate("window.notReloaded") is True
    assert Character.objects.filter(project=studio).count() == 1

    page.click("#character-grid >> text=Mara")
    page.wait_for_selector("#character-name")
    htmx_settled(page)
    page.evaluate("window.notReloaded = true")
    page.click("text=Edit name and description")
    page.fill("form#character-text textarea[name=description]", "Grey eyes, a scar, navy coat.")
    page.click("form#character-text button[type=submit]")
    page.wait_for_selector("section#character-text >> text=Grey eyes, a scar, navy coat.")
    htmx_settled(page)

    page.set_input_files("#character-images input[type=file]", [jpeg("red"), jpeg("blue")])
    page.click("#character-images button[type=submit]")
    page.wait_for_selector("#character-images .ref:nth-child(2) img")
    htmx_settled(page)
    assert page.locator("#character-images .ref").count() == 2

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#character-images .ref:nth-child(2) .ref-delete", force=True)
    page.wait_for_function("document.querySelectorAll('#character-images .ref').length === 1")
    assert page.evaluate("window.notReloaded") is True
    assert Character.objects.get(project=studio).images.count() == 1


def test_an_owner_manages_members_in_place(page, studio):
    sign_in(page, "mara.owner")
    page.goto(f"/projects/{studio.id}/members/")
    page.evaluate("window.notReloaded = true")

    page.fill("#members input[name=username]", "nobody")
    page.click("#members .member-add button[type=submit]")
    page.wait_for_selector("#members >> text=There is no user called")
    htmx_settled(page)

    page.fill("#members input[name=username]", "tom.harker")
    page.select_option("#members .member-add select[name=role]", "viewer")
    page.click("#members .member-add button[type=submit]")
    page.wait_for_selector("#members .member-row >> text=tom.harker")
    htmx_settled(page)

    tom = page.locator(".member-row", has_text="tom.harker")
    with page.expect_response(lambda response: "/members/tom.harker/role/" in response.url):
        tom.locator("select[name=role]").select_option("editor")  # saved on change
    assert studio.role_of(UserFactory(username="tom.harker")) == Role.EDITOR
    page.wait_for_selector("#messages >> text=tom.harker is now editor")  # the list was swapped
    htmx_settled(page)

    owner_row = page.locator(".member-row", has_text="mara.owner")
    owner_row.locator("select[name=role]").select_option("viewer")
    page.wait_for_selector("#members >> text=A project needs an owner")
    htmx_settled(page)
    assert page.evaluate("window.notReloaded") is True
