"""The offline animatic renderer: real H.264 MP4s whose frames move the way the camera move says."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PIL import Image, ImageDraw, ImageStat

from shots import media
from shots.providers import get_provider
from shots.providers.base import ProviderError, RenderSpec
from shots.providers.local import LocalProvider


def target_still(width: int = 640, height: int = 360) -> Image.Image:
    """White, with a black square in the middle: its size and place tell where the camera is."""
    image = Image.new("RGB", (width, height), "white")
    side = height // 5
    ImageDraw.Draw(image).rectangle(
        (
            width // 2 - side // 2,
            height // 2 - side // 2,
            width // 2 + side // 2,
            height // 2 + side // 2,
        ),
        fill="black",
    )
    return image


def frames(path: Path) -> list[Image.Image]:
    with av.open(str(path)) as container:
        return [f.to_image().convert("L") for f in container.decode(video=0)]


def square(frame: Image.Image) -> tuple[float, float, float]:
    """Width, x centre and y centre of the dark square, in pixels."""
    x0, y0, x1, y1 = frame.point(lambda v: 255 if v < 100 else 0).getbbox()
    return float(x1 - x0), (x0 + x1) / 2, (y0 + y1) / 2


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.tobytes() == b.tobytes()


def render(
    tmp_path,
    move: str,
    *,
    width=160,
    height=90,
    fps=24,
    seconds=1.0,
    seed=0,
    still=None,
    burn_in="",
):
    out = tmp_path / f"{move}-{seed}-{width}x{height}.mp4"
    media.render_still_motion(
        still or target_still(),
        out,
        width=width,
        height=height,
        fps=fps,
        seconds=seconds,
        move=move,
        seed=seed,
        burn_in=burn_in,
    )
    return out


@pytest.mark.parametrize(
    ("width", "height", "fps", "seconds"),
    [(160, 90, 24, 1.0), (90, 160, 30, 1.5), (344, 144, 25, 0.5), (128, 128, 12, 2.0)],
)
def test_it_makes_h264_at_the_requested_size_fps_and_duration(
    tmp_path, width, height, fps, seconds
):
    path = render(tmp_path, "push_in", width=width, height=height, fps=fps, seconds=seconds)

    info = media.probe_video(path)
    assert (info.width, info.height) == (width, height)
    assert info.fps == fps
    assert info.duration == pytest.approx(seconds, abs=1 / fps)
    assert info.frames == round(seconds * fps)
    assert info.codec == "h264" and not info.has_audio
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_the_moov_atom_comes_first_so_browsers_can_start_playing(tmp_path):
    data = render(tmp_path, "static").read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


def test_push_in_grows_the_centre(tmp_path):
    first, *_, last = frames(render(tmp_path, "push_in"))
    assert square(last)[0] / square(first)[0] == pytest.approx(1.35, rel=0.08)


def test_pull_out_shrinks_the_centre(tmp_path):
    first, *_, last = frames(render(tmp_path, "pull_out"))
    assert square(first)[0] / square(last)[0] == pytest.approx(1.35, rel=0.08)


def test_the_move_is_eased_not_linear(tmp_path):
    widths = [square(f)[0] for f in frames(render(tmp_path, "zoom_in", seconds=2.0))]
    start, middle, end = widths[1] - widths[0], widths[24] - widths[23], widths[-1] - widths[-2]
    assert middle > 3 * max(start, end, 0.01)
    assert widths == sorted(widths)


def test_pan_left_moves_the_picture_right(tmp_path):
    first, *_, last = frames(render(tmp_path, "pan_left"))
    assert square(last)[1] - square(first)[1] > 20


def test_tilt_up_moves_the_picture_down(tmp_path):
    first, *_, last = frames(render(tmp_path, "tilt_up"))
    assert square(last)[2] - square(first)[2] > 10


def test_static_holds_still(tmp_path):
    first, *_, last = frames(render(tmp_path, "static"))
    assert square(first) == pytest.approx(square(last), abs=1)


def test_dolly_zoom_keeps_the_subject_while_the_background_widens(tmp_path):
    still = target_still()
    ImageDraw.Draw(still).rectangle(
        (10, 10, 60, 60), fill="black"
    )  # a corner mark in the background
    first, *_, last = frames(render(tmp_path, "dolly_zoom", still=still))
    centre = (50, 30, 110, 60)
    assert square(first.crop(centre))[0] == pytest.approx(square(last.crop(centre))[0], abs=2)
    assert not same(first.crop((0, 0, 160, 20)), last.crop((0, 0, 160, 20)))


def test_handheld_is_deterministic_for_a_seed(tmp_path):
    a = frames(render(tmp_path, "handheld", seed=1))
    (tmp_path / "again").mkdir()
    b = frames(render(tmp_path / "again", "handheld", seed=1))
    c = frames(render(tmp_path, "handheld", seed=2))
    assert all(same(x, y) for x, y in zip(a, b, strict=True))
    assert any(not same(x, y) for x, y in zip(a, c, strict=True))
    centres = [square(f)[1] for f in a]
    assert max(centres) - min(centres) > 1  # it does move


def test_burn_in_shows_a_running_timecode(tmp_path):
    first, *_, last = frames(render(tmp_path, "static", burn_in="1A"))
    (tmp_path / "plain").mkdir()
    plain = frames(render(tmp_path / "plain", "static"))[0]
    corner = (0, 70, 80, 90)
    assert not same(first.crop(corner), last.crop(corner))  # the timecode runs
    assert not same(first.crop(corner), plain.crop(corner))
    assert media.timecode(49, 24) == "00:00:02:01"


def test_it_renders_up_to_two_minutes(tmp_path):
    info = media.probe_video(render(tmp_path, "drone", width=64, height=64, fps=12, seconds=120))
    assert info.duration == pytest.approx(120, abs=0.1)


def test_a_shot_without_a_panel_gets_a_title_card(settings, tmp_path):
    provider = LocalProvider(root=tmp_path)
    spec = RenderSpec(
        take_id="3f0c4a7e-9a55-4d0e-8a7e-0b1e6d0b7a11",
        model="animatic",
        prompt="The keeper climbs the spiral stairs.",
        seconds=1,
        width=320,
        height=180,
        fps=24,
        params={"code": "1A", "slugline": "INT. TOWER - NIGHT", "characters": ["Mara"]},
    )
    card = provider.still(spec).convert("L")
    assert ImageStat.Stat(card).stddev[0] > 10  # text on it, not a flat colour
    assert provider.still(spec).size == (480, 270)


def test_it_goes_through_submit_poll_fetch_like_a_remote_provider(tmp_path, monkeypatch):
    provider = LocalProvider(root=tmp_path / "jobs")
    queued = []
    monkeypatch.setattr(provider, "_enqueue", queued.append)
    spec = RenderSpec(
        take_id="3f0c4a7e-9a55-4d0e-8a7e-0b1e6d0b7a11",
        model="animatic",
        prompt="A storm.",
        seconds=1,
        width=160,
        height=90,
        fps=24,
        params={"camera_move": "push_in"},
    )

    job = provider.submit(spec)
    assert provider.submit(spec) == job  # asked twice, one job
    assert queued == [job]
    assert provider.poll(job).state == "queued"
    provider.render(job)  # what the worker task does
    status = provider.poll(job)
    assert (status.state, status.progress) == ("succeeded", 100)
    provider.fetch(job, tmp_path / "out.mp4")
    assert media.probe_video(tmp_path / "out.mp4").frames == 24


def test_a_render_whose_worker_died_is_started_again(tmp_path, monkeypatch, settings):
    provider = LocalProvider(root=tmp_path)
    queued = []
    monkeypatch.setattr(provider, "_enqueue", queued.append)
    spec = RenderSpec(
        take_id="3f0c4a7e-9a55-4d0e-8a7e-0b1e6d0b7a11",
        model="animatic",
        prompt="x",
        seconds=1,
        width=160,
        height=90,
        fps=24,
    )
    job = provider.submit(spec)
    settings.LOCAL_RENDER_STALE_SECONDS = -1
    provider.poll(job)
    assert queued == [job, job]


def test_cancel_stops_the_render(tmp_path, monkeypatch):
    provider = LocalProvider(root=tmp_path)
    monkeypatch.setattr(provider, "_enqueue", lambda job: None)
    spec = RenderSpec(
        take_id="3f0c4a7e-9a55-4d0e-8a7e-0b1e6d0b7a11",
        model="animatic",
        prompt="x",
        seconds=5,
        width=160,
        height=90,
        fps=24,
    )
    job = provider.submit(spec)
    provider.cancel(job)
    provider.render(job)
    assert provider.poll(job).state == "canceled"
    with pytest.raises(ProviderError):
        provider.fetch(job, tmp_path / "out.mp4")


def test_the_local_provider_is_registered_with_its_capabilities():
    provider = get_provider("local")
    animatic = provider.capabilities.model("animatic")
    assert animatic.max_seconds == 120 and animatic.image_input and animatic.seed
    assert 24 in animatic.fps
    assert "1280x720" in animatic.size_choices("16:9")
