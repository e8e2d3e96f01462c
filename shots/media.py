"""PyAV and Pillow helpers: paths and images in, values and files out. No ORM here.

    render_still_motion(still, out_path, ...)   a camera move over one still, as H.264 MP4
    title_card(width, height, ...)              a card for shots without a panel
    probe_video(path) -> VideoInfo              is it a whole, decodable video? (MediaError if not)
    extract_stills(video, poster, thumbnail)    a poster JPEG and a small thumbnail

Codec quirks worth knowing:
- yuv420p halves the chroma in both directions, so width and height must be even (the providers'
  capabilities refuse odd sizes before anything renders).
- Pillow gives sRGB pixels; swscale converts them with the BT.709 matrix in limited range, and the
  stream is tagged BT.709 so browsers show the same colours the panel had.
- `+faststart` moves the moov atom to the front: the browser can start playing (and seeking with
  Range requests) before the whole file is in.
"""

from __future__ import annotations

import math
import random
import textwrap
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# The working canvas is this much larger than the output, so moves have room to travel and a
# push-in to 1/MARGIN of the frame still has one canvas pixel per output pixel.
MARGIN = 1.5


class MediaError(ValueError):
    """The file is not a usable video; the message says why, for the take's error text."""


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


# --- Camera moves ----------------------------------------------------------------------------


def ease(t: float) -> float:
    """Ease in and out (smootherstep): starts and stops without a jump in speed."""
    t = min(max(t, 0.0), 1.0)
    return t * t * t * (t * (t * 6 - 15) + 10)


@dataclass(frozen=True)
class View:
    zoom: float  # 1 = the whole canvas, 1.5 = two thirds of it
    x: float  # -1..1: where the view stands in the room left by the zoom (0 = centred)
    y: float
    blur: float = 0.0
    inset_zoom: float | None = None  # dolly zoom: the centre keeps this zoom


def _lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


# move -> (zoom from, zoom to, x from, x to, y from, y to)
LINEAR_MOVES: dict[str, tuple[float, float, float, float, float, float]] = {
    "static": (1.0, 1.0, 0, 0, 0, 0),
    "push_in": (1.0, 1.35, 0, 0, 0, 0),
    "pull_out": (1.35, 1.0, 0, 0, 0, 0),
    "zoom_in": (1.0, 1.5, 0, 0, 0, 0),
    "zoom_out": (1.5, 1.0, 0, 0, 0, 0),
    "pan_left": (1.3, 1.3, 1, -1, 0, 0),
    "pan_right": (1.3, 1.3, -1, 1, 0, 0),
    "tilt_up": (1.3, 1.3, 0, 0, 1, -1),
    "tilt_down": (1.3, 1.3, 0, 0, -1, 1),
    "truck_left": (1.25, 1.2, 1, -1, 0.2, 0.2),
    "truck_right": (1.25, 1.2, -1, 1, 0.2, 0.2),
    "tracking": (1.2, 1.2, -0.8, 0.8, 0, 0),
    "crane_up": (1.2, 1.3, 0, 0, 1, -1),
    "crane_down": (1.3, 1.2, 0, 0, -1, 1),
    "drone": (1.0, 1.35, 0, 0, 0.6, -0.6),
}
MOVES = (*LINEAR_MOVES, "handheld", "dolly_zoom", "rack_focus")


class Shake:
    """Smooth, seeded handheld drift: a few slow sines with random frequencies and phases."""

    def __init__(self, seed: int):
        rng = random.Random(seed)
        self.waves = [
            [(rng.uniform(0.15, 1.1), rng.uniform(0, 2 * math.pi)) for _ in range(3)]
            for _ in range(2)
        ]

    def at(self, seconds: float) -> tuple[float, float]:
        out = []
        for waves in self.waves:
            value = sum(
                math.sin(2 * math.pi * f * seconds + p) / (i + 1) for i, (f, p) in enumerate(waves)
            )
            out.append(0.8 * value / 1.84)  # 1 + 1/2 + 1/3 ~ 1.84: stays inside the slack
        return out[0], out[1]


