"""Renderer benchmark: a 10 s 1280x720 24 fps push-in over a 4K still, ours vs ffmpeg's zoompan.

    .venv/bin/python bench/render.py [--preset veryfast] [--runs 3]

Both sides start from the same 3840x2160 JPEG on disk and write an H.264 (libx264, same preset,
crf 23, yuv420p, +faststart) MP4 of 240 frames. Ours is shots.media.render_still_motion (what the
local provider runs); theirs is the `ffmpeg` binary imageio-ffmpeg ships, with `zoompan`. Prints the
best of N wall times of each and the ratio (target: ours / ffmpeg <= 1.5).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import imageio_ffmpeg  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from shots import media  # noqa: E402

WIDTH, HEIGHT, FPS, SECONDS = 1280, 720, 24, 10


def make_still(path: Path) -> None:
    """A busy 4K picture (gradients, shapes, text, grain), so neither encoder gets it for free."""
    image = Image.linear_gradient("L").resize((3840, 2160)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(60):
        x, y = (i * 397) % 3840, (i * 211) % 2160
        draw.ellipse((x, y, x + 300, y + 200), outline=(255, (i * 37) % 255, 80), width=12)
        draw.rectangle((y, x % 2160, y + 120, x % 2160 + 90), fill=((i * 53) % 255, 90, 200))
    draw.text((200, 200), "EXT. LIGHTHOUSE - NIGHT", fill="white", font=media.font(160, bold=True))
    noise = Image.effect_noise((3840, 2160), 40).convert("RGB")
    Image.blend(image, noise, 0.15).filter(ImageFilter.SMOOTH).save(path, "JPEG", quality=90)


def ours(still: Path, out: Path, preset: str) -> None:
    with Image.open(still) as image:
        image.draft("RGB", (WIDTH * 2, HEIGHT * 2))  # as the local provider opens panels
        picture = image.convert("RGB")
    media.render_still_motion(
        picture,
        out,
        width=WIDTH,
        height=HEIGHT,
        fps=FPS,
        seconds=SECONDS,
        move="push_in",
        preset=preset,
    )


def ffmpeg(still: Path, out: Path, preset: str) -> None:
    frames = FPS * SECONDS
    step = 0.35 / frames
    zoompan = (
        f"zoompan=z='min(zoom+{step:.6f},1.35)':d={frames}:"
        f"x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':s={WIDTH}x{HEIGHT}:fps={FPS}"
    )
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-i",
            str(still),
            "-vf",
            zoompan,
            "-frames:v",
            str(frames),
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(out),
        ],
        check=True,
    )


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    with tempfile.TemporaryDirectory() as tmp:
        still, a, b = Path(tmp) / "still.jpg", Path(tmp) / "ours.mp4", Path(tmp) / "ffmpeg.mp4"
        make_still(still)
        t_ours = best_of(args.runs, lambda: ours(still, a, args.preset))
        t_ffmpeg = best_of(args.runs, lambda: ffmpeg(still, b, args.preset))
        info_a, info_b = media.probe_video(a), media.probe_video(b)
        print(f"cpus: {os.cpu_count()}  preset: {args.preset}  best of {args.runs}")
        print(
            f"ours   (PyAV + Pillow): {t_ours:6.2f} s  {info_a.frames} frames "
            f"{info_a.width}x{info_a.height}  {a.stat().st_size / 1e6:.1f} MB"
        )
        print(
            f"ffmpeg (zoompan)      : {t_ffmpeg:6.2f} s  {info_b.frames} frames "
            f"{info_b.width}x{info_b.height}  {b.stat().st_size / 1e6:.1f} MB"
        )
        ratio = t_ours / t_ffmpeg
        print(
            f"ratio ours/ffmpeg     : {ratio:6.2f}  "
            f"(target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})"
        )
        assert math.isfinite(ratio)


if __name__ == "__main__":
    main()
