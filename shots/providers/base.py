"""The one interface every video provider implements, and the small types it speaks.

A provider is a class with a `name`, `capabilities` and four calls:

    submit(spec) -> job id          ask the provider to create the video; returns at once
    first_poll_after(spec)          optional: when the first poll is worth making
    poll(job id) -> JobStatus       where the job stands (state, progress, error, retry_after)
    fetch(job id, destination)      stream the finished MP4 to a local file
    cancel(job id)                  best effort; never raises for a job that is already gone

Errors are ProviderError(message, permanent=...): transient ones (timeouts, 429, 5xx) are retried
by the pipeline with backoff; permanent ones (content refused, bad request) fail the take at once
with the provider's message. Anything else a provider raises is treated as transient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

JobState = Literal["queued", "running", "succeeded", "failed", "canceled"]


class ProviderError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class JobStatus:
    state: JobState
    progress: int = 0  # 0-100, as far as the provider tells
    error: str = ""  # the provider's words when state == "failed"
    retry_after: float | None = None  # the provider's hint for the next poll, in seconds

    @property
    def done(self) -> bool:
        return self.state in ("succeeded", "failed", "canceled")


@dataclass(frozen=True)
class RenderSpec:
    """Everything a provider needs, taken from the take's snapshot (never from the live shot)."""

    take_id: str
    model: str
    prompt: str
    seconds: float
    width: int
    height: int
    fps: int
    seed: int | None = None
    audio: bool = False
    reference_image: str = ""  # a path in default_storage (the shot's panel), or ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        """Stable per take: providers that accept a key never create the same take twice."""
        return f"take-{self.take_id}"

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def _seconds_label(value: float) -> str:
    return f"{value:g} s"


@dataclass(frozen=True)
class ModelCapabilities:
    """What one model accepts. The UI builds its choices from this; request_take validates with it.

    Durations are either a list (`durations`) or a range (`min_seconds`..`max_seconds`). Sizes are
    either a list (`sizes`, "WIDTHxHEIGHT") or free within `max_width` x `max_height`, even
    numbers, limited to `aspect_ratios` when that is not empty.
    """

    name: str
    label: str
    durations: tuple[float, ...] = ()
    min_seconds: float = 1.0
    max_seconds: float = 10.0
    sizes: tuple[str, ...] = ()
    aspect_ratios: tuple[str, ...] = ()
    max_width: int = 1920
    max_height: int = 1920
    min_side: int = 64
    fps: tuple[int, ...] = (24,)
    image_input: bool = False
    audio: bool = False
    seed: bool = False
    max_count: int = 4

    def duration_choices(self) -> list[float]:
        if self.durations:
            return list(self.durations)
        steps = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 45, 60, 90, 120]
        return [s for s in steps if self.min_seconds <= s <= self.max_seconds]

    def size_choices(self, aspect_ratio: str | None = None) -> list[str]:
        """Sizes to offer; for free-size models a few standard sizes for the aspect ratio."""
        if self.sizes:
            return list(self.sizes)
        standard = {
            "16:9": ["640x360", "1280x720", "1920x1080"],
            "9:16": ["360x640", "720x1280", "1080x1920"],
            "1:1": ["512x512", "720x720", "1080x1080"],
            "4:3": ["640x480", "960x720", "1440x1080"],
            "2.39:1": ["860x360", "1720x720", "1920x804"],
        }
        ratios = [aspect_ratio] if aspect_ratio else list(standard)
        out = []
        for ratio in ratios:
            for size in standard.get(ratio, []):
                w, h = parse_size(size)
                if w <= self.max_width and h <= self.max_height:
                    out.append(size)
        return out

    def errors(
        self,
        *,
        seconds: float,
        width: int,
        height: int,
        fps: int,
        audio: bool,
        seed: int | None,
        count: int,
    ) -> list[str]:
        """Human-readable reasons the request does not fit, naming what is allowed."""
        problems = []
        if self.durations:
            if not any(abs(seconds - d) < 1e-6 for d in self.durations):
                allowed = ", ".join(_seconds_label(d) for d in self.durations)
                problems.append(f"{self.label} makes takes of {allowed}, not {seconds:g} s.")
        elif not (self.min_seconds <= seconds <= self.max_seconds):
            problems.append(
                f"{self.label} makes takes from {self.min_seconds:g} s to {self.max_seconds:g} s, "
                f"not {seconds:g} s."
            )
        size = f"{width}x{height}"
        if self.sizes:
            if size not in self.sizes:
                problems.append(f"{self.label} renders {', '.join(self.sizes)}, not {size}.")
        else:
            if width % 2 or height % 2:
                problems.append(f"Width and height must be even numbers, not {size}.")
            if width > self.max_width or height > self.max_height:
                problems.append(
                    f"{self.label} renders at most {self.max_width}x{self.max_height}, not {size}."
                )
            if min(width, height) < self.min_side:
                problems.append(f"Each side must be at least {self.min_side} pixels, not {size}.")
            if self.aspect_ratios and not _matches_any_ratio(width, height, self.aspect_ratios):
                problems.append(
                    f"{self.label} renders aspect ratios {', '.join(self.aspect_ratios)} only."
                )
        if fps not in self.fps:
            problems.append(
                f"{self.label} renders at {', '.join(map(str, self.fps))} fps, not {fps}."
            )
        if audio and not self.audio:
            problems.append(f"{self.label} does not make audio.")
        if seed is not None and not self.seed:
            problems.append(f"{self.label} does not take a seed.")
        if not 1 <= count <= self.max_count:
            problems.append(f"Ask for 1 to {self.max_count} takes at once, not {count}.")
        return problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "durations": self.duration_choices(),
            "min_seconds": self.min_seconds,
            "max_seconds": self.max_seconds,
            "sizes": list(self.sizes),
            "aspect_ratios": list(self.aspect_ratios),
            "max_width": self.max_width,
            "max_height": self.max_height,
            "fps": list(self.fps),
            "image_input": self.image_input,
            "audio": self.audio,
            "seed": self.seed,
            "max_count": self.max_count,
        }


