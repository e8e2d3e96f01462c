"""Adding, editing and deleting scenes in place (htmx), and the same views without htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studio.models import Scene

from ..factories import SceneFactory, ShotFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_add_form_comes_as_a_fragment_for_htmx_and_as_a_page_without(owner_client, project):
    url = reverse("scene-create", args=[project.id])
    fragment = owner_client.get(url, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<form class="scene-form')
    assert "<html" not in fragment
    page = owner_client.get(url).content.decode()
    assert "<html" in page and 'id="scene-form-new"' in page


def test_adding_a_scene_answers_with_the_new_board_body(owner_client, project, scene):
    response = owner_client.post(
        reverse("scene-create", args=[project.id]),
        {"title": "The storm", "slugline": "int. lamp room - night", "synopsis": "Glass shatters."},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#board-body"
    assert response["HX-Reswap"] == "outerHTML"
    new = Scene.objects.get(title="The storm")
    assert new.position == scene.position + 1
    assert new.slugline == "INT. LAMP ROOM - NIGHT"
    html = response.content.decode()
    assert f'id="scene-{new.id}"' in html and f'id="scene-{scene.id}"' in html


def test_adding_a_scene_without_htmx_redirects_to_the_board(owner_client, project):
    response = owner_client.post(reverse("scene-create", args=[project.id]), {"title": "Arrival"})
    scene = Scene.objects.get(project=project)
    assert response.status_code == 302
    assert response.url == reverse("board", args=[project.id]) + f"#scene-{scene.id}"


def test_errors_come_back_in_the_form_in_place(owner_client, project):
    response = owner_client.post(
        reverse("scene-create", args=[project.id]), {"title": "", "slugline": "EXT. SEA"}, **HTMX
    )
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    html = response.content.decode()
    assert html.lstrip().startswith('<form class="scene-form')
    assert "field-error" in html and 'value="EXT. SEA"' in html
    assert not Scene.objects.exists()


def test_editing_a_scene(editor_client, project, scene):
    url = reverse("scene-edit", args=[project.id, scene.id])
    form = editor_client.get(url, **HTMX).content.decode()
    assert 'value="Arrival"' in form
    response = editor_client.post(
        url, {"title": "Landfall", "slugline": "EXT. BEACH - DAY"}, **HTMX
    )
    assert response["HX-Retarget"] == "#board-body"
    scene.refresh_from_db()
    assert (scene.title, scene.slugline) == ("Landfall", "EXT. BEACH - DAY")


def test_deleting_a_scene_asks_first_and_removes_its_shots(owner_client, project, scene, shot):
    board = owner_client.get(reverse("board", args=[project.id])).content.decode()
    assert 'hx-confirm="Delete scene 1' in board
    response = owner_client.post(reverse("scene-delete", args=[project.id, scene.id]), **HTMX)
    assert response.status_code == 200
    assert not Scene.objects.filter(id=scene.id).exists()
    assert not project.shots.exists()
    assert f'id="scene-{scene.id}"' not in response.content.decode()


def test_deleting_needs_a_post(owner_client, project, scene):
    assert owner_client.get(reverse("scene-delete", args=[project.id, scene.id])).status_code == 405
    assert Scene.objects.filter(id=scene.id).exists()


def test_moving_a_scene_with_the_keyboard_buttons(owner_client, project, scene):
    second = SceneFactory(project=project, position=1, title="Second")
    owner_client.post(
        reverse("scene-move", args=[project.id, second.id]), {"direction": "earlier"}, **HTMX
    )
    assert list(project.scenes.values_list("title", flat=True)) == ["Second", "Arrival"]
    owner_client.post(
        reverse("scene-move", args=[project.id, second.id]), {"direction": "earlier"}, **HTMX
    )
    assert list(project.scenes.values_list("title", flat=True)) == ["Second", "Arrival"]


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_cannot_change_scenes(request, project, scene, who):
    client = request.getfixturevalue(f"{who}_client")
    assert client.get(reverse("scene-create", args=[project.id])).status_code == 403
    assert (
        client.post(reverse("scene-create", args=[project.id]), {"title": "X"}).status_code == 403
    )
    assert (
        client.post(reverse("scene-edit", args=[project.id, scene.id]), {"title": "X"}).status_code
        == 403
    )
    assert client.post(reverse("scene-delete", args=[project.id, scene.id])).status_code == 403
    assert (
        client.post(
            reverse("scene-move", args=[project.id, scene.id]), {"direction": "later"}
        ).status_code
        == 403
    )
    assert list(project.scenes.values_list("title", flat=True)) == ["Arrival"]


def test_outsiders_get_404_on_every_scene_view(outsider_client, project, scene):
    for name, args in [
        ("scene-create", [project.id]),
        ("scene-edit", [project.id, scene.id]),
        ("scene-delete", [project.id, scene.id]),
        ("scene-move", [project.id, scene.id]),
    ]:
        assert outsider_client.post(reverse(name, args=args), {"title": "X"}).status_code == 404
    assert Scene.objects.get(id=scene.id).title == "Arrival"


def test_a_scene_of_another_project_is_not_found(owner_client, project, outsider):
    foreign = SceneFactory(project=outsider.memberships.get().project)
    ShotFactory(scene=foreign)
    url = reverse("scene-delete", args=[project.id, foreign.id])
    assert owner_client.post(url).status_code == 404
    assert Scene.objects.filter(id=foreign.id).exists()
