"""Test providers behind the real interface. Their state lives in files under FAKE_PROVIDER_DIR
(a setting, or the environment for worker subprocesses), so every worker process sees the same
jobs and the tests can count how often the provider was asked to create a take.

    slow      each job takes FAKE_LATENCY seconds of "provider time" (default 3) and says so at
              submit (first_poll_after; FAKE_FIRST_POLL overrides it); optional
              FAKE_POLL_DELAY / FAKE_FETCH_DELAY make the calls themselves slow (to kill a worker
              in the middle of one)
    corrupt   finishes at once and sends garbage ("garbage"), a cut-off MP4 ("truncated"), an
              empty file ("empty") or a video of the wrong length ("short")
    failing   refuses ("refused": permanent error) or errors FAKE_TRANSIENT_ERRORS times first
              ("flaky": transient errors, then fine)
    crashing  records the create, then kills its own worker process the first time (the one
              window where a second create can happen)
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from pathlib import Path

from django.conf import settings
from PIL import Image

from shots import media
from shots.providers.base import (
    Capabilities,
    JobStatus,
    ModelCapabilities,
    ProviderError,
    RenderSpec,
    VideoProvider,
)

FAKES = {
    "slow": "tests.fakes.providers.SlowProvider",
    "corrupt": "tests.fakes.providers.CorruptProvider",
    "failing": "tests.fakes.providers.FailingProvider",
    "crashing": "tests.fakes.providers.CrashingProvider",
}


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, None) or os.environ.get(name, default))


def state_dir() -> Path:
    path = Path(_setting("FAKE_PROVIDER_DIR"))
    (path / "jobs").mkdir(parents=True, exist_ok=True)
    return path


def creates() -> list[str]:
    """The take ids the provider was asked to create, once per create."""
    log = state_dir() / "creates.log"
    return log.read_text().split() if log.exists() else []


def _model(name: str, **extra) -> ModelCapabilities:
    return ModelCapabilities(
        name=name,
        label=name.title(),
        min_seconds=0.5,
        max_seconds=10,
        max_width=640,
        max_height=640,
        fps=(24,),
        seed=True,
        **extra,
    )


def sample_video(seconds: float, width: int, height: int) -> Path:
    """A small real MP4, rendered once per size and shared by every job."""
    path = state_dir() / f"sample-{seconds:g}-{width}x{height}.mp4"
    if not path.exists():
        tmp = path.with_name(f".{uuid.uuid4().hex}.mp4")
        media.render_still_motion(
            Image.new("RGB", (width, height), (40, 90, 160)),
            tmp,
            width=width,
            height=height,
            fps=24,
            seconds=seconds,
        )
        os.replace(tmp, path)
    return path


class SlowProvider(VideoProvider):
    name = "slow"
    label = "Slow fake"
    capabilities = Capabilities(models=(_model("slow-1"),))

    def submit(self, spec: RenderSpec) -> str:
        job_id = uuid.uuid4().hex
        folder = state_dir()
        job = {
            "created": time.time(),
            "take": spec.take_id,
            "seconds": spec.seconds,
            "width": spec.width,
            "height": spec.height,
            "model": spec.model,
        }
        (folder / "jobs" / f"{job_id}.json").write_text(json.dumps(job))
        with open(folder / "creates.log", "a") as log:
            log.write(spec.take_id + "\n")
        return job_id

    def first_poll_after(self, spec: RenderSpec) -> float:
        """Like a provider that answers a create with an estimate of its render time
        (FAKE_FIRST_POLL overrides it, to catch jobs still running)."""
        return float(_setting("FAKE_FIRST_POLL") or _setting("FAKE_LATENCY", "3"))

    def _job(self, job_id: str) -> dict:
        try:
            return json.loads((state_dir() / "jobs" / f"{job_id}.json").read_text())
        except FileNotFoundError:
            raise ProviderError(f"No such job {job_id}.", permanent=True)

    def poll(self, job_id: str) -> JobStatus:
        time.sleep(float(_setting("FAKE_POLL_DELAY", "0")))
        job = self._job(job_id)
        if (state_dir() / "jobs" / f"{job_id}.canceled").exists():
            return JobStatus("canceled")
        latency = float(_setting("FAKE_LATENCY", "3"))
        elapsed = time.time() - job["created"]
        if elapsed >= latency:
            return JobStatus("succeeded", 100)
        return JobStatus(
            "running", int(100 * elapsed / latency), retry_after=max(0.2, latency - elapsed)
        )

    def fetch(self, job_id: str, destination: Path) -> None:
        job = self._job(job_id)
        delay = float(_setting("FAKE_FETCH_DELAY", "0"))
        source = sample_video(job["seconds"], job["width"], job["height"])
        data = source.read_bytes()
        with open(destination, "wb") as dst:
            dst.write(data[: len(data) // 2])  # half of it, then the network is slow
            dst.flush()
            time.sleep(delay)
            dst.write(data[len(data) // 2 :])

    def cancel(self, job_id: str) -> None:
        (state_dir() / "jobs" / f"{job_id}.canceled").touch()


class CorruptProvider(SlowProvider):
    name = "corrupt"
    label = "Corrupt fake"
    capabilities = Capabilities(
        models=tuple(_model(m) for m in ("garbage", "truncated", "empty", "short"))
    )

    def poll(self, job_id: str) -> JobStatus:
        return JobStatus("succeeded", 100)

    def fetch(self, job_id: str, destination: Path) -> None:
        job = self._job(job_id)
        good = sample_video(job["seconds"], job["width"], job["height"]).read_bytes()
        if job["model"] == "garbage":
            destination.write_bytes(b"<html>502 Bad Gateway</html>" * 100)
        elif job["model"] == "truncated":
            destination.write_bytes(good[: len(good) * 2 // 3])
        elif job["model"] == "short":
            destination.write_bytes(sample_video(0.5, job["width"], job["height"]).read_bytes())
        else:
            destination.write_bytes(b"")


class FailingProvider(SlowProvider):
    name = "failing"
    label = "Failing fake"
    capabilities = Capabilities(models=(_model("refused"), _model("flaky")))

    def submit(self, spec: RenderSpec) -> str:
        if spec.model == "refused":
            raise ProviderError(
                "Your prompt was flagged by the provider's safety system.", permanent=True
            )
        counter = state_dir() / f"errors-{spec.take_id}"
        errors = int(counter.read_text()) if counter.exists() else 0
        if errors < int(_setting("FAKE_TRANSIENT_ERRORS", "2")):
            counter.write_text(str(errors + 1))
            raise ProviderError("503 Service Unavailable", retry_after=0.2)
        return super().submit(spec)

    def poll(self, job_id: str) -> JobStatus:
        return JobStatus("succeeded", 100)


class CrashingProvider(SlowProvider):
    name = "crashing"
    label = "Crashing fake"
    capabilities = Capabilities(models=(_model("crash-after-create"),))

    def submit(self, spec: RenderSpec) -> str:
        job_id = super().submit(spec)
        if creates().count(spec.take_id) == 1:
            os.kill(os.getpid(), signal.SIGKILL)  # the provider has the job; we never saved its id
        return job_id

    def poll(self, job_id: str) -> JobStatus:
        return JobStatus("succeeded", 100)
