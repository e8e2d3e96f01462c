"""Races on the real database: many holds for the last credits, settlements run again and again,
two renewals at once. Each thread uses (and closes) its own connection."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from billing import ledger
from billing.models import Account, EntryKind, Hold, HoldStatus, LedgerEntry, Subscription
from shots.models import TakeStatus

from .conftest import make_take

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work) -> list:
    """Start `count` threads at the same moment; collect what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread met
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_holds_of_ten_against_a_hundred_credits_let_exactly_ten_through(owner, shot):
    ledger.account_for(owner)  # the Free allowance: 100 credits
    takes = [make_take(shot, owner, seconds="10") for _ in range(50)]  # 10 credits each

    results = run_together(50, lambda i: ledger.hold_for_take(takes[i]))

    held = [r for r in results if isinstance(r, Hold)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(held) == 10
    assert len(refused) == 40
    account = Account.objects.get(user=owner)
    assert (account.available, account.held) == (0, 100)
    assert LedgerEntry.objects.filter(kind=EntryKind.HOLD).count() == 10
    assert ledger.reconcile() == []


@pytest.mark.parametrize("settle", ["capture", "release"])
def test_settling_five_times_in_sequence_writes_one_entry(owner, shot, settle):
    take = make_take(shot, owner, seconds="4")
    ledger.hold_for_take(take)
    take.status = TakeStatus.SUCCEEDED if settle == "capture" else TakeStatus.FAILED
    for _ in range(5):
        ledger.capture_for_take(take) if settle == "capture" else ledger.release_for_take(
            take, "failed"
        )
    assert LedgerEntry.objects.filter(take=take, kind=settle).count() == 1
    assert ledger.reconcile() == []


@pytest.mark.parametrize("settle", ["capture", "release"])
def test_settling_five_times_in_parallel_writes_one_entry(owner, shot, settle):
    take = make_take(shot, owner, seconds="4")
    ledger.hold_for_take(take)

    def work(_):
        if settle == "capture":
            return ledger.capture_for_take(take)
        return ledger.release_for_take(take, "failed")

    results = run_together(5, work)

    assert sorted(results) == [0, 0, 0, 0, 4]
    assert LedgerEntry.objects.filter(take=take, kind=settle).count() == 1
    hold = Hold.objects.get(take=take)
    assert hold.status == (HoldStatus.CAPTURED if settle == "capture" else HoldStatus.RELEASED)
    account = Account.objects.get(user=owner)
    assert (account.available, account.held) == ((96, 0) if settle == "capture" else (100, 0))
    assert ledger.reconcile() == []


def test_capture_and_release_racing_end_the_hold_once(owner, shot):
    take = make_take(shot, owner, seconds="4")
    ledger.hold_for_take(take)

    results = run_together(
        6, lambda i: ledger.capture_for_take(take) if i % 2 else ledger.release_for_take(take, "x")
    )

    assert sum(1 for r in results if r) == 1
    settled = LedgerEntry.objects.filter(take=take, kind__in=["capture", "release"]).count()
    assert settled == 1
    assert Account.objects.get(user=owner).held == 0
    assert ledger.reconcile() == []


def test_two_renewals_at_once_grant_the_allowance_once(owner):
    ledger.account_for(owner)
    subscription = Subscription.for_user(owner)
    subscription.current_period_end = timezone.now() - timedelta(minutes=1)
    subscription.save()

    results = run_together(2, lambda _: ledger.renew_due_subscriptions())

    assert sorted(results) == [0, 1]
    grants = LedgerEntry.objects.filter(kind=EntryKind.GRANT, account__user=owner)
    assert grants.count() == 2  # the first period's and the new one's, never a third
    account = Account.objects.get(user=owner)
    assert account.available == 100  # Free: the unused 100 expired, 100 new granted
    assert LedgerEntry.objects.filter(kind=EntryKind.EXPIRY).count() == 1
    assert ledger.reconcile() == []
