"""Takes: the one door to ask for them, and the pipeline that carries them to a stored MP4.

For views, commands and the API:

    request_take(shot, user, *, provider, model, seconds, size, seed=None, count=1, parent=None)
        -> list[Take]     validates against the provider's capabilities and the user's credits
                          (ValidationError naming what is allowed; nothing queued), creates the
                          takes in one transaction (billing holds their credits) and queues them.
    retry_take(take, user) -> Take     a new take with the same request, child of `take`
    cancel_take(take, user) -> Take    stops an active take (credits released)

What the UI reads on a Take (shots/models.py):

    take.status / get_status_display()   queued, submitted, running, downloading, succeeded,
                                         failed, canceled
    take.progress (0-100), take.error, take.status_text ("Running 40%", "Failed: <why>")
    take.is_active, take.is_terminal, take.is_succeeded
    take.can_cancel, take.can_retry, take.can_circle
    take.video.url, take.poster.url, take.thumbnail.url   (served by studio/serving.py)
    take.duration, take.result_width, take.result_height, take.result_fps, take.codec, take.bytes
    take.size ("1280x720"), take.request_snapshot()

The pipeline (driven by the thin tasks in shots/tasks.py; every step takes an id, can run twice):

    submit_step    QUEUED -> SUBMITTED        ask the provider to create the video
    poll_step      SUBMITTED/RUNNING -> ...   ask how it goes; re-enqueued with a countdown
                                              (2 s growing to 30 s, or the provider's hint);
                                              when the job is done, goes on to download_step
    download_step  DOWNLOADING -> SUCCEEDED   stream the MP4 to a temp file, probe it, make a
                                              poster and a thumbnail, store all three
    sweep_takes    every minute (beat)        fail takes past their deadline; re-drive takes
                                              nobody has looked at for too long

Each step first claims the take with a conditional update (a lease on its current status), so a
re-delivered message, the sweeper and a live worker never run the same step at once, and a
worker killed at any point only leaves a lease that runs out. The one thing that can happen twice
is the provider's create: the attempt is saved before calling out, and if the worker dies between
the provider's answer and saving its job id, the sweeper submits again. Providers that accept an
idempotency key (the local one: its job id is the take id) never create twice; for the others the
bound is settings.TAKE_MAX_SUBMITS creates per take, after which the take fails. A worker killed
between storing a take's files and saving the take leaves those files unreferenced (the re-run
stores fresh ones under new names): wasted space, never a wrong take.
"""

from __future__ import annotations

import logging
import random
import tempfile
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing import ledger
from shots import media
from shots.models import ACTIVE_STATUSES, Shot, Take, TakeStatus
from shots.providers import ProviderError, RenderSpec, get_provider, refusal
from shots.providers.base import parse_size

log = logging.getLogger(__name__)

POLL_FIRST = 2.0
POLL_MAX = 30.0


def backoff(attempt: int) -> float:
    """Seconds before the next look: 2, 3, 4.5, 6.75 … up to 30."""
    return min(POLL_MAX, POLL_FIRST * 1.5 ** max(0, attempt))


# --- The one door ------------------------------------------------------------------------------


