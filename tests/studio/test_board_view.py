"""The board: scenes as rows, shots as cards, running times, roles, and a constant query count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shots.models import Shot
from studio.models import Scene

from ..factories import CharacterFactory, SceneFactory, ShotFactory

pytestmark = pytest.mark.django_db


def board_url(project) -> str:
    return reverse("board", args=[project.id])


def test_it_shows_scenes_in_order_with_numbers_sluglines_and_running_times(owner_client, project):
    later = SceneFactory(
        project=project, position=5, title="The storm", slugline="INT. LAMP ROOM - NIGHT"
    )
    first = SceneFactory(project=project, position=1, title="Arrival", slugline="EXT. CLIFF - DUSK")
    ShotFactory(scene=first, duration=Decimal("3"))
    ShotFactory(scene=later, duration=Decimal("62"))
    ShotFactory(scene=later, duration=Decimal("1.5"))

    response = owner_client.get(board_url(project))

    scenes = response.context["scenes"]
    assert [(s.number, s.title) for s in scenes] == [(1, "Arrival"), (2, "The storm")]
    assert [s.running_time for s in scenes] == [Decimal("3"), Decimal("63.5")]
    assert response.context["running_time"] == Decimal("66.5")
    html = response.content.decode()
    assert html.index("Arrival") < html.index("The storm")
    assert "INT. LAMP ROOM - NIGHT" in html
    assert "1:04" in html  # the storm, 63.5 s
    assert "1:07" in html  # the project


def test_a_card_shows_code_duration_tags_and_character_chips(owner_client, project, scene):
    mara = CharacterFactory(project=project, name="Mara")
    shot = ShotFactory(
        scene=scene, code="1A", duration=Decimal("2.5"), shot_size="CU", camera_move="push_in"
    )
    shot.characters.add(mara)

    html = owner_client.get(board_url(project)).content.decode()

    assert f'id="shot-{shot.id}"' in html
    assert ">1A<" in html and ">2.5s<" in html
    assert ">CU<" in html and "Push in" in html
    assert ">Mara<" in html
    assert shot.get_absolute_url() in html
    assert "aspect-ratio: 16 / 9" in html  # the placeholder keeps the project's frame


def test_a_card_shows_the_panel_thumbnail(owner_client, project, scene):
    from django.core.files.base import ContentFile

    from ..factories import png_bytes

    shot = ShotFactory(scene=scene)
    shot.panel_thumbnail.save("t.jpg", ContentFile(png_bytes()), save=True)
    html = owner_client.get(board_url(project)).content.decode()
    assert shot.panel_thumbnail.url in html


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_editors_get_the_edit_controls(request, project, scene, shot, who):
    client = request.getfixturevalue(f"{who}_client")
    html = client.get(board_url(project)).content.decode()
    assert reverse("scene-create", args=[project.id]) in html
    assert reverse("shot-create", args=[project.id, scene.id]) in html
    assert reverse("shot-delete", args=[project.id, shot.id]) in html
    assert reverse("board-reorder", args=[project.id]) in html
    assert "js/board.js" in html


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_see_the_board_without_edit_controls(
    request, project, scene, shot, who
):
    client = request.getfixturevalue(f"{who}_client")
    response = client.get(board_url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert scene.title in html and shot.code in html
    for name, args in [
        ("scene-create", [project.id]),
        ("scene-edit", [project.id, scene.id]),
        ("shot-create", [project.id, scene.id]),
        ("shot-delete", [project.id, shot.id]),
        ("board-renumber", [project.id]),
    ]:
        assert reverse(name, args=args) not in html
    assert "js/board.js" not in html


def test_outsiders_and_anonymous_visitors_get_no_board(outsider_client, client, project):
    assert outsider_client.get(board_url(project)).status_code == 404
    assert client.get(board_url(project)).status_code == 302


def test_an_htmx_request_gets_the_board_body_only(owner_client, project, shot):
    response = owner_client.get(board_url(project), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board-body"')
    assert "<html" not in html
    assert shot.code in html


def _board_with(project, shots: int) -> None:
    scenes = [
        Scene.objects.create(project=project, position=i, title=f"Scene {i}")
        for i in range(max(1, shots // 50))
    ]
    characters = [CharacterFactory(project=project, name=f"Person {i}") for i in range(3)]
    Shot.objects.bulk_create(
        Shot(
            project=project,
            scene=scenes[i % len(scenes)],
            position=i,
            code=f"S{i}",
            duration=Decimal("2"),
        )
        for i in range(shots)
    )
    through = Shot.characters.through
    through.objects.bulk_create(
        through(shot_id=shot_id, character_id=characters[n % 3].id)
        for n, shot_id in enumerate(
            Shot.objects.filter(project=project).values_list("id", flat=True)
        )
    )


def _queries_for_board(client, project) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(board_url(project))
    assert response.status_code == 200
    return len(queries)


def test_the_board_makes_as_many_queries_for_500_shots_as_for_10(owner, owner_client, project):
    from ..factories import MembershipFactory, ProjectFactory, Role

    big = ProjectFactory()
    MembershipFactory(project=big, user=owner, role=Role.OWNER)
    _board_with(project, 10)
    _board_with(big, 500)
    owner_client.get(
        reverse("project-list")
    )  # the first page of a session sets up the credit header

    small_count = _queries_for_board(owner_client, project)
    big_count = _queries_for_board(owner_client, big)

    assert small_count == big_count
    assert small_count <= 12  # session, user, membership, scenes, shots, characters, and the header
    html = owner_client.get(board_url(big)).content.decode()
    assert html.count('class="card"') == 500


def test_a_card_shows_the_poster_of_the_circled_take(owner_client, project, scene):
    from django.core.files.base import ContentFile

    from shots.models import Take

    from ..factories import png_bytes

    shot = ShotFactory(scene=scene)
    take = Take.objects.create(
        shot=shot,
        number=1,
        provider="local",
        model="animatic",
        prompt="p",
        seconds=Decimal("3"),
        width=64,
        height=36,
        aspect_ratio="16:9",
        status="succeeded",
    )
    take.poster.save("poster.jpg", ContentFile(png_bytes(16, 9)), save=True)
    shot.circled_take = take
    shot.save()

    html = owner_client.get(board_url(project)).content.decode()

    assert take.poster.url in html
    assert "Circled take 1" in html
