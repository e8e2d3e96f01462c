"""Saving the board's order after a drag and drop, the move buttons, and renumbering."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shots.models import Shot

from ..factories import SceneFactory, ShotFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def board(project):
    """Two scenes: 1 has shots A, B, C; 2 has shot D."""
    one = SceneFactory(project=project, position=0, title="One")
    two = SceneFactory(project=project, position=1, title="Two")
    shots = {
        code: ShotFactory(scene=scene, code=code, position=position)
        for code, scene, position in [
            ("1A", one, 0),
            ("1B", one, 1),
            ("1C", one, 2),
            ("2A", two, 0),
        ]
    }
    return one, two, shots


def order(project) -> list[tuple[str, list[str]]]:
    return [
        (scene.title, list(scene.shots.order_by("position").values_list("code", flat=True)))
        for scene in project.scenes.order_by("position")
    ]


def payload(scenes, shots_by_scene):
    data = {"scene": [str(s.id) for s in scenes]}
    for scene, shots in zip(scenes, shots_by_scene, strict=True):
        data[f"shots-{scene.id}"] = [str(s.id) for s in shots]
    return data


def post(client, project, data, **extra):
    return client.post(reverse("board-reorder", args=[project.id]), data, **extra)


def test_it_reorders_shots_within_a_scene(owner_client, project, board):
    one, two, s = board
    response = post(
        owner_client, project, payload([one, two], [[s["1C"], s["1A"], s["1B"]], [s["2A"]]]), **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#board-body"
    assert order(project) == [("One", ["1C", "1A", "1B"]), ("Two", ["2A"])]
    html = response.content.decode()
    assert html.index(f'id="shot-{s["1C"].id}"') < html.index(f'id="shot-{s["1A"].id}"')


def test_it_moves_a_shot_across_scenes(editor_client, project, board):
    one, two, s = board
    post(
        editor_client,
        project,
        payload([one, two], [[s["1A"], s["1C"]], [s["1B"], s["2A"]]]),
        **HTMX,
    )
    assert order(project) == [("One", ["1A", "1C"]), ("Two", ["1B", "2A"])]
    assert Shot.objects.get(id=s["1B"].id).scene_id == two.id


def test_it_reorders_scenes(owner_client, project, board):
    one, two, s = board
    post(owner_client, project, payload([two, one], [[s["2A"]], [s["1A"], s["1B"], s["1C"]]]))
    assert order(project) == [("Two", ["2A"]), ("One", ["1A", "1B", "1C"])]


def test_foreign_ids_are_refused_and_nothing_is_saved(owner_client, project, board, outsider):
    one, two, s = board
    foreign_scene = SceneFactory(project=outsider.memberships.get().project)
    foreign_shot = ShotFactory(scene=foreign_scene)
    before = order(project)

    # A shot of another project dropped into one of ours.
    response = post(
        owner_client,
        project,
        payload([two, one], [[s["2A"], foreign_shot], [s["1C"], s["1B"], s["1A"]]]),
    )
    assert response.status_code == 400
    # A scene of another project.
    data = payload([two, one], [[s["2A"]], [s["1C"], s["1B"], s["1A"]]])
    data["scene"].append(str(foreign_scene.id))
    assert post(owner_client, project, data).status_code == 400
    # Not an id at all.
    assert post(owner_client, project, {"scene": ["nope"]}).status_code == 400

    assert order(project) == before
    assert Shot.objects.get(id=foreign_shot.id).scene_id == foreign_scene.id


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_cannot_reorder(request, project, board, who):
    one, two, s = board
    client = request.getfixturevalue(f"{who}_client")
    response = post(client, project, payload([two, one], [[s["2A"]], [s["1C"], s["1B"], s["1A"]]]))
    assert response.status_code == 403
    assert order(project) == [("One", ["1A", "1B", "1C"]), ("Two", ["2A"])]


def test_outsiders_get_404(outsider_client, project, board):
    one, two, s = board
    assert post(outsider_client, project, payload([two, one], [[s["2A"]], []])).status_code == 404


def test_the_move_buttons_step_through_and_across_scenes(owner_client, project, board):
    one, two, s = board

    def move(code, direction):
        url = reverse("shot-move", args=[project.id, s[code].id])
        return owner_client.post(url, {"direction": direction}, **HTMX)

    move("1B", "earlier")
    assert order(project) == [("One", ["1B", "1A", "1C"]), ("Two", ["2A"])]
    move("1C", "later")  # past the end of scene one: to the start of scene two
    assert order(project) == [("One", ["1B", "1A"]), ("Two", ["1C", "2A"])]
    move("1C", "earlier")  # back to the end of scene one
    assert order(project) == [("One", ["1B", "1A", "1C"]), ("Two", ["2A"])]
    response = move("1B", "earlier")  # already first on the board: nothing moves
    assert response.status_code == 200
    assert order(project) == [("One", ["1B", "1A", "1C"]), ("Two", ["2A"])]


def test_renumbering_gives_every_shot_the_code_of_its_place(owner_client, project, board):
    one, two, s = board
    post(owner_client, project, payload([two, one], [[s["2A"], s["1B"]], [s["1C"], s["1A"]]]))

    response = owner_client.post(reverse("board-renumber", args=[project.id]), **HTMX)

    assert response.status_code == 200
    assert order(project) == [("Two", ["1A", "1B"]), ("One", ["2A", "2B"])]
    assert "Renumbered 3 shots." in response.content.decode()


def test_renumbering_without_htmx_redirects(owner_client, project, board):
    response = owner_client.post(reverse("board-renumber", args=[project.id]))
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_cannot_renumber_or_move(request, project, board, who):
    one, two, s = board
    client = request.getfixturevalue(f"{who}_client")
    Shot.objects.filter(id=s["1A"].id).update(code="ZZ")
    assert client.post(reverse("board-renumber", args=[project.id])).status_code == 403
    assert (
        client.post(
            reverse("shot-move", args=[project.id, s["1B"].id]), {"direction": "earlier"}
        ).status_code
        == 403
    )
    assert order(project) == [("One", ["ZZ", "1B", "1C"]), ("Two", ["2A"])]
