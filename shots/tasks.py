"""Thin Celery tasks: an id in, a call to shots/renders.py, nothing else.

Every task is safe to run twice (the steps claim the take with a conditional update) and has a
time limit. The failure hook marks the take failed on an unexpected error, so no take stays
"running" forever; a worker that dies outright is covered by the sweeper (renders.sweep_takes).
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError

from shots import renders
from shots.models import Take

log = logging.getLogger(__name__)


class TakeTask(Task):
    """Base for the steps: an unexpected error fails the take with a sentence, not a traceback."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if isinstance(exc, DatabaseError):
            return  # the database hiccuped: the lease runs out and the sweeper tries again
        take = Take.objects.filter(id=args[0]).first() if args else None
        if take is not None and isinstance(exc, SoftTimeLimitExceeded):
            take.mark_failed("The studio gave up on this take: one of its steps took too long.")
        elif take is not None:
            take.mark_failed(
                f"The studio hit an internal error while making this take ({type(exc).__name__})."
            )


# Hard limits stay below the leases (settings.TAKE_*_LEASE_SECONDS): a live step keeps its take.
@shared_task(base=TakeTask, soft_time_limit=80, time_limit=90)
def submit_take(take_id: str) -> None:
    renders.submit_step(take_id)


# A poll that finds the job done goes on to download it: it gets the download's limits.
@shared_task(base=TakeTask, soft_time_limit=15 * 60, time_limit=15 * 60 + 30)
def poll_take(take_id: str) -> None:
    renders.poll_step(take_id)


@shared_task(base=TakeTask, soft_time_limit=15 * 60, time_limit=15 * 60 + 30)
def download_take(take_id: str) -> None:
    renders.download_step(take_id)


@shared_task(soft_time_limit=60, time_limit=90)
def cancel_at_provider(take_id: str) -> None:
    renders.cancel_at_provider(take_id)


@shared_task(soft_time_limit=50, time_limit=60)
def sweep_takes() -> dict:
    from shots.providers.local import LocalProvider

    result = renders.sweep_takes()
    LocalProvider().remove_old_jobs(older_than_seconds=24 * 60 * 60)
    return result


@shared_task(soft_time_limit=25 * 60, time_limit=26 * 60)
def render_local_job(job_id: str) -> None:
    """The offline provider's render (it plays the part of a remote provider's servers)."""
    from shots.providers.local import LocalProvider

    LocalProvider().render(job_id)
