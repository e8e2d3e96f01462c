"""A worker slot is never held while a provider renders: polls come back later, with a countdown."""

from __future__ import annotations

import time

import pytest

from shots import renders
from shots.models import Take, TakeStatus
from tests.fakes import providers as fakes

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_40_takes_of_3_s_each_finish_in_under_30_s_on_2_worker_slots(
    shot, owner, allow_generation, fake_providers, celery_worker, settings
):
    """A worker that waited on the provider would need 40 x 3 s / 2 slots = 60 s."""
    settings.FAKE_LATENCY = 3
    allow_generation(owner)
    fakes.sample_video(1, 160, 90)  # the fake provider's file, made before the clock starts
    assert celery_worker.concurrency == 2

    started = time.monotonic()
    takes = []
    for _ in range(10):
        takes += renders.request_take(
            shot, owner, provider="slow", model="slow-1", seconds=1, size="160x90", count=4
        )
    while time.monotonic() - started < 30:
        if (
            Take.objects.filter(
                id__in=[t.id for t in takes], status__in=["succeeded", "failed", "canceled"]
            ).count()
            == 40
        ):
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started

    statuses = list(
        Take.objects.filter(id__in=[t.id for t in takes]).values_list("status", flat=True)
    )
    assert statuses.count(TakeStatus.SUCCEEDED) == 40, statuses
    assert elapsed < 30
    assert len(fakes.creates()) == 40  # each take created once
