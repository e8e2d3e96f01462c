"""The director's first minutes: sign in, create a project, a scene and two shots, drag one shot
before the other, open it and read its compiled prompt. Saves the board screenshot the README shows.
"""

from __future__ import annotations

import io
import math
import random
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFilter

from shots.models import Shot, renumber_shots
from studio.models import Character, Project, Scene

from ..factories import UserFactory
from .conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_director_builds_a_board_and_reorders_it(page, live_server):
    UserFactory(username="director")
    sign_in(page, "director")

    # A project.
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Title").fill("The Lighthouse")
    page.get_by_label("Logline").fill(
        "A keeper must relight the lamp before the ferry reaches the rocks."
    )
    page.get_by_label("Aspect ratio").select_option("2.39:1")
    page.get_by_label("Style").fill("Shot on 35mm film, anamorphic lens, subtle film grain")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url("**/projects/*/")
    project = Project.objects.get(title="The Lighthouse")
    assert project.memberships.get().role == "owner"

    # A scene, in place.
    page.get_by_role("link", name="Add scene").first.click()
    page.get_by_label("Title").fill("The storm")
    page.get_by_label("Slugline").fill("int. lamp room - night")
    page.get_by_role("button", name="Add scene").click()
    page.get_by_role("heading", name="The storm").wait_for()
    scene = Scene.objects.get(project=project)

    # Two shots, in place.
    for subject, size in [("The dead lamp", "ECU"), ("The keeper climbs the last steps", "WS")]:
        page.get_by_role("link", name="Add shot").click()
        page.get_by_label("Subject").fill(subject)
        page.get_by_label("Shot size").select_option(size)
        page.get_by_role("button", name="Add shot").click()
        page.locator(".card", has_text=subject).wait_for()
    first, second = Shot.objects.filter(scene=scene).order_by("position")
    assert (first.code, second.code) == ("1A", "1B")

    # Drag the second before the first; the order is saved at once.
    with page.expect_response(lambda r: r.url.endswith("/reorder/") and r.status == 200):
        drag(page, f"#shot-{second.id} .card-frame", f"#shot-{first.id} .card-frame")
    page.locator(".shot-grid .card").first.filter(has_text="The keeper climbs").wait_for()
    assert list(scene.shots.order_by("position").values_list("id", flat=True)) == [
        second.id,
        first.id,
    ]

    # The keyboard alternative: the move buttons, which keep the focus where it was.
    later = page.get_by_role("button", name=f"Move shot {second.code} later")
    later.focus()
    with page.expect_response(lambda r: r.url.endswith("/move/") and r.status == 200):
        page.keyboard.press("Enter")
    page.locator(".shot-grid .card").first.filter(has_text="The dead lamp").wait_for()
    assert list(scene.shots.order_by("position").values_list("id", flat=True)) == [
        first.id,
        second.id,
    ]
    page.wait_for_function(
        "document.activeElement && document.activeElement.getAttribute('aria-label') === "
        f"'Move shot {second.code} later'"
    )

    # The board body was re-rendered: dragging still works on the new cards.
    with page.expect_response(lambda r: r.url.endswith("/reorder/") and r.status == 200):
        drag(page, f"#shot-{second.id} .card-frame", f"#shot-{first.id} .card-frame")
    page.locator(".shot-grid .card").first.filter(has_text="The keeper climbs").wait_for()
    assert saved_order(scene) == [second.id, first.id]

    # Open the shot: its compiled prompt, which follows the fields as they are typed.
    page.locator(f"#shot-{second.id} .card-link").click()
    page.wait_for_url(f"**/shots/{second.id}/")
    prompt = page.get_by_test_id("compiled-prompt")
    assert prompt.inner_text() == Shot.objects.get(id=second.id).compiled_prompt()
    assert "The keeper climbs the last steps. Eye-level wide shot" in prompt.inner_text()
    page.get_by_label("Lighting").fill("only the lightning")
    page.get_by_test_id("compiled-prompt").filter(has_text="Only the lightning.").wait_for()
    assert Shot.objects.get(id=second.id).lighting == ""  # the preview saves nothing

    # A fuller board for the README: characters, scenes and drawn panels.
    furnish(project)
    page.goto(project.get_absolute_url())
    page.locator(".card img").first.wait_for()
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "board.png"), full_page=False)

    # Across scenes: the ferry's first shot dragged into the storm, before its first shot.
    ferry_shot = Shot.objects.get(subject="The ferry")
    page.set_viewport_size({"width": 1440, "height": 1600})  # both scenes on screen
    with page.expect_response(lambda r: r.url.endswith("/reorder/") and r.status == 200):
        drag(page, f"#shot-{ferry_shot.id} .card-frame", f"#shot-{second.id} .card-frame")
    page.locator(f"#scene-{scene.id} #shot-{ferry_shot.id}").wait_for()
    assert saved_order(scene) == [ferry_shot.id, second.id, first.id]


