"""A director generates a take with the offline renderer, watches it progress, plays it frame by
frame, circles it, sees it on the board and plays the scene as an animatic.

Real everything: Chromium, the live server, PostgreSQL, Redis and a Celery worker.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files import File

from shots.models import Take, TakeStatus
from studio.models import Role
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    SceneFactory,
    ShotFactory,
    UserFactory,
)

from .conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RENDER_TIMEOUT_MS = 120_000

# Every time htmx swaps a take's status in, note its status and progress (read in the page).
RECORD_STATUS_SWAPS = """
() => {
  window.statusHistory = [];
  const note = () => document.querySelectorAll('.take-status').forEach((el) => {
    const bar = el.querySelector('[role=progressbar]');
    const progress = bar ? Number(bar.getAttribute('aria-valuenow')) : null;
    window.statusHistory.push([el.dataset.status, progress]);
  });
  document.body.addEventListener('htmx:afterSettle', note);
  note();
}
"""


@pytest.fixture
def director(allow_generation):
    user = UserFactory(username="director")
    allow_generation(user)
    return user


@pytest.fixture
def lighthouse(director):
    project = ProjectFactory(title="The Lighthouse", aspect_ratio="16:9", fps=24)
    MembershipFactory(project=project, user=director, role=Role.OWNER)
    scene = SceneFactory(
        project=project, position=0, title="Arrival", slugline="EXT. LIGHTHOUSE - NIGHT"
    )
    shot = ShotFactory(
        scene=scene,
        position=0,
        code="1A",
        duration=Decimal("4"),
        camera_move="push_in",
        subject="The keeper",
        action="climbs the spiral stairs, lamp in hand",
        dialogue="Who's out there?",
    )
    ShotFactory(
        scene=scene,
        position=1,
        code="1B",
        duration=Decimal("2"),
        subject="The lamp",
        action="sweeps the black sea",
    )
    return project, scene, shot


def test_generate_watch_play_circle_and_see_it_on_the_board(
    page, celery_worker, director, lighthouse
):
    project, scene, shot = lighthouse
    sign_in(page, "director")

    # The shot page loads its takes panel; the Generate form offers the local renderer.
    page.goto(shot.get_absolute_url())
    form = page.locator("#generate-form")
    form.wait_for()
    assert form.locator("select[name=provider]").input_value() == "local"
    form.locator("select[name=size]").select_option("1280x720")
    form.locator("select[name=seconds]").select_option("12")
    # The credit estimate next to Generate follows the choices (local, 720p: 1 credit a second).
    # (12 s, so the render outlasts the pipeline's first 2 s poll and the bar shows progress.)
    page.wait_for_function(
        "document.querySelector('#credit-estimate').textContent.includes('12 credits')"
    )

    # Generate, and watch the card poll its status until the take is done.
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".take-card .take-status[hx-trigger]")
    page.evaluate(RECORD_STATUS_SWAPS)
    page.wait_for_selector(".take-card .badge-succeeded", timeout=RENDER_TIMEOUT_MS)

    take = Take.objects.get(shot=shot)
    assert take.status == TakeStatus.SUCCEEDED and take.seconds == Decimal("12")
    history = page.evaluate("window.statusHistory")
    progress = [value for status, value in history if value is not None]
    assert len(set(progress)) >= 2, history  # the bar moved…
    assert progress == sorted(progress), history  # …only forwards
    assert history[-1][0] == "succeeded"
    assert page.locator(".take-status[hx-trigger]").count() == 0  # and polling stopped

    # Play it: the video runs, and the frame counter follows the take's frame rate.
    page.click(".take-card .take-title")
    page.wait_for_selector("[data-player] video")
    page.wait_for_function("document.querySelector('[data-player] video').readyState >= 2")
    maths = page.evaluate(
        """() => {
          const T = window.StudioTime;
          return {
            start: T.timecode(0, 24), hour: T.timecode(24 * 3600 + 24 * 61 + 5, 24),
            pal: T.timecode(25 * 10 + 24, 25), ntsc: T.timecode(24, 23.976),
            frameOfSeek: T.frameAt(T.timeForFrame(47, 24), 24),
            frameAtStart: T.frameAt(47 / 24, 24), roundedDown: T.frameAt(0.041666, 24),
            count: T.frameCount(6.0, 24),
            clampLow: T.clampFrame(-3, 144), clampHigh: T.clampFrame(999, 144),
          };
        }"""
    )
    assert maths == {
        "start": "00:00:00:00",
        "hour": "01:01:01:05",
        "pal": "00:00:10:24",
        "ntsc": "00:00:01:00",
        "frameOfSeek": 47,
        "frameAtStart": 47,
        "roundedDown": 1,
        "count": 144,
        "clampLow": 0,
        "clampHigh": 143,
    }
    page.click("[data-player] [data-action=toggle]")
    page.wait_for_function("document.querySelector('[data-player] video').currentTime > 0.5")
    page.keyboard.press("k")
    page.wait_for_function("document.querySelector('[data-player] video').paused")

    # Frame stepping moves exactly one frame, and the timecode agrees.
    page.keyboard.press("Home")
    page.wait_for_function("document.querySelector('[data-player]').dataset.frame === '0'")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('[data-player]').dataset.frame === '3'")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('[data-player]').dataset.frame === '2'")
    assert page.locator("[data-timecode]").inner_text() == "00:00:00:02"
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("document.querySelector('[data-player]').dataset.frame === '26'")
    assert page.locator("[data-timecode]").inner_text() == "00:00:01:02"
    current = page.evaluate("document.querySelector('[data-player] video').currentTime")
    assert int(current * 24) == 26  # the seek landed inside frame 26, not on its edge
    page.select_option("[data-speed]", "0.5")
    assert page.evaluate("document.querySelector('[data-player] video').playbackRate") == 0.5
    page.screenshot(path=str(SCREENSHOTS / "player.png"))

    # Circle it on the shot page.
    page.goto(shot.get_absolute_url())
    page.locator(f"#take-{take.id} button:has-text('Circle')").click()
    page.wait_for_selector(f"#take-{take.id}.is-circled")
    shot.refresh_from_db()
    assert shot.circled_take_id == take.id
    page.locator("#takes-panel").screenshot(path=str(SCREENSHOTS / "takes.png"))

    # The board card shows the circled take's poster and plays it on hover.
    page.goto(project.get_absolute_url())
    card = page.locator(f"#shot-{shot.id}")
    poster = card.locator("img[data-take-video]")
    assert poster.get_attribute("src") == take.poster.url
    card.locator(".card-frame").hover()
    page.wait_for_function(
        f"(() => {{ const v = document.querySelector('#shot-{shot.id} video.card-hover-video');"
        " return v && v.currentTime > 0; })()"
    )

    # The scene plays as an animatic: the take, a card held for the shot without one, and the
    # circled take of a third shot (a copy of the first file, so no second render is needed).
    third = ShotFactory(scene=scene, position=2, code="1C", duration=Decimal("2"))
    copy = Take.objects.create(
        shot=third,
        number=1,
        provider="local",
        model="animatic",
        prompt="copy",
        seconds=take.seconds,
        width=take.width,
        height=take.height,
        aspect_ratio="16:9",
        status=TakeStatus.SUCCEEDED,
        duration=take.duration,
        result_fps=take.result_fps,
    )
    with take.video.open("rb") as source:
        copy.video.save("take-copy.mp4", File(source))
    third.circled_take = copy
    third.save()

    page.goto(f"/projects/{project.id}/scenes/{scene.id}/animatic/")
    animatic = page.locator("[data-animatic]")
    animatic.wait_for()
    assert page.locator(".animatic-segment-video").count() == 2
    assert page.locator(".animatic-segment-card").count() == 1
    assert page.locator("[data-caption-dialogue]").inner_text() == "Who's out there?"
    page.click("[data-animatic] [data-action=toggle]")
    page.wait_for_function("Number(document.querySelector('[data-animatic]').dataset.frame) > 12")
    page.click("[data-animatic] [data-action=toggle]")
    # Jump to the second shot: the playhead goes to its first frame (12 s = 288 frames in).
    page.locator(".animatic-segment").nth(1).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('[data-animatic]').dataset.frame === '288'")
    assert page.locator("[data-timecode]").inner_text() == "00:00:12:00"
    assert page.locator(".animatic-card-code").inner_text() == "1B"
    page.locator(".animatic-segment").nth(0).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('[data-animatic]').dataset.index === '0'")
    # Play across both cuts: the hold, then the third shot's take from the deck loaded behind.
    page.evaluate("document.querySelector('[data-animatic]').studioAnimatic.seekFrame(282)")
    page.click("[data-animatic] [data-action=toggle]")
    page.wait_for_function("document.querySelector('[data-animatic]').dataset.index === '1'")
    page.wait_for_function(
        "(() => { const v = document.querySelector('.animatic-video:not([hidden])');"
        " return document.querySelector('[data-animatic]').dataset.index === '2'"
        f" && v && v.currentTime > 0.2 && v.getAttribute('src') === '{copy.video.url}'; }})()",
        timeout=30_000,
    )
    page.click("[data-animatic] [data-action=toggle]")
    assert page.locator("[data-caption-code]").inner_text() == "1C · take 1"
    page.evaluate("document.querySelector('[data-animatic]').studioAnimatic.seekFrame(60)")
    page.wait_for_function(
        "document.querySelector('.animatic-video:not([hidden])').readyState >= 2"
    )
    page.screenshot(path=str(SCREENSHOTS / "animatic.png"), full_page=True)
