"""The Celery settings the pipeline's safety rests on."""

from __future__ import annotations

from django.conf import settings

from shots import renders, tasks
from studio.celery import app


def test_messages_are_acknowledged_after_the_work_and_requeued_when_a_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_every_task_has_a_time_limit_inside_its_lease():
    for task in (tasks.submit_take, tasks.cancel_at_provider):
        assert task.time_limit and task.soft_time_limit < task.time_limit
        assert task.time_limit < settings.TAKE_POLL_LEASE_SECONDS
    # A poll holds the poll lease only while it asks the provider (HTTP calls time out sooner);
    # when the job is done it goes on to download under the download lease.
    assert settings.HTTP_TIMEOUT_SECONDS < settings.TAKE_POLL_LEASE_SECONDS
    for task in (tasks.poll_take, tasks.download_take):
        assert task.soft_time_limit < task.time_limit < settings.TAKE_DOWNLOAD_LEASE_SECONDS
    assert tasks.render_local_job.time_limit and tasks.sweep_takes.time_limit
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit  # and a default for the rest


def test_the_visibility_timeout_is_longer_than_any_countdown(settings):
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
    if settings.CELERY_BROKER_URL.startswith("redis"):
        assert visibility > renders.POLL_MAX
        assert visibility > 300  # _later() never waits longer than 300 s
        assert visibility > settings.TAKE_DOWNLOAD_LEASE_SECONDS
    assert renders.backoff(0) == 2 and renders.backoff(50) == renders.POLL_MAX == 30


def test_the_sweeper_runs_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["shots-sweep-takes"]
    assert entry["task"] == "shots.tasks.sweep_takes" and entry["schedule"] == 60
    assert entry["task"] in app.tasks
