"""Credits through the real pipeline: request_take holds, a real Celery worker renders, the
take's ending captures or refunds. PostgreSQL and Redis, no mocks."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import ledger
from billing.models import Account, EntryKind, HoldStatus, LedgerEntry, RateCard
from shots import renders
from shots.models import Take, TakeStatus

from .conftest import set_plan

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(take, timeout: float = 30.0) -> Take:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        take.refresh_from_db()
        if take.status in (TakeStatus.SUCCEEDED, TakeStatus.FAILED, TakeStatus.CANCELED):
            return take
        time.sleep(0.1)
    raise AssertionError(f"take still {take.status} after {timeout} s")


def wait_settled(take, timeout: float = 10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        hold = take.credit_hold
        hold.refresh_from_db()
        if hold.status != HoldStatus.HELD:
            return hold
        time.sleep(0.1)
    raise AssertionError("the hold was never settled")


def balance(user) -> tuple[int, int]:
    account = Account.objects.get(user=user)
    return account.available, account.held


def test_a_succeeding_take_is_captured_once(shot, owner, celery_worker):
    ledger.account_for(owner)  # Free: 100 credits; local costs 1 credit a second at 720p and below
    [take] = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=2, size="160x90"
    )
    assert balance(owner) == (98, 2)  # held before anything ran

    take = wait_for(take)

    assert take.status == TakeStatus.SUCCEEDED, take.error
    hold = wait_settled(take)
    assert (hold.status, hold.captured) == (HoldStatus.CAPTURED, 2)
    assert LedgerEntry.objects.filter(take=take, kind=EntryKind.CAPTURE).count() == 1
    assert balance(owner) == (98, 0)
    ledger.capture_for_take(take)  # the pipeline or the sweeper asking again changes nothing
    assert LedgerEntry.objects.filter(take=take, kind=EntryKind.CAPTURE).count() == 1
    assert ledger.reconcile() == []


def test_a_failing_provider_refunds_in_full(shot, owner, celery_worker, fake_providers):
    RateCard.objects.create(
        provider="failing", model="*", tier="2160p", credits_per_second=Decimal("5")
    )
    ledger.account_for(owner)
    set_plan(owner, "studio")  # every provider; the balance is still the first 100
    [take] = renders.request_take(
        shot, owner, provider="failing", model="refused", seconds=3, size="160x90"
    )
    assert balance(owner) == (85, 15)

    take = wait_for(take)

    assert take.status == TakeStatus.FAILED
    hold = wait_settled(take)
    assert hold.status == HoldStatus.RELEASED
    assert balance(owner) == (100, 0)
    entries = LedgerEntry.objects.filter(take=take).values_list("kind", "amount")
    assert sorted(entries) == [("hold", 15), ("release", 15)]
    assert ledger.reconcile() == []


def test_a_refused_request_queues_nothing(shot, owner, celery_worker):
    ledger.account_for(owner)
    with pytest.raises(ValidationError, match="longer than the Free plan allows"):
        renders.request_take(
            shot, owner, provider="local", model="animatic", seconds=10, size="160x90"
        )
    ledger.adjust(owner, -99, "leave one")
    with pytest.raises(ValidationError, match="needs 2 credits but you have 1 available"):
        renders.request_take(
            shot, owner, provider="local", model="animatic", seconds=2, size="160x90"
        )
    assert not Take.objects.exists()
    assert balance(owner) == (1, 0)