def request_take(
    shot: Shot,
    user,
    *,
    provider: str,
    model: str,
    seconds,
    size: str,
    seed: int | None = None,
    count: int = 1,
    parent: Take | None = None,
    params: dict | None = None,
    _same_as: Take | None = None,
) -> list[Take]:
    """Validate, snapshot, create and queue `count` takes of the shot. See the module docstring.

    `params` adds provider parameters over the provider's defaults for the shot (e.g. the local
    provider's {"burn_in": True}). The project's fps is used when the model offers it, else the
    model's first fps.
    """
    reason = refusal(provider, model)
    if reason:
        raise ValidationError(reason)
    video_provider = get_provider(provider)
    caps = video_provider.capabilities.model(model)
    assert caps is not None  # refusal() checked it
    try:
        width, height = parse_size(size)
        seconds = Decimal(str(seconds)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (ValueError, ArithmeticError) as exc:
        raise ValidationError(
            str(exc) if isinstance(exc, ValueError) else "Seconds must be a number."
        )
    project = shot.project
    fps = project.fps if project.fps in caps.fps else caps.fps[0]
    count = int(count)
    problems = caps.errors(
        seconds=float(seconds),
        width=width,
        height=height,
        fps=fps,
        audio=False,
        seed=seed,
        count=count,
    )
    if problems:
        raise ValidationError(problems)
    ledger.check_take_request(
        user,
        project=project,
        provider=provider,
        model=model,
        seconds=float(seconds),
        width=width,
        height=height,
        fps=fps,
        audio=False,
        count=count,
    )

    if _same_as is not None:
        prompt, reference, extra = _same_as.prompt, _same_as.reference_image, dict(_same_as.params)
        aspect_ratio = _same_as.aspect_ratio
    else:
        prompt = shot.compiled_prompt()
        reference = shot.panel.name if (shot.panel and caps.image_input) else ""
        extra = {**video_provider.params_for(shot), **(params or {})}
        aspect_ratio = shot.effective_aspect_ratio
    now = timezone.now()
    deadline = now + timedelta(seconds=settings.TAKE_DEADLINE_SECONDS)
    takes = []
    with transaction.atomic():
        # Lock the shot: concurrent requests for the same shot number their takes one after another.
        Shot.objects.select_for_update().filter(id=shot.id).first()
        top = Take.objects.filter(shot=shot).aggregate(top=Max("number"))["top"] or 0
        for index in range(count):
            take_seed = seed + index if seed is not None else None
            if take_seed is None and caps.seed:
                take_seed = random.randrange(2**31)  # recorded, so the take can be reproduced
            take = Take.objects.create(
                shot=shot,
                number=top + index + 1,
                parent=parent,
                requested_by=user,
                provider=provider,
                model=model,
                prompt=prompt,
                seconds=seconds,
                width=width,
                height=height,
                aspect_ratio=aspect_ratio,
                fps=fps,
                seed=take_seed,
                audio=False,
                reference_image=reference,
                params=extra,
                next_check_at=now,
                deadline_at=deadline,
            )
            ledger.hold_for_take(take)
            takes.append(take)
        for take in takes:
            _enqueue_on_commit("submit_take", take.id)
    return takes


def retry_take(take: Take, user) -> Take:
    """A new take with the same request (prompt and panel as they were), linked as a child."""
    if not take.can_retry:
        raise ValidationError("Only a failed or canceled take can be retried.")
    [child] = request_take(
        take.shot,
        user,
        provider=take.provider,
        model=take.model,
        seconds=take.seconds,
        size=take.size,
        seed=take.seed,
        count=1,
        parent=take,
        _same_as=take,
    )
    return child


def cancel_take(take: Take, user) -> Take:
    """Stop an active take: it is canceled at once (credits released), the provider told after."""
    if not take.can_cancel:
        raise ValidationError("This take has already finished.")
    name = getattr(user, "get_username", lambda: "")() or "someone"
    with transaction.atomic():
        if take.mark_canceled(f"Canceled by {name}."):
            _enqueue_on_commit("cancel_at_provider", take.id)
    take.refresh_from_db()
    return take


def _enqueue_on_commit(task_name: str, take_id, countdown: float | None = None) -> None:
    from shots import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.apply_async((str(take_id),), countdown=countdown))


def _enqueue(task_name: str, take_id, countdown: float | None = None) -> None:
    from shots import tasks

    getattr(tasks, task_name).apply_async((str(take_id),), countdown=countdown)


# --- The pipeline ----------------------------------------------------------------------------


def _load(take_id) -> Take | None:
    return Take.objects.select_related("shot").filter(id=take_id).first()


def spec_for(take: Take) -> RenderSpec:
    return RenderSpec(
        take_id=str(take.id),
        model=take.model,
        prompt=take.prompt,
        seconds=float(take.seconds),
        width=take.width,
        height=take.height,
        fps=take.fps,
        seed=take.seed,
        audio=take.audio,
        reference_image=take.reference_image,
        params=dict(take.params),
    )


def _later(take: Take, step: str, statuses, delay: float, **changes) -> None:
    """Give back the lease and come back to this step in `delay` seconds."""
    delay = min(max(delay, 0.2), 300.0)
    won = take._transition(
        statuses,
        lease_until=None,
        next_check_at=timezone.now() + timedelta(seconds=delay),
        **changes,
    )
    if won:
        _enqueue(step, take.id, countdown=delay)


