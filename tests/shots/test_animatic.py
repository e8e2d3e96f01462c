"""The animatic of a scene and of the whole project: the sequence the server sends the player."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from shots.models import TakeStatus
from tests.factories import SceneFactory, ShotFactory, png_upload

from .test_take_views import make_take


def sequence_of(response) -> dict:
    """The JSON the page hands to animatic.js, read back the way the browser reads it."""
    body = response.content.decode()
    start = body.index('<script id="animatic-sequence" type="application/json">')
    start = body.index(">", start) + 1
    end = body.index("</script>", start)
    return json.loads(body[start:end])


@pytest.fixture
def two_scenes(project, scene):
    """Scene 1 (Arrival): 1A with a circled 4 s take, 1B with a panel, 1C with nothing.
    Scene 2 (Storm): 2A with a take that is not circled."""
    a = ShotFactory(scene=scene, position=0, code="1A", duration=Decimal("3"))
    take = make_take(a, TakeStatus.SUCCEEDED, seconds=Decimal("4"))
    a.circled_take = take
    a.save()
    b = ShotFactory(scene=scene, position=1, code="1B", duration=Decimal("2.5"), panel=png_upload())
    c = ShotFactory(
        scene=scene, position=2, code="1C", duration=Decimal("1"), dialogue="Who's there?"
    )
    storm = SceneFactory(project=project, position=1, title="Storm")
    d = ShotFactory(scene=storm, position=0, code="2A", duration=Decimal("2"))
    make_take(d, TakeStatus.SUCCEEDED)
    return {"a": a, "b": b, "c": c, "d": d, "take": take, "storm": storm}


def test_the_project_animatic_plays_every_scene_in_board_order(viewer_client, project, two_scenes):
    response = viewer_client.get(reverse("project-animatic", args=[project.id]))
    sequence = sequence_of(response)
    assert response.status_code == 200
    assert [s["code"] for s in sequence["segments"]] == ["1A", "1B", "1C", "2A"]
    assert sequence["fps"] == 24


def test_a_circled_take_plays_for_its_length_and_other_shots_hold_for_theirs(
    viewer_client, project, two_scenes
):
    sequence = sequence_of(viewer_client.get(reverse("project-animatic", args=[project.id])))
    a, b, c, d = sequence["segments"]
    take = two_scenes["take"]
    assert (a["kind"], a["video"], a["poster"], a["take"]) == (
        "video",
        take.video.url,
        take.poster.url,
        1,
    )
    assert (b["kind"], b["panel"], b["video"]) == ("panel", two_scenes["b"].panel.url, None)
    assert c["kind"] == "card" and c["panel"] is None
    assert d["kind"] == "card"  # a take that is not circled is not in the cut
    assert [s["frames"] for s in sequence["segments"]] == [96, 60, 24, 48]
    assert [s["start_frame"] for s in sequence["segments"]] == [0, 96, 156, 180]
    assert [s["start"] for s in sequence["segments"]] == [0, 4, 6.5, 7.5]
    assert sequence["frames"] == 228 and sequence["duration"] == 9.5


def test_the_project_animatic_marks_where_each_scene_starts(viewer_client, project, two_scenes):
    response = viewer_client.get(reverse("project-animatic", args=[project.id]))
    segments = sequence_of(response)["segments"]
    assert [s["scene_start"] for s in segments] == [True, False, False, True]
    assert [s["scene"] for s in segments] == ["Arrival", "Arrival", "Arrival", "Storm"]
    assert response.content.decode().count("is-scene-start") == 1


def test_a_scene_animatic_has_only_that_scene(viewer_client, project, two_scenes):
    storm = two_scenes["storm"]
    response = viewer_client.get(reverse("scene-animatic", args=[project.id, storm.id]))
    sequence = sequence_of(response)
    assert [s["code"] for s in sequence["segments"]] == ["2A"]
    assert sequence["segments"][0]["start_frame"] == 0


def test_a_circled_take_that_failed_is_held_as_a_panel_or_card(viewer_client, project, scene):
    shot = ShotFactory(scene=scene, duration=Decimal("2"))
    shot.circled_take = make_take(shot, TakeStatus.FAILED)
    shot.save()
    sequence = sequence_of(viewer_client.get(reverse("project-animatic", args=[project.id])))
    assert sequence["segments"][0]["kind"] == "card"
    assert sequence["segments"][0]["frames"] == 48


def test_the_timeline_is_drawn_by_the_server_in_proportion(viewer_client, project, two_scenes):
    body = viewer_client.get(reverse("project-animatic", args=[project.id])).content.decode()
    # 96 of 228 frames: 42.1053 %
    assert "left: 0%; width: 42.1053%" in body
    assert body.count('class="animatic-segment ') == 4


def test_the_shot_text_is_escaped_in_the_sequence(viewer_client, project, scene):
    ShotFactory(
        scene=scene, action="</script><script>alert('x')</script>", dialogue="<b>Hi</b> & bye"
    )
    response = viewer_client.get(reverse("project-animatic", args=[project.id]))
    body = response.content.decode()
    assert "</script><script>alert" not in body
    assert "<b>Hi</b>" not in body
    segment = sequence_of(response)["segments"][0]
    assert segment["action"] == "</script><script>alert('x')</script>"
    assert segment["dialogue"] == "<b>Hi</b> & bye"


def test_an_empty_project_says_there_is_nothing_to_play(viewer_client, project):
    body = viewer_client.get(reverse("project-animatic", args=[project.id])).content.decode()
    assert "No shots to play yet" in body
    assert "animatic-sequence" not in body


@pytest.mark.parametrize("client_name", ["owner_client", "editor_client"])
def test_editors_get_a_generate_missing_button_on_a_scene(request, client_name, project, scene):
    client = request.getfixturevalue(client_name)
    body = client.get(reverse("scene-animatic", args=[project.id, scene.id])).content.decode()
    assert reverse("scene-generate-missing", args=[project.id, scene.id]) in body


@pytest.mark.parametrize("client_name", ["reviewer_client", "viewer_client"])
def test_reviewers_and_viewers_watch_without_the_button(request, client_name, project, scene):
    client = request.getfixturevalue(client_name)
    response = client.get(reverse("scene-animatic", args=[project.id, scene.id]))
    assert response.status_code == 200
    assert (
        reverse("scene-generate-missing", args=[project.id, scene.id])
        not in response.content.decode()
    )


def test_outsiders_get_404(outsider_client, project, scene):
    assert outsider_client.get(reverse("project-animatic", args=[project.id])).status_code == 404
    assert (
        outsider_client.get(reverse("scene-animatic", args=[project.id, scene.id])).status_code
        == 404
    )


def test_a_scene_of_another_project_is_not_found(owner_client, project):
    other = SceneFactory()
    assert (
        owner_client.get(reverse("scene-animatic", args=[project.id, other.id])).status_code == 404
    )
