"""Leases and the sweeper: one step at a time per take, and nothing left behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shots import renders
from shots.models import Take, TakeStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What would have been sent to the queue."""
    messages = []
    monkeypatch.setattr(
        renders,
        "_enqueue",
        lambda name, take_id, countdown=None: messages.append((name, str(take_id))),
    )
    monkeypatch.setattr(renders, "_enqueue_on_commit", lambda name, take_id, countdown=None: None)
    return messages


@pytest.fixture
def take(shot, owner, allow_generation, sent):
    allow_generation(owner)
    [take] = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=1, size="160x90"
    )
    return take


def test_a_step_is_claimed_once_while_its_lease_holds(take):
    first = Take.claim(take.id, [TakeStatus.QUEUED], lease_seconds=60)
    assert first is not None and first.lease_until > timezone.now()
    assert Take.claim(take.id, [TakeStatus.QUEUED], lease_seconds=60) is None
    Take.objects.filter(id=take.id).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert Take.claim(take.id, [TakeStatus.QUEUED], lease_seconds=60) is not None  # a dead worker's


def test_a_step_is_not_claimed_for_a_take_that_moved_on(take):
    assert Take.claim(take.id, [TakeStatus.RUNNING], lease_seconds=60) is None
    take.mark_canceled()
    assert Take.claim(take.id, [TakeStatus.QUEUED], lease_seconds=60) is None


@pytest.mark.parametrize(
    ("status", "step"),
    [
        ("queued", "submit_take"),
        ("submitted", "poll_take"),
        ("running", "poll_take"),
        ("downloading", "download_take"),
    ],
)
def test_the_sweeper_sends_the_step_a_stale_take_was_waiting_for(
    take, sent, settings, status, step
):
    Take.objects.filter(id=take.id).update(
        status=status, next_check_at=timezone.now() - timedelta(minutes=5)
    )
    assert renders.sweep_takes() == {"timed_out": 0, "redriven": 1}
    assert sent == [(step, str(take.id))]
    assert renders.sweep_takes()["redriven"] == 0  # not again until it is stale again


def test_the_sweeper_leaves_alone_a_take_whose_lease_holds(take, sent):
    Take.objects.filter(id=take.id).update(
        status="running",
        next_check_at=timezone.now() - timedelta(minutes=5),
        lease_until=timezone.now() + timedelta(minutes=1),
    )
    assert renders.sweep_takes()["redriven"] == 0 and sent == []


def test_the_sweeper_leaves_alone_takes_that_are_on_time_or_finished(take, sent):
    assert renders.sweep_takes()["redriven"] == 0  # just asked for
    Take.objects.filter(id=take.id).update(
        status="succeeded", next_check_at=timezone.now() - timedelta(hours=1)
    )
    assert renders.sweep_takes() == {"timed_out": 0, "redriven": 0}


def test_a_submit_past_the_limit_fails_the_take(take, settings):
    settings.TAKE_MAX_SUBMITS = 2
    Take.objects.filter(id=take.id).update(submits=2)
    renders.submit_step(take.id)
    take.refresh_from_db()
    assert take.status == TakeStatus.FAILED
    assert take.error == "The provider did not accept the take after 2 attempts."
    assert take.submits == 2


def test_an_unexpected_error_in_a_step_fails_the_take_with_a_sentence(take):
    from celery.exceptions import SoftTimeLimitExceeded

    from shots import tasks

    tasks.poll_take.on_failure(KeyError("x"), "task-id", (str(take.id),), {}, None)
    take.refresh_from_db()
    assert take.status == TakeStatus.FAILED
    assert take.error == "The studio hit an internal error while making this take (KeyError)."
    [other] = renders.request_take(
        take.shot, take.requested_by, provider="local", model="animatic", seconds=1, size="160x90"
    )
    tasks.download_take.on_failure(SoftTimeLimitExceeded(), "task-id", (str(other.id),), {}, None)
    other.refresh_from_db()
    assert other.error == "The studio gave up on this take: one of its steps took too long."


def test_a_database_error_in_a_step_leaves_the_take_to_the_sweeper(take):
    from django.db import OperationalError

    from shots import tasks

    tasks.submit_take.on_failure(OperationalError("gone"), "task-id", (str(take.id),), {}, None)
    take.refresh_from_db()
    assert take.status == TakeStatus.QUEUED