def submit_step(take_id) -> None:
    # The attempt is saved with the claim, before calling out: a crash from here on still counts.
    take = Take.claim(
        take_id,
        [TakeStatus.QUEUED],
        lease_seconds=settings.TAKE_POLL_LEASE_SECONDS,
        submits=F("submits") + 1,
        started_at=Coalesce("started_at", timezone.now()),
    )
    if take is None:
        return
    if take.submits > settings.TAKE_MAX_SUBMITS:
        Take.objects.filter(id=take.id).update(submits=F("submits") - 1)  # this one never went out
        take.mark_failed(f"The provider did not accept the take after {take.submits - 1} attempts.")
        return
    provider = get_provider(take.provider)
    try:
        spec = spec_for(take)
        job_id = provider.submit(spec)
    except ProviderError as exc:
        if exc.permanent or take.submits >= settings.TAKE_MAX_SUBMITS:
            take.mark_failed(exc.message)
        else:
            _later(
                take, "submit_take", [TakeStatus.QUEUED], exc.retry_after or backoff(take.submits)
            )
        return
    except Exception as exc:  # a provider bug or an unexpected network error: transient
        log.exception("submit of take %s failed", take.id)
        if take.submits >= settings.TAKE_MAX_SUBMITS:
            take.mark_failed(f"The provider could not be reached: {exc}")
        else:
            _later(take, "submit_take", [TakeStatus.QUEUED], backoff(take.submits))
        return
    # The provider's estimate of when the job may be done, else POLL_FIRST.
    first_poll = min(max(provider.first_poll_after(spec) or POLL_FIRST, 0.5), POLL_MAX)
    won = take._transition(
        [TakeStatus.QUEUED],
        status=TakeStatus.SUBMITTED,
        provider_job_id=job_id,
        lease_until=None,
        next_check_at=timezone.now() + timedelta(seconds=first_poll),
    )
    if won:
        _enqueue("poll_take", take.id, countdown=first_poll)
    else:
        # Canceled (or timed out) while we were asking: keep the job id on record, stop the job.
        Take.objects.filter(id=take.id, provider_job_id="").update(provider_job_id=job_id)
        _cancel_quietly(provider, job_id)


POLLING = [TakeStatus.SUBMITTED, TakeStatus.RUNNING]


def poll_step(take_id) -> None:
    take = Take.claim(take_id, POLLING, lease_seconds=settings.TAKE_POLL_LEASE_SECONDS)
    if take is None:
        return
    provider = get_provider(take.provider)
    try:
        status = provider.poll(take.provider_job_id)
    except ProviderError as exc:
        if exc.permanent:
            take.mark_failed(exc.message)
        else:
            _later(
                take,
                "poll_take",
                POLLING,
                exc.retry_after or backoff(take.polls),
                polls=F("polls") + 1,
            )
        return
    except Exception:
        log.exception("poll of take %s failed", take.id)
        _later(take, "poll_take", POLLING, backoff(take.polls), polls=F("polls") + 1)
        return
    if status.state == "succeeded":
        won = take._transition(
            POLLING,
            status=TakeStatus.DOWNLOADING,
            progress=max(take.progress, 99),
            lease_until=None,
            polls=F("polls") + 1,
            next_check_at=timezone.now(),
        )
        if won:
            # Straight on in this task: one message fewer a take. If this worker dies here, the
            # take waits in DOWNLOADING and the sweeper sends download_take.
            download_step(take.id)
    elif status.state == "failed":
        take.mark_failed(status.error or "The provider could not make this take.")
    elif status.state == "canceled":
        take.mark_canceled("The provider canceled the take.")
    else:
        delay = status.retry_after if status.retry_after else backoff(take.polls)
        _later(
            take,
            "poll_take",
            POLLING,
            delay,
            polls=F("polls") + 1,
            progress=min(99, max(0, int(status.progress))),
            status=TakeStatus.RUNNING if status.state == "running" else take.status,
        )


