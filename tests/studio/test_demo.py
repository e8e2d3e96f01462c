"""`manage.py demo`: the demo login and "The Lighthouse", created once however often it runs."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from shots.models import Shot
from studio.models import Character, CharacterImage, Membership, Project, Role, Scene


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [get_user_model(), Project, Membership, Scene, Shot, Character, CharacterImage]
    return {model.__name__: model.objects.count() for model in models}


def test_a_second_run_duplicates_nothing_and_the_director_can_sign_in(db, client):
    first = run_demo()
    after_first = counts()

    second = run_demo()

    assert counts() == after_first
    assert "director / storyboard" in first and "demo" in first.lower()
    assert "nothing added" in second
    response = client.post(
        reverse("login"), {"username": "director", "password": "storyboard"}, follow=True
    )
    assert response.context["user"].username == "director"
    assert "The Lighthouse" in response.content.decode()


def test_the_lighthouse_is_a_complete_board(db, client):
    # One run, many checks: the command draws eleven panels, so it is run as little as possible.
    run_demo()
    lighthouse = Project.objects.get(title="The Lighthouse")
    director = get_user_model().objects.get(username="director")

    # The project, owned by the director.
    assert lighthouse.role_of(director) == Role.OWNER
    assert (lighthouse.aspect_ratio, lighthouse.fps) == ("16:9", 24)
    assert "35mm" in lighthouse.style

    # Two characters with a canonical description and a reference image each.
    characters = list(lighthouse.characters.all())
    assert len(characters) == 2
    for character in characters:
        assert len(character.description) > 80
        reference = character.images.get()
        assert reference.thumbnail and Image.open(reference.image).size == (768, 1024)

    # Three scenes with sluglines, about ten shots in film language.
    scenes = list(lighthouse.scenes.order_by("position"))
    shots = list(Shot.objects.for_project(lighthouse).order_by("scene__position", "position"))
    assert len(scenes) == 3 and all(scene.slugline for scene in scenes)
    assert 9 <= len(shots) <= 12
    assert [shot.code for shot in shots][:3] == ["1A", "1B", "1C"]
    assert len({shot.shot_size for shot in shots}) >= 4
    assert len({shot.camera_move for shot in shots}) >= 4
    assert any(shot.dialogue for shot in shots)
    assert all(shot.subject and shot.action and shot.lighting and shot.lens_mm for shot in shots)

    # Every shot has a drawn panel (not a flat placeholder) and a thumbnail.
    for shot in shots:
        panel = Image.open(shot.panel)
        assert panel.size == (1280, 720)
        assert Image.open(shot.panel_thumbnail).size == (480, 270)
        assert len(panel.convert("RGB").resize((64, 36)).getcolors(64 * 36)) > 100

    # @Name mentions linked the characters, whose descriptions reach the prompt word for word.
    mara = lighthouse.characters.get(name="Mara")
    rescue = Shot.objects.get(project=lighthouse, code="2D")
    assert {c.name for c in rescue.characters.all()} == {"Mara", "Tomas"}
    assert mara.description.rstrip(".") in rescue.compiled_prompt()
    assert mara.shots.count() >= 4

    # The board and a character sheet render for the director.
    client.force_login(director)
    board = client.get(lighthouse.get_absolute_url())
    sheet = client.get(reverse("character-detail", args=[lighthouse.id, mara.id]))
    assert board.status_code == 200 and "EXT. ROCKS BELOW THE LIGHTHOUSE" in board.content.decode()
    assert sheet.status_code == 200 and "2D" in sheet.content.decode()
