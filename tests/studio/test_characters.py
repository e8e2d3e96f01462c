"""Character pages: list, sheet, create, edit in place, delete, appears-in, and who may do what."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from studio.character_views import CharacterForm
from studio.models import Character

from ..factories import CharacterFactory, SceneFactory, ShotFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
MARA = "A woman in her late forties, weathered face, grey eyes, navy oilskin coat."


@pytest.fixture
def mara(project):
    return CharacterFactory(project=project, name="Mara", description=MARA)


def list_url(project):
    return reverse("character-list", args=[project.id])


def detail_url(character):
    return reverse("character-detail", args=[character.project_id, character.id])


def edit_url(character):
    return reverse("character-edit", args=[character.project_id, character.id])


def delete_url(character):
    return reverse("character-delete", args=[character.project_id, character.id])


def create_url(project):
    return reverse("character-create", args=[project.id])


# --- Looking ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "editor", "reviewer", "viewer"])
def test_every_member_sees_the_list_and_the_sheet(request, who, mara):
    client = request.getfixturevalue(f"{who}_client")

    listing = client.get(list_url(mara.project))
    sheet = client.get(detail_url(mara))

    assert listing.status_code == 200 and sheet.status_code == 200
    assert "Mara" in listing.content.decode()
    assert MARA in sheet.content.decode()
    assert "word for word" in sheet.content.decode().lower()


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_editors_and_owners_see_the_controls(request, who, mara):
    client = request.getfixturevalue(f"{who}_client")

    listing = client.get(list_url(mara.project)).content.decode()
    sheet = client.get(detail_url(mara)).content.decode()

    assert create_url(mara.project) in listing
    assert edit_url(mara) in sheet and delete_url(mara) in sheet
    assert reverse("character-image-add", args=[mara.project_id, mara.id]) in sheet


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_see_no_controls(request, who, mara):
    client = request.getfixturevalue(f"{who}_client")

    listing = client.get(list_url(mara.project)).content.decode()
    sheet = client.get(detail_url(mara)).content.decode()

    assert create_url(mara.project) not in listing
    assert edit_url(mara) not in sheet and delete_url(mara) not in sheet
    assert "multipart/form-data" not in sheet


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_cannot_change_anything(request, who, mara):
    client = request.getfixturevalue(f"{who}_client")
    project = mara.project

    assert client.post(create_url(project), {"name": "Tom", "description": "x"}).status_code == 403
    assert client.post(edit_url(mara), {"name": "Tom", "description": "x"}).status_code == 403
    assert client.post(delete_url(mara)).status_code == 403
    assert client.get(edit_url(mara)).status_code == 403
    mara.refresh_from_db()
    assert (mara.name, mara.description) == ("Mara", MARA)
    assert Character.objects.filter(project=project).count() == 1


def test_outsiders_get_404_everywhere(outsider_client, mara):
    project = mara.project
    urls = [
        list_url(project),
        detail_url(mara),
        edit_url(mara),
        delete_url(mara),
        create_url(project),
    ]

    for url in urls:
        assert outsider_client.get(url).status_code == 404, url
        assert outsider_client.post(url, {"name": "Tom", "description": "x"}).status_code == 404, (
            url
        )
    assert Character.objects.get().name == "Mara"


def test_a_character_of_another_project_is_not_found(owner_client, project, outsider):
    stranger = CharacterFactory(project=outsider.memberships.get().project)

    url = reverse("character-detail", args=[project.id, stranger.id])

    assert owner_client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, mara):
    response = client.get(list_url(mara.project))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_shows_counts_of_references_and_shots(owner_client, mara, shot):
    shot.characters.add(mara)

    page = owner_client.get(list_url(mara.project)).content.decode()

    assert "0 references" in page and "in 1 shot" in page


def test_user_text_is_escaped(owner_client, project):
    evil = CharacterFactory(project=project, name="<b>Bold</b>", description="<script>x()</script>")

    sheet = owner_client.get(detail_url(evil)).content.decode()

    assert "<script>x()" not in sheet and "&lt;script&gt;x()" in sheet
    assert "<b>Bold</b>" not in sheet


# --- Creating --------------------------------------------------------------------------------


def test_an_editor_creates_a_character_and_lands_on_the_sheet(editor_client, project):
    response = editor_client.post(create_url(project), {"name": " Mara ", "description": MARA})

    mara = Character.objects.get(project=project)
    assert (mara.name, mara.description) == ("Mara", MARA)
    assert response.status_code == 302 and response["Location"] == detail_url(mara)


def test_with_htmx_the_new_card_is_added_in_place(editor_client, project):
    response = editor_client.post(
        create_url(project), {"name": "Mara", "description": MARA}, **HTMX
    )

    page = response.content.decode()
    mara = Character.objects.get(project=project)
    assert response.status_code == 200
    assert 'id="character-form"' in page  # a fresh form, ready for the next one
    assert 'hx-swap-oob="beforeend:#character-grid"' in page
    assert f'id="character-{mara.id}"' in page


@pytest.mark.parametrize("name", ["Mara", "MARA", "mara", "  mara "])
def test_names_are_unique_in_a_project_whatever_the_case(editor_client, mara, name):
    response = editor_client.post(
        create_url(mara.project), {"name": name, "description": "Someone else."}, **HTMX
    )

    assert response.status_code == 200
    assert "There is already a character called" in response.content.decode()
    assert Character.objects.filter(project=mara.project).count() == 1


def test_the_same_name_is_fine_in_another_project(editor_client, mara, outsider):
    other_project = outsider.memberships.get().project
    CharacterFactory(project=other_project, name="Tom")

    editor_client.post(create_url(mara.project), {"name": "Tom", "description": "A sailor."})

    assert Character.objects.filter(project=mara.project, name="Tom").exists()


def test_a_name_and_a_description_are_required(editor_client, project):
    response = editor_client.post(create_url(project), {"name": "", "description": ""}, **HTMX)

    assert response.content.decode().count("This field is required.") == 2
    assert not Character.objects.exists()


def test_the_at_sign_is_not_part_of_a_name(editor_client, project):
    response = editor_client.post(create_url(project), {"name": "@Mara", "description": MARA})

    assert "Leave out the @" in response.content.decode()
    assert not Character.objects.exists()


# --- Editing ---------------------------------------------------------------------------------


def test_the_editor_opens_in_place(editor_client, mara):
    response = editor_client.get(edit_url(mara), **HTMX)

    page = response.content.decode()
    assert 'id="character-text"' in page and "<form" in page and "<html" not in page


def test_an_edit_saves_and_answers_with_the_sheet_text(editor_client, mara):
    response = editor_client.post(
        edit_url(mara), {"name": "Mara Quinn", "description": "Now with a scar."}, **HTMX
    )

    mara.refresh_from_db()
    assert (mara.name, mara.description) == ("Mara Quinn", "Now with a scar.")
    page = response.content.decode()
    assert 'id="character-text"' in page and "<form" not in page and "Now with a scar." in page


def test_an_edit_without_htmx_redirects_to_the_sheet(owner_client, mara):
    response = owner_client.post(edit_url(mara), {"name": "Mara", "description": "Changed."})

    assert response.status_code == 302 and response["Location"] == detail_url(mara)
    mara.refresh_from_db()
    assert mara.description == "Changed."


def test_renaming_onto_another_name_is_refused_in_place(editor_client, mara, project):
    tom = CharacterFactory(project=project, name="Tom")

    response = editor_client.post(edit_url(tom), {"name": "mara", "description": "x"}, **HTMX)

    assert "There is already a character called" in response.content.decode()
    tom.refresh_from_db()
    assert tom.name == "Tom"


def test_keeping_ones_own_name_is_not_a_duplicate(editor_client, mara):
    editor_client.post(edit_url(mara), {"name": "MARA", "description": MARA})

    mara.refresh_from_db()
    assert mara.name == "MARA"


def test_cancel_brings_back_the_text(editor_client, mara):
    response = editor_client.get(detail_url(mara), **HTMX)

    page = response.content.decode()
    assert 'id="character-text"' in page and MARA in page and "<html" not in page


# --- Deleting --------------------------------------------------------------------------------


def test_delete_asks_first(editor_client, mara, shot):
    shot.characters.add(mara)

    response = editor_client.get(delete_url(mara))

    assert response.status_code == 200
    assert "Delete Mara?" in response.content.decode()
    assert "linked to 1 shot" in response.content.decode()
    assert Character.objects.filter(pk=mara.pk).exists()


def test_delete_removes_the_character_but_not_its_shots(editor_client, mara, shot):
    shot.characters.add(mara)

    response = editor_client.post(delete_url(mara))

    assert response.status_code == 302 and response["Location"] == list_url(mara.project)
    assert not Character.objects.filter(pk=mara.pk).exists()
    shot.refresh_from_db()
    assert list(shot.characters.all()) == []


# --- Appears in ------------------------------------------------------------------------------


def test_the_sheet_lists_the_shots_the_character_appears_in_in_board_order(
    viewer_client, mara, project
):
    first = SceneFactory(project=project, position=0, title="Arrival", slugline="EXT. ROCKS - DAY")
    second = SceneFactory(project=project, position=1, title="The Storm")
    later = ShotFactory(scene=second, code="2A", position=0, subject="Mara at the lamp")
    earlier = ShotFactory(scene=first, code="1B", position=1, subject="Mara on the rocks")
    absent = ShotFactory(scene=first, code="1A", position=0, subject="Empty sea")
    for shot in (later, earlier):
        shot.characters.add(mara)

    page = viewer_client.get(detail_url(mara)).content.decode()

    assert "Appears in 2 shots" in page
    assert page.index("Mara on the rocks") < page.index("Mara at the lamp")
    assert "EXT. ROCKS - DAY" in page and "The Storm" in page
    assert reverse("shot-detail", args=[project.id, earlier.id]) in page
    assert reverse("shot-detail", args=[project.id, absent.id]) not in page
    assert "Empty sea" not in page


def test_a_character_in_no_shot_says_how_to_link_one(viewer_client, mara):
    page = viewer_client.get(detail_url(mara)).content.decode()

    assert "Not in any shot yet" in page and "@Mara" in page


def test_the_sheet_takes_the_same_number_of_queries_for_many_shots(
    viewer_client, mara, project, django_assert_num_queries
):
    scene = SceneFactory(project=project)
    for index in range(3):
        ShotFactory(scene=scene, position=index).characters.add(mara)
    viewer_client.get(detail_url(mara))  # the first visit of a user sets up their credits
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(detail_url(mara))
    for index in range(3, 30):
        ShotFactory(scene=scene, position=index).characters.add(mara)

    with django_assert_num_queries(len(few.captured_queries)):
        page = viewer_client.get(detail_url(mara)).content.decode()
    assert "Appears in 30 shots" in page


def test_a_name_taken_between_the_check_and_the_save_is_a_form_error(project):
    form = CharacterForm({"name": "Mara", "description": MARA}, project=project)
    assert form.is_valid()
    CharacterFactory(project=project, name="MARA")  # someone else, a moment earlier

    assert form.save_unique() is None
    assert "There is already a character called" in form.errors["name"][0]
    assert Character.objects.filter(project=project).count() == 1