def download_step(take_id) -> None:
    take = Take.claim(
        take_id, [TakeStatus.DOWNLOADING], lease_seconds=settings.TAKE_DOWNLOAD_LEASE_SECONDS
    )
    if take is None:
        return
    provider = get_provider(take.provider)
    with tempfile.TemporaryDirectory(prefix=f"take-{take.id}-") as tmp:
        video, poster, thumb = (
            Path(tmp) / "take.mp4",
            Path(tmp) / "poster.jpg",
            Path(tmp) / "thumb.jpg",
        )
        try:
            provider.fetch(take.provider_job_id, video)
        except ProviderError as exc:
            if exc.permanent:
                take.mark_failed(exc.message)
            else:
                _later(
                    take,
                    "download_take",
                    [TakeStatus.DOWNLOADING],
                    exc.retry_after or backoff(take.polls),
                    polls=F("polls") + 1,
                )
            return
        except Exception:
            log.exception("download of take %s failed", take.id)
            _later(
                take,
                "download_take",
                [TakeStatus.DOWNLOADING],
                backoff(take.polls),
                polls=F("polls") + 1,
            )
            return
        try:
            info = media.probe_video(video)
            check_duration(info.duration, float(take.seconds))
            media.extract_stills(video, poster, thumb, at=min(1.0, info.duration / 2))
        except media.MediaError as exc:
            take.mark_failed(str(exc))
            return
        names = _store(take, video, poster, thumb)
    with transaction.atomic():
        won = take._transition(
            [TakeStatus.DOWNLOADING],
            status=TakeStatus.SUCCEEDED,
            progress=100,
            video=names["video"],
            poster=names["poster"],
            thumbnail=names["thumbnail"],
            duration=info.duration,
            result_width=info.width,
            result_height=info.height,
            result_fps=info.fps,
            codec=info.codec,
            bytes=names["bytes"],
            has_audio=info.has_audio,
            finished_at=timezone.now(),
            lease_until=None,
            next_check_at=None,
            error="",
        )
        if won:
            ledger.capture_for_take(take)
    if not won:  # canceled or timed out meanwhile: keep nothing
        for key in ("video", "poster", "thumbnail"):
            default_storage.delete(names[key])


def check_duration(actual: float, requested: float) -> None:
    tolerance = max(0.5, 0.1 * requested)
    if abs(actual - requested) > tolerance:
        raise media.MediaError(
            f"The provider sent {actual:.2f} s of video for a {requested:g} s take."
        )


def _store(take: Take, video: Path, poster: Path, thumb: Path) -> dict:
    """Stream the three files into storage under projects/<project>/takes/<take>/."""
    folder = f"projects/{take.shot.project_id}/takes/{take.id}"
    token = uuid.uuid4().hex[:8]  # a re-run after a crash never collides with a half-saved file
    names: dict = {"bytes": video.stat().st_size}
    for key, path, name in (
        ("video", video, f"take-{take.number}-{token}.mp4"),
        ("poster", poster, f"poster-{token}.jpg"),
        ("thumbnail", thumb, f"thumb-{token}.jpg"),
    ):
        with path.open("rb") as fh:
            names[key] = default_storage.save(f"{folder}/{name}", File(fh, name=name))
    return names


def cancel_at_provider(take_id) -> None:
    take = _load(take_id)
    if take is None or not take.provider_job_id:
        return
    _cancel_quietly(get_provider(take.provider), take.provider_job_id)


def _cancel_quietly(provider, job_id: str) -> None:
    try:
        provider.cancel(job_id)
    except Exception:
        log.warning("provider %s could not cancel job %s", provider.name, job_id, exc_info=True)


STEP_FOR_STATUS = {
    TakeStatus.QUEUED: "submit_take",
    TakeStatus.SUBMITTED: "poll_take",
    TakeStatus.RUNNING: "poll_take",
    TakeStatus.DOWNLOADING: "download_take",
}


def sweep_takes() -> dict[str, int]:
    """Fail takes past their deadline; re-drive takes left behind (lost message, dead worker)."""
    now = timezone.now()
    timed_out = 0
    for take in Take.objects.active().filter(deadline_at__lt=now):
        minutes = round(settings.TAKE_DEADLINE_SECONDS / 60)
        if take.mark_failed(
            f"Timed out: the take was not finished {minutes} minutes after it was asked for."
        ):
            timed_out += 1
            if take.provider_job_id:
                _enqueue("cancel_at_provider", take.id)
    stale_before = now - timedelta(seconds=settings.TAKE_STALE_SECONDS)
    redriven = 0
    stale = (
        Take.objects.filter(status__in=ACTIVE_STATUSES)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(next_check_at__lt=stale_before) | Q(next_check_at__isnull=True))
    )
    for take in stale:
        # Move next_check_at on first, so the next sweep does not send it again right away.
        if Take.objects.filter(
            id=take.id, status=take.status, next_check_at=take.next_check_at
        ).update(next_check_at=now):
            _enqueue(STEP_FOR_STATUS[take.status], take.id)
            redriven += 1
    return {"timed_out": timed_out, "redriven": redriven}