def _matches_any_ratio(width: int, height: int, ratios: tuple[str, ...]) -> bool:
    actual = width / height
    for ratio in ratios:
        a, b = ratio.split(":")
        if abs(actual - float(a) / float(b)) / actual < 0.02:
            return True
    return False


def parse_size(size: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720); ValueError for anything else."""
    try:
        w, h = size.lower().split("x")
        width, height = int(w), int(h)
    except (AttributeError, ValueError):
        raise ValueError(f'A size is written WIDTHxHEIGHT, e.g. "1280x720", not {size!r}.')
    if width <= 0 or height <= 0:
        raise ValueError(f"A size must be positive, not {size!r}.")
    return width, height


@dataclass(frozen=True)
class Capabilities:
    models: tuple[ModelCapabilities, ...]

    def model(self, name: str) -> ModelCapabilities | None:
        return next((m for m in self.models if m.name == name), None)

    @property
    def default_model(self) -> ModelCapabilities:
        return self.models[0]


class VideoProvider:
    """Base class: a provider overrides the four calls (and anything else that differs)."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    capabilities: ClassVar[Capabilities]

    def params_for(self, shot) -> dict[str, Any]:
        """Extra provider parameters snapshotted on the take when it is asked for."""
        return {}

    def submit(self, spec: RenderSpec) -> str:
        raise NotImplementedError

    def first_poll_after(self, spec: RenderSpec) -> float | None:
        """Seconds after submit worth waiting before the first poll (the provider's estimate of
        its render time, when it has one). None: the pipeline's default (2 s)."""
        return None

    def poll(self, job_id: str) -> JobStatus:
        raise NotImplementedError

    def fetch(self, job_id: str, destination: Path) -> None:
        raise NotImplementedError

    def cancel(self, job_id: str) -> None:
        return None