def view_at(move: str, t: float, seconds: float, shake: Shake | None = None) -> View:
    """Where the camera looks at time t (0..1 of the shot) for a move."""
    e = ease(t)
    if move in LINEAR_MOVES:
        z0, z1, x0, x1, y0, y1 = LINEAR_MOVES[move]
        view = View(_lerp(z0, z1, e), _lerp(x0, x1, e), _lerp(y0, y1, e))
        if move == "tracking" and shake is not None:
            dx, dy = shake.at(t * seconds)
            view = View(view.zoom, view.x + 0.15 * dx, view.y + 0.3 * dy)
        return view
    if move == "handheld":
        dx, dy = (shake or Shake(0)).at(t * seconds)
        return View(1.12, dx, dy)
    if move == "dolly_zoom":
        # Vertigo, approximated on a still: the background widens while the centre holds its size.
        return View(_lerp(1.45, 1.0, e), 0, 0, inset_zoom=1.45)
    if move == "rack_focus":
        return View(1.05, 0, 0, blur=3.0 * (1 - e))
    return View(1.0, 0, 0)


def _box(
    view_zoom: float, x: float, y: float, cw: int, ch: int
) -> tuple[float, float, float, float]:
    vw, vh = cw / view_zoom, ch / view_zoom
    cx = cw / 2 + x * (cw - vw) / 2
    cy = ch / 2 + y * (ch - vh) / 2
    return (cx - vw / 2, cy - vh / 2, cx + vw / 2, cy + vh / 2)


def cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale and centre-crop the image to exactly width x height (no bars, any aspect ratio).

    `reducing_gap` lets Pillow shrink a big still (a 4K panel) by whole factors first, which is
    several times faster than one Lanczos pass and looks the same.
    """
    scale = max(width / image.width, height / image.height)
    crop_w, crop_h = width / scale, height / scale
    left, top = (image.width - crop_w) / 2, (image.height - crop_h) / 2
    return image.resize(
        (width, height),
        Image.Resampling.LANCZOS,
        box=(left, top, left + crop_w, top + crop_h),
        reducing_gap=3.0,
    )


def timecode(frame: int, fps: int) -> str:
    seconds, ff = divmod(frame, fps)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{ff:02d}"


class Renderer:
    """Frames of a camera move over one still, at the output size, as yuv420p planes.

    The still is scaled once to a canvas MARGIN times the output and converted once to BT.709
    limited-range YUV 4:2:0; each frame is then a crop-and-scale of the three canvas planes
    (Pillow's resize with a float box, so moves are sub-pixel smooth). Working in YUV skips a
    colour conversion per frame and moves half the bytes of RGB.
    """

    def __init__(
        self,
        still: Image.Image,
        *,
        width: int,
        height: int,
        fps: int,
        seconds: float,
        move: str,
        seed: int = 0,
        burn_in: str = "",
    ):
        self.width, self.height, self.fps = width, height, fps
        self.frames = max(1, round(seconds * fps))
        self.seconds = seconds
        self.move = move if move in MOVES else "static"
        self.shake = Shake(seed)
        cw, ch = (round(width * MARGIN) // 2) * 2, (round(height * MARGIN) // 2) * 2
        canvas = av.VideoFrame.from_image(cover(still.convert("RGB"), cw, ch)).reformat(
            format="yuv420p",
            dst_colorspace=av.video.reformatter.Colorspace.ITU709,
            dst_color_range=av.video.reformatter.ColorRange.MPEG,
        )
        self.planes = [
            Image.frombuffer(
                "L", (plane.width, plane.height), bytes(plane), "raw", "L", plane.line_size, 1
            )
            for plane in canvas.planes
        ]
        self.burn_in = burn_in
        self.font = font(max(10, height // 24), bold=True) if burn_in else None

    def frame_planes(self, index: int) -> list[Image.Image]:
        """The Y, U and V planes of frame `index` (U and V at half size)."""
        t = index / (self.frames - 1) if self.frames > 1 else 0.0
        view = view_at(self.move, t, self.seconds, self.shake)
        out = []
        for number, canvas in enumerate(self.planes):
            scale = 1 if number == 0 else 2
            w, h = self.width // scale, self.height // scale
            cw, ch = canvas.size
            image = canvas.resize(
                (w, h), Image.Resampling.BILINEAR, box=_box(view.zoom, view.x, view.y, cw, ch)
            )
            if view.inset_zoom is not None:
                # The centre as seen at the inset zoom, pasted over the widening background.
                iw, ih = round(w * 0.4), round(h * 0.5)
                fx0 = cw / 2 - (cw / view.inset_zoom) * 0.2
                fy0 = ch / 2 - (ch / view.inset_zoom) * 0.25
                inset = canvas.resize(
                    (iw, ih), Image.Resampling.BILINEAR, box=(fx0, fy0, cw - fx0, ch - fy0)
                )
                image.paste(inset, ((w - iw) // 2, (h - ih) // 2))
            if view.blur > 0.05:
                image = image.filter(ImageFilter.GaussianBlur(view.blur * h / 360))
            out.append(image)
        if self.burn_in:
            self._burn(out, index)
        return out

    def frame(self, index: int) -> av.VideoFrame:
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        for plane, image in zip(frame.planes, self.frame_planes(index), strict=True):
            if plane.line_size != image.width:  # rows padded for alignment
                padded = Image.new("L", (plane.line_size, image.height))
                padded.paste(image)
                image = padded
            plane.update(image.tobytes())
        frame.pts = index
        return frame

    def _burn(self, planes: list[Image.Image], index: int) -> None:
        """Shot code and timecode, white on a black box, bottom left."""
        text = f"{self.burn_in}  {timecode(index, self.fps)}"
        luma = ImageDraw.Draw(planes[0])
        pad = max(2, self.height // 60)
        left, top, right, bottom = luma.textbbox((0, 0), text, font=self.font)
        y = self.height - (bottom - top) - 3 * pad
        box = (pad, y - pad, pad + right - left + 2 * pad, y + bottom - top + pad)
        luma.rectangle(box, fill=16)  # limited range: 16 is black, 235 white
        luma.text((2 * pad - left, y - top), text, font=self.font, fill=235)
        for chroma in planes[1:]:
            ImageDraw.Draw(chroma).rectangle(tuple(v // 2 for v in box), fill=128)  # no colour


def render_still_motion(
    still: Image.Image,
    out_path: Path,
    *,
    width: int,
    height: int,
    fps: int,
    seconds: float,
    move: str = "static",
    seed: int = 0,
    burn_in: str = "",
    preset: str = "veryfast",
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> bool:
    """Encode the move to an H.264 MP4 at out_path. Returns False when should_stop() said stop.

    Deterministic: the same still, size, move and seed give the same frames. Frames are made a
    few ahead on two threads (Pillow lets go of the GIL while it scales) while x264 encodes.
    """
    renderer = Renderer(
        still,
        width=width,
        height=height,
        fps=fps,
        seconds=seconds,
        move=move,
        seed=seed,
        burn_in=burn_in,
    )
    report_every = max(1, fps // 2)
    ahead: deque[Future] = deque()
    with (
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="frames") as pool,
        av.open(
            str(out_path), "w", format="mp4", container_options={"movflags": "+faststart"}
        ) as out,
    ):
        stream = out.add_stream("libx264", rate=Fraction(fps, 1))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = {"preset": preset, "crf": "23"}
        stream.codec_context.colorspace = av.video.reformatter.Colorspace.ITU709
        stream.codec_context.color_range = av.video.reformatter.ColorRange.MPEG
        following = iter(range(renderer.frames))
        for index in range(renderer.frames):
            while len(ahead) < 6 and (nxt := next(following, None)) is not None:
                ahead.append(pool.submit(renderer.frame, nxt))
            if should_stop is not None and index % report_every == 0 and should_stop():
                for future in ahead:
                    future.cancel()
                return False
            out.mux(stream.encode(ahead.popleft().result()))
            if on_progress is not None and (index + 1) % report_every == 0:
                on_progress(index + 1, renderer.frames)
        out.mux(stream.encode(None))
    if on_progress is not None:
        on_progress(renderer.frames, renderer.frames)
    return True


# --- Title cards -----------------------------------------------------------------------------


def title_card(
    width: int,
    height: int,
    *,
    code: str,
    slugline: str,
    prompt: str,
    characters: list[str] | tuple[str, ...] = (),
) -> Image.Image:
    """A dark card: shot code, slugline, the compiled prompt wrapped, the characters' names."""
    image = Image.new("RGB", (width, height), (24, 26, 32))
    draw = ImageDraw.Draw(image)
    unit = max(8, min(width, height) // 20)
    margin = unit * 2
    y = margin
    big = font(unit * 2, bold=True)
    draw.text((margin, y), code or "?", font=big, fill=(250, 204, 92))
    y += unit * 3
    if slugline:
        draw.text((margin, y), slugline.upper(), font=font(unit, bold=True), fill=(230, 230, 230))
        y += int(unit * 1.8)
    body = font(max(8, int(unit * 0.8)))
    char_width = max(1.0, body.getlength("abcdefghijklmnopqrstuvwxyz") / 26)
    columns = max(10, int((width - 2 * margin) / char_width))
    line_height = int(unit * 1.1)
    bottom = height - margin - (line_height * 2 if characters else 0)
    for line in textwrap.wrap(prompt, columns):
        if y + line_height > bottom:
            break
        draw.text((margin, y), line, font=body, fill=(190, 194, 204))
        y += line_height
    if characters:
        names = "With " + ", ".join(characters)
        draw.text((margin, height - margin - line_height), names, font=body, fill=(140, 200, 160))
    return image


# --- Checking and stills ---------------------------------------------------------------------


@dataclass(frozen=True)
class VideoInfo:
    duration: float
    width: int
    height: int
    fps: float
    codec: str
    frames: int
    has_audio: bool


def probe_video(path: Path) -> VideoInfo:
    """Read the whole file's packets (cheap: no decoding) and decode its first frame.

    An empty file, a file that is not a video, one without a video stream or one cut short (fewer
    packets than its index promises) raises MediaError with a sentence for the user.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise MediaError("The provider sent an empty file.")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise MediaError(f"The provider sent a file that is not a readable video ({exc}).")
    with container:
        if not container.streams.video:
            raise MediaError("The provider sent a file without a video stream.")
        stream = container.streams.video[0]
        promised = stream.frames
        packets, end = 0, 0.0
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                packets += 1
                if packet.pts is not None and packet.time_base is not None:
                    end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
        except av.error.FFmpegError as exc:
            raise MediaError(f"The provider sent a damaged video ({exc}).")
        if promised and packets < promised:
            raise MediaError(
                f"The provider sent a truncated video ({packets} of {promised} frames)."
            )
        if not _first_frame_decodes(path):
            raise MediaError("The provider sent a video whose frames cannot be decoded.")
        fps = float(stream.average_rate or stream.guessed_rate or 0)
        duration = end or float(container.duration or 0) / av.time_base
        return VideoInfo(
            duration=round(duration, 3),
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=round(fps, 3),
            codec=stream.codec_context.name,
            frames=packets,
            has_audio=bool(container.streams.audio),
        )


def _first_frame_decodes(path: Path) -> bool:
    try:
        with av.open(str(path)) as container:
            return next(container.decode(video=0), None) is not None
    except av.error.FFmpegError:
        return False


def extract_stills(
    video: Path,
    poster: Path,
    thumbnail: Path,
    *,
    at: float = 1.0,
    poster_width: int = 1280,
    thumb_width: int = 320,
) -> None:
    """Save the frame at `at` seconds (or the last one before it) as a poster and a thumbnail."""
    chosen = None
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is not None and frame.time >= at:
                break
    if chosen is None:
        raise MediaError("The video has no frame to make a poster from.")
    image = chosen.to_image()
    if image.width > poster_width:
        image = image.resize(
            (poster_width, round(image.height * poster_width / image.width)),
            Image.Resampling.LANCZOS,
        )
    image.save(poster, "JPEG", quality=85)
    small = image.copy()
    small.thumbnail((thumb_width, thumb_width * 4), Image.Resampling.LANCZOS)
    small.save(thumbnail, "JPEG", quality=80)
