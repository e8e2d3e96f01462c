"""The offline animatic renderer: the default provider, no key, no network.

It behaves like a remote provider so the whole pipeline runs offline end to end:

- submit() writes the job (its spec) to settings.LOCAL_RENDER_DIR/<job id>/ and enqueues the
  render as its own Celery task (shots.tasks.render_local_job); it returns at once. The job id is
  the take id, so asking twice for the same take never renders twice.
- the render writes its progress to status.json as it goes, and its output to out.mp4 (through a
  temporary name, so a half-written file is never seen).
- poll() reads status.json. A render whose progress has not moved for LOCAL_RENDER_STALE_SECONDS
  (its worker died) is enqueued again.
- fetch() copies out.mp4 to the destination in chunks; cancel() leaves a marker the render checks.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from shots import media

from .base import (
    Capabilities,
    JobStatus,
    ModelCapabilities,
    ProviderError,
    RenderSpec,
    VideoProvider,
)

ANIMATIC = ModelCapabilities(
    name="animatic",
    label="Animatic (offline)",
    min_seconds=0.5,
    max_seconds=120,
    max_width=3840,
    max_height=3840,
    fps=(12, 24, 25, 30, 48, 50, 60),
    image_input=True,
    audio=False,
    seed=True,
)


def _write_json(path: Path, data: dict) -> None:
    """Write atomically: readers see the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


class LocalProvider(VideoProvider):
    name = "local"
    label = "Local animatic"
    capabilities = Capabilities(models=(ANIMATIC,))

    def __init__(self, root: Path | None = None):
        self.root = Path(root or settings.LOCAL_RENDER_DIR)

    def job_dir(self, job_id: str) -> Path:
        if not job_id or not all(c in "0123456789abcdef" for c in job_id):
            raise ProviderError(f"Unknown local job {job_id!r}.", permanent=True)
        return self.root / job_id

    def params_for(self, shot) -> dict[str, Any]:
        return {
            "camera_move": shot.camera_move,
            "code": shot.code,
            "slugline": shot.scene.slugline,
            "characters": [c.name for c in shot.characters.all()],
            "burn_in": False,
        }

    # --- The interface ----------------------------------------------------------------------

    def submit(self, spec: RenderSpec) -> str:
        job_id = uuid.UUID(spec.take_id).hex
        folder = self.job_dir(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / "spec.json").exists():
            return job_id  # already asked for: same job, no second render
        _write_json(
            folder / "status.json",
            {"state": "queued", "progress": 0, "error": "", "updated": time.time()},
        )
        _write_json(folder / "spec.json", asdict(spec))
        self._enqueue(job_id)
        return job_id

    def first_poll_after(self, spec: RenderSpec) -> float:
        return 1.0  # short animatics are done in about a second

    def poll(self, job_id: str) -> JobStatus:
        folder = self.job_dir(job_id)
        status = _read_json(folder / "status.json")
        if status is None or not (folder / "spec.json").exists():
            raise ProviderError("The local render job is missing.", permanent=True)
        state = status["state"]
        stale = time.time() - status.get("updated", 0) > settings.LOCAL_RENDER_STALE_SECONDS
        if state in ("queued", "running") and stale and not (folder / "cancel").exists():
            # Nothing moved for too long: the worker rendering it died. Render it again.
            _write_json(folder / "status.json", {**status, "updated": time.time()})
            self._enqueue(job_id)
        # Reading a local file is cheap: look again soon, so the progress bar moves smoothly.
        return JobStatus(
            state=state,
            progress=int(status.get("progress", 0)),
            error=status.get("error", ""),
            retry_after=2.0 if state in ("queued", "running") else None,
        )

    def fetch(self, job_id: str, destination: Path) -> None:
        source = self.job_dir(job_id) / "out.mp4"
        if not source.exists():
            raise ProviderError("The local render has no output yet.")
        with source.open("rb") as src, open(destination, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)

    def cancel(self, job_id: str) -> None:
        folder = self.job_dir(job_id)
        if folder.exists():
            (folder / "cancel").touch()

    def _enqueue(self, job_id: str) -> None:
        from shots.tasks import render_local_job

        render_local_job.delay(job_id)

    # --- The render itself (runs in a worker: shots.tasks.render_local_job) -----------------

    def render(self, job_id: str) -> None:
        folder = self.job_dir(job_id)
        spec_data = _read_json(folder / "spec.json")
        status = _read_json(folder / "status.json") or {}
        if spec_data is None or status.get("state") in ("succeeded", "failed", "canceled"):
            return
        spec = RenderSpec(**spec_data)
        cancel_marker = folder / "cancel"

        def progress(done: int, total: int) -> None:
            _write_json(
                folder / "status.json",
                {
                    "state": "running",
                    "progress": int(99 * done / total),
                    "error": "",
                    "updated": time.time(),
                },
            )

        progress(0, 1)
        tmp = folder / f".out-{uuid.uuid4().hex}.mp4"
        try:
            finished = media.render_still_motion(
                self.still(spec),
                tmp,
                width=spec.width,
                height=spec.height,
                fps=spec.fps,
                seconds=spec.seconds,
                move=spec.params.get("camera_move", "static"),
                seed=spec.seed or 0,
                burn_in=spec.params.get("code", "") if spec.params.get("burn_in") else "",
                on_progress=progress,
                should_stop=cancel_marker.exists,
            )
        except Exception as exc:
            tmp.unlink(missing_ok=True)
            _write_json(
                folder / "status.json",
                {
                    "state": "failed",
                    "progress": 0,
                    "error": f"The renderer failed: {exc}",
                    "updated": time.time(),
                },
            )
            return
        if not finished:
            tmp.unlink(missing_ok=True)
            _write_json(
                folder / "status.json",
                {"state": "canceled", "progress": 0, "error": "", "updated": time.time()},
            )
            return
        os.replace(tmp, folder / "out.mp4")
        _write_json(
            folder / "status.json",
            {"state": "succeeded", "progress": 100, "error": "", "updated": time.time()},
        )

    def still(self, spec: RenderSpec) -> Image.Image:
        """The shot's panel as it was when the take was asked for, or a title card."""
        if spec.reference_image and default_storage.exists(spec.reference_image):
            with default_storage.open(spec.reference_image, "rb") as fh:
                image = Image.open(fh)
                image.draft(
                    "RGB", (spec.width * 2, spec.height * 2)
                )  # JPEG: decode smaller, faster
                return ImageOps.exif_transpose(image).convert("RGB")
        width, height = round(spec.width * media.MARGIN), round(spec.height * media.MARGIN)
        return media.title_card(
            width,
            height,
            code=spec.params.get("code", ""),
            slugline=spec.params.get("slugline", ""),
            prompt=spec.prompt,
            characters=spec.params.get("characters", []),
        )

    def remove_old_jobs(self, older_than_seconds: float) -> int:
        """Housekeeping: delete finished jobs (their takes are stored) after a while."""
        if not self.root.exists():
            return 0
        removed = 0
        cutoff = time.time() - older_than_seconds
        for folder in self.root.iterdir():
            status = _read_json(folder / "status.json")
            if status and status["state"] != "running" and status.get("updated", 0) < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