def saved_order(scene: Scene) -> list:
    return list(scene.shots.order_by("position").values_list("id", flat=True))


def drag(page, source: str, target: str) -> None:
    """A real pointer drag, in small steps, so Sortable sees it as a user would make it."""
    start = page.locator(source).bounding_box()
    end = page.locator(target).bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 - 20, start["y"] + start["height"] / 2, steps=5)
    page.mouse.move(end["x"] + 10, end["y"] + end["height"] / 2, steps=20)
    page.mouse.move(end["x"] + 5, end["y"] + end["height"] / 2, steps=5)
    page.mouse.up()


# --- Panels, drawn with Pillow ----------------------------------------------------------------

W, H = 960, 402  # 2.39:1


def _sky(draw: ImageDraw.ImageDraw, top: tuple, bottom: tuple, height: int = H) -> None:
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (W, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )


def _sea(draw: ImageDraw.ImageDraw, horizon: int, rng: random.Random) -> None:
    draw.rectangle([0, horizon, W, H], fill=(18, 28, 38))
    for _ in range(140):
        x, y = rng.randint(0, W), rng.randint(horizon + 4, H)
        length = rng.randint(10, 60) * (y - horizon) / (H - horizon) + 6
        draw.line([(x, y), (x + length, y)], fill=(70, 92, 110), width=1 + (y - horizon) // 90)


def _lighthouse(draw: ImageDraw.ImageDraw, x: int, base: int, height: int, lit: bool) -> None:
    w_bottom, w_top = height * 0.16, height * 0.1
    draw.polygon(
        [
            (x - w_bottom / 2, base),
            (x + w_bottom / 2, base),
            (x + w_top / 2, base - height),
            (x - w_top / 2, base - height),
        ],
        fill=(225, 222, 210),
    )
    for i in range(1, 4):
        y = base - height * i / 4
        draw.line(
            [(x - w_bottom / 2, y + 8), (x + w_bottom / 2, y + 8)],
            fill=(150, 40, 40),
            width=max(2, height // 40),
        )
    draw.rectangle(
        [x - w_top / 2 - 4, base - height - height * 0.12, x + w_top / 2 + 4, base - height],
        fill=(40, 40, 44),
    )
    if lit:
        cx, cy = x, base - height - height * 0.06
        draw.polygon([(cx, cy), (W, cy - 90), (W, cy + 40)], fill=(255, 214, 120))
        draw.ellipse([cx - 9, cy - 9, cx + 9, cy + 9], fill=(255, 240, 190))


def panel(kind: str, seed: int) -> bytes:
    rng = random.Random(seed)
    img = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(img)
    if kind == "cliff":
        _sky(draw, (38, 52, 78), (196, 122, 84))
        _sea(draw, 280, rng)
        draw.polygon([(0, 260), (380, 230), (520, 300), (520, H), (0, H)], fill=(22, 24, 26))
        _lighthouse(draw, 250, 236, 170, lit=False)
    elif kind == "storm":
        _sky(draw, (14, 18, 26), (46, 56, 70))
        for _ in range(3):
            x = rng.randint(200, 800)
            points = [(x, 0)]
            for _ in range(6):
                x += rng.randint(-30, 30)
                points.append((x, points[-1][1] + 40))
            draw.line(points, fill=(220, 230, 255), width=3)
        _sea(draw, 300, rng)
        _lighthouse(draw, 700, 300, 230, lit=True)
    elif kind == "stairs":
        draw.rectangle([0, 0, W, H], fill=(30, 26, 24))
        for i in range(16):
            angle = i * 0.55
            r = 60 + i * 14
            x, y = W / 2 + math.cos(angle) * r * 1.6, H / 2 + math.sin(angle) * r * 0.6
            draw.line([(W / 2, H / 2), (x, y)], fill=(120, 100, 80), width=5)
        draw.ellipse([W / 2 - 30, H / 2 - 30, W / 2 + 30, H / 2 + 30], fill=(12, 10, 10))
        draw.ellipse([W / 2 + 150, 90, W / 2 + 186, 126], fill=(210, 170, 130))
        draw.rectangle([W / 2 + 150, 126, W / 2 + 186, 210], fill=(90, 96, 104))
    elif kind == "face":
        _sky(draw, (70, 46, 30), (20, 14, 12))
        draw.ellipse([330, 60, 630, 420], fill=(200, 150, 115))
        draw.ellipse([400, 190, 440, 215], fill=(40, 30, 28))
        draw.ellipse([520, 190, 560, 215], fill=(40, 30, 28))
        draw.arc([430, 280, 530, 330], 20, 160, fill=(110, 60, 50), width=4)
        draw.pieslice([300, -20, 660, 220], 180, 360, fill=(90, 96, 104))
        draw.ellipse([700, 120, 760, 180], fill=(255, 210, 120))
    elif kind == "lamp":
        draw.rectangle([0, 0, W, H], fill=(16, 16, 20))
        draw.ellipse([330, 40, 630, 340], fill=(60, 56, 44))
        draw.ellipse([380, 90, 580, 290], fill=(255, 200, 100))
        draw.ellipse([440, 150, 520, 230], fill=(255, 246, 220))
        for i in range(12):
            a = i * math.pi / 6
            draw.line(
                [
                    (480 + math.cos(a) * 110, 190 + math.sin(a) * 110),
                    (480 + math.cos(a) * 200, 190 + math.sin(a) * 200),
                ],
                fill=(120, 96, 50),
                width=2,
            )
    elif kind == "ferry":
        _sky(draw, (20, 26, 40), (60, 70, 90))
        _sea(draw, 250, rng)
        draw.polygon([(300, 250), (680, 250), (640, 290), (340, 290)], fill=(200, 200, 196))
        draw.rectangle([420, 200, 560, 250], fill=(230, 230, 226))
        for x in range(430, 560, 22):
            draw.rectangle([x, 215, x + 12, 230], fill=(255, 220, 140))
        draw.polygon([(0, 250), (160, 200), (260, 260), (0, 300)], fill=(16, 16, 18))
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def furnish(project: Project) -> None:
    """Two characters, two more scenes and panels on most shots."""
    mara = Character.objects.create(
        project=project, name="Mara", description="Keeper, fifties, grey wool coat, weathered face."
    )
    Character.objects.create(
        project=project, name="Tom", description="Ferry pilot, thirties, yellow oilskin."
    )
    storm = project.scenes.get()
    arrival = Scene.objects.create(
        project=project,
        position=5,
        title="Arrival",
        slugline="EXT. CLIFF - DUSK",
        synopsis="Mara walks the cliff path to the dark lighthouse as the weather turns.",
    )
    ferry = Scene.objects.create(
        project=project, position=9, title="The ferry", slugline="EXT. SEA - NIGHT"
    )
    plan = [
        (
            arrival,
            "@Mara on the cliff path",
            "walks toward the dark tower",
            "EWS",
            "drone",
            "6",
            "cliff",
        ),
        (arrival, "The lighthouse", "stands unlit against the dusk", "WS", "push_in", "4", "storm"),
        (arrival, "@Mara's face", "she looks up at the dead lamp", "CU", "static", "2.5", "face"),
        (ferry, "The ferry", "ploughs toward the rocks", "WS", "tracking", "5", "ferry"),
        (ferry, "@Tom at the wheel", "squints into the dark", "MCU", "handheld", "3", None),
    ]
    for scene, subject, action, size, move, seconds, drawing in plan:
        shot = Shot.create_in_scene(
            scene,
            subject=subject,
            action=action,
            shot_size=size,
            camera_move=move,
            duration=Decimal(seconds),
        )
        if drawing:
            data = panel(drawing, len(subject))
            shot.panel.save("panel.jpg", ContentFile(data), save=False)
            shot.panel_thumbnail.save("thumb.jpg", ContentFile(data), save=False)
            shot.save()
        shot.link_mentioned_characters()
    for shot in storm.shots.all():
        drawing = "lamp" if "lamp" in shot.subject else "stairs"
        data = panel(drawing, 7)
        shot.panel.save("panel.jpg", ContentFile(data), save=False)
        shot.panel_thumbnail.save("thumb.jpg", ContentFile(data), save=False)
        shot.camera_move = "crane_up" if drawing == "stairs" else "push_in"
        shot.save()
        if drawing == "stairs":
            shot.characters.add(mara)
    Scene.objects.filter(id=arrival.id).update(position=0)
    Scene.objects.filter(id=storm.id).update(position=1)
    Scene.objects.filter(id=ferry.id).update(position=2)
    renumber_shots(project)
