"""Shots on the board in place and the shot editor with its live prompt."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shots.models import Shot

from ..factories import CharacterFactory, SceneFactory, ShotFactory, png_upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def editor_data(shot, **changes) -> dict:
    data = {
        "code": shot.code,
        "subject": shot.subject,
        "action": shot.action,
        "environment": shot.environment,
        "lighting": shot.lighting,
        "shot_size": shot.shot_size,
        "angle": shot.angle,
        "camera_move": shot.camera_move,
        "lens_mm": shot.lens_mm or "",
        "duration": str(shot.duration),
        "aspect_ratio": "",
        "style_override": "",
        "dialogue": "",
        "notes": "",
    }
    data.update(changes)
    return data


# --- On the board -----------------------------------------------------------------------------


def test_adding_a_shot_in_place_gives_it_the_next_code(owner_client, project, scene, shot):
    url = reverse("shot-create", args=[project.id, scene.id])
    form = owner_client.get(url, **HTMX).content.decode()
    assert f'id="shot-form-new-{scene.id}"' in form and "<html" not in form

    response = owner_client.post(
        url,
        {
            "subject": "The lamp",
            "action": "turns",
            "shot_size": "ECU",
            "camera_move": "static",
            "duration": "2",
        },
        **HTMX,
    )

    assert response["HX-Retarget"] == "#board-body"
    new = Shot.objects.get(subject="The lamp")
    assert (new.scene, new.code, new.position, new.duration) == (scene, "1B", 1, Decimal("2"))
    assert f'id="shot-{new.id}"' in response.content.decode()


def test_adding_a_shot_links_the_characters_it_mentions(owner_client, project, scene):
    mara = CharacterFactory(project=project, name="Mara")
    owner_client.post(
        reverse("shot-create", args=[project.id, scene.id]),
        {
            "subject": "@Mara at the door",
            "action": "",
            "shot_size": "MS",
            "camera_move": "static",
            "duration": "3",
        },
    )
    assert list(Shot.objects.get().characters.all()) == [mara]


def test_shot_form_errors_come_back_in_place(owner_client, project, scene):
    response = owner_client.post(
        reverse("shot-create", args=[project.id, scene.id]),
        {"subject": "The lamp", "shot_size": "MS", "camera_move": "static", "duration": "500"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    html = response.content.decode()
    assert html.lstrip().startswith('<form class="shot-form')
    assert "field-error" in html and 'value="The lamp"' in html
    assert not Shot.objects.exists()


def test_quick_edit_on_the_board(editor_client, project, shot):
    url = reverse("shot-edit", args=[project.id, shot.id])
    assert f'id="shot-form-{shot.id}"' in editor_client.get(url, **HTMX).content.decode()
    response = editor_client.post(
        url,
        {
            "subject": "Gulls",
            "action": "wheel",
            "shot_size": "EWS",
            "camera_move": "drone",
            "duration": "4.5",
        },
        **HTMX,
    )
    assert response["HX-Retarget"] == "#board-body"
    shot.refresh_from_db()
    assert (shot.subject, shot.shot_size, shot.camera_move, shot.duration) == (
        "Gulls",
        "EWS",
        "drone",
        Decimal("4.5"),
    )


def test_the_board_forms_work_without_htmx(owner_client, project, scene, shot):
    page = owner_client.get(reverse("shot-edit", args=[project.id, shot.id]))
    assert b"<html" in page.content
    response = owner_client.post(
        reverse("shot-edit", args=[project.id, shot.id]),
        {"subject": "Gulls", "shot_size": "WS", "camera_move": "static", "duration": "3"},
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#shot-{shot.id}")


def test_deleting_a_shot_asks_first(owner_client, project, shot):
    board = owner_client.get(reverse("board", args=[project.id])).content.decode()
    assert f'hx-confirm="Delete shot {shot.code}' in board
    response = owner_client.post(reverse("shot-delete", args=[project.id, shot.id]), **HTMX)
    assert response.status_code == 200
    assert not Shot.objects.filter(id=shot.id).exists()
    assert f'id="shot-{shot.id}"' not in response.content.decode()


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_cannot_change_shots(request, project, scene, shot, who):
    client = request.getfixturevalue(f"{who}_client")
    quick = {"subject": "X", "shot_size": "MS", "camera_move": "static", "duration": "3"}
    assert (
        client.post(reverse("shot-create", args=[project.id, scene.id]), quick).status_code == 403
    )
    assert client.get(reverse("shot-edit", args=[project.id, shot.id])).status_code == 403
    assert client.post(reverse("shot-edit", args=[project.id, shot.id]), quick).status_code == 403
    assert client.post(reverse("shot-delete", args=[project.id, shot.id])).status_code == 403
    assert (
        client.post(
            reverse("shot-detail", args=[project.id, shot.id]), editor_data(shot, subject="X")
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("shot-prompt-preview", args=[project.id, shot.id]), editor_data(shot)
        ).status_code
        == 403
    )
    shot.refresh_from_db()
    assert shot.subject == "The keeper"
    assert Shot.objects.count() == 1


def test_outsiders_get_404_on_every_shot_view(outsider_client, project, scene, shot):
    for method, name, args in [
        ("get", "shot-detail", [project.id, shot.id]),
        ("post", "shot-detail", [project.id, shot.id]),
        ("post", "shot-create", [project.id, scene.id]),
        ("get", "shot-edit", [project.id, shot.id]),
        ("post", "shot-delete", [project.id, shot.id]),
        ("post", "shot-move", [project.id, shot.id]),
        ("post", "shot-prompt-preview", [project.id, shot.id]),
    ]:
        assert getattr(outsider_client, method)(reverse(name, args=args), {}).status_code == 404, (
            name
        )
    assert Shot.objects.filter(id=shot.id).exists()


def test_a_shot_of_another_project_is_not_found_through_mine(owner_client, project, outsider):
    foreign = ShotFactory(scene=SceneFactory(project=outsider.memberships.get().project))
    assert (
        owner_client.get(reverse("shot-detail", args=[project.id, foreign.id])).status_code == 404
    )
    assert (
        owner_client.post(reverse("shot-delete", args=[project.id, foreign.id])).status_code == 404
    )
    assert Shot.objects.filter(id=foreign.id).exists()


# --- The shot editor --------------------------------------------------------------------------


def test_the_editor_shows_every_field_and_the_compiled_prompt(owner_client, project, shot):
    CharacterFactory(project=project, name="Mara")
    response = owner_client.get(shot.get_absolute_url())
    html = response.content.decode()
    for name in [
        "code",
        "subject",
        "action",
        "environment",
        "lighting",
        "shot_size",
        "angle",
        "camera_move",
        "lens_mm",
        "duration",
        "aspect_ratio",
        "style_override",
        "dialogue",
        "notes",
        "panel",
        "characters",
    ]:
        assert f'name="{name}"' in html, name
    assert shot.compiled_prompt() in html
    assert reverse("shot-prompt-preview", args=[project.id, shot.id]) in html
    assert 'hx-trigger="input changed delay:300ms' in html
    assert 'id="takes-panel"' in html


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_read_the_shot_without_a_form(request, project, shot, who):
    client = request.getfixturevalue(f"{who}_client")
    html = client.get(shot.get_absolute_url()).content.decode()
    assert shot.compiled_prompt() in html
    assert 'name="subject"' not in html
    assert reverse("shot-delete", args=[project.id, shot.id]) not in html


def test_saving_the_editor_links_chosen_and_mentioned_characters(editor_client, project, shot):
    mara, tom, _ = (CharacterFactory(project=project, name=n) for n in ("Mara", "Tom", "Ines"))
    data = editor_data(
        shot, subject="@Tom watches", characters=[str(mara.id)], lens_mm="35", camera_move="push_in"
    )
    response = editor_client.post(shot.get_absolute_url(), data)
    assert response.status_code == 302
    shot.refresh_from_db()
    assert set(shot.characters.all()) == {mara, tom}
    assert (shot.lens_mm, shot.camera_move) == (35, "push_in")


def test_characters_of_another_project_cannot_be_chosen(owner_client, project, shot, outsider):
    foreign = CharacterFactory(project=outsider.memberships.get().project, name="Spy")
    response = owner_client.post(
        shot.get_absolute_url(), editor_data(shot, characters=[str(foreign.id)])
    )
    assert response.status_code == 200
    assert "characters" in response.context["form"].errors
    assert not shot.characters.exists()


def test_saving_with_htmx_answers_with_the_editor_and_shows_errors_in_place(
    owner_client, project, shot
):
    response = owner_client.post(shot.get_absolute_url(), editor_data(shot, duration="0.1"), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="shot-editor"') or 'id="shot-editor"' in html[:200]
    assert "<html" not in html and "field-error" in html
    shot.refresh_from_db()
    assert shot.duration == Decimal("3.0")

    response = owner_client.post(
        shot.get_absolute_url(), editor_data(shot, subject="The keeper, soaked"), **HTMX
    )
    shot.refresh_from_db()
    assert shot.subject == "The keeper, soaked"
    assert "saved" in response.content.decode()


def test_a_panel_upload_is_stored_with_its_thumbnail(owner_client, project, shot):
    data = editor_data(shot, panel=png_upload("panel.png", 64, 36))
    assert owner_client.post(shot.get_absolute_url(), data).status_code == 302
    shot.refresh_from_db()
    assert shot.panel.name.startswith(f"projects/{project.id}/panels/")
    assert shot.panel_thumbnail.name
    board = owner_client.get(reverse("board", args=[project.id])).content.decode()
    assert shot.panel_thumbnail.url in board


def test_a_file_that_is_not_an_image_is_refused_in_place(owner_client, project, shot):
    fake = SimpleUploadedFile("panel.png", b"not an image at all", content_type="image/png")
    response = owner_client.post(shot.get_absolute_url(), editor_data(shot, panel=fake))
    assert response.status_code == 200
    assert "panel" in response.context["form"].errors
    shot.refresh_from_db()
    assert not shot.panel


def test_the_panel_can_be_removed(owner_client, project, shot):
    owner_client.post(shot.get_absolute_url(), editor_data(shot, panel=png_upload()))
    owner_client.post(shot.get_absolute_url(), editor_data(shot, remove_panel="on"))
    shot.refresh_from_db()
    assert not shot.panel and not shot.panel_thumbnail


# --- The live prompt preview ------------------------------------------------------------------


def test_the_preview_compiles_the_unsaved_values_and_saves_nothing(owner_client, project, shot):
    mara = CharacterFactory(
        project=project, name="Mara", description="A woman of forty, grey wool coat."
    )
    data = editor_data(
        shot,
        subject="@Mara",
        action="lights the lamp",
        environment="",
        lighting="warm glow",
        shot_size="CU",
        angle="low",
        camera_move="push_in",
        lens_mm="50",
    )

    response = owner_client.post(
        reverse("shot-prompt-preview", args=[project.id, shot.id]), data, **HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="prompt-preview" id="prompt-preview"')
    assert (
        "Mara lights the lamp. Mara: A woman of forty, grey wool coat. Warm glow. "
        "Low-angle close-up, slow push in, 50 mm lens. "
        "Shot on 35mm film, anamorphic lens, subtle film grain."
    ) in html
    shot.refresh_from_db()
    assert shot.subject == "The keeper"
    assert not shot.characters.filter(id=mara.id).exists()


def test_the_preview_leaves_out_what_does_not_validate_yet(owner_client, project, shot):
    data = editor_data(shot, lens_mm="3x", style_override="Ink & wash <b>")
    html = owner_client.post(
        reverse("shot-prompt-preview", args=[project.id, shot.id]), data
    ).content.decode()
    assert "mm lens" not in html
    assert "Ink &amp; wash &lt;b&gt;." in html
