"""Period renewal, rollover, soonest-expiring grants first, holds across the boundary,
the sweeper."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from billing import ledger, tasks
from billing.models import (
    Account,
    EntryKind,
    Grant,
    Hold,
    HoldStatus,
    LedgerEntry,
    Subscription,
    add_months,
)
from shots.models import TakeStatus

from .conftest import set_plan


def end_period(user) -> None:
    Subscription.objects.filter(user=user).update(
        current_period_end=timezone.now() - timedelta(seconds=1)
    )


def balance(user) -> tuple[int, int]:
    account = Account.objects.get(user=user)
    return account.available, account.held


def test_add_months_clamps_to_the_month_end():
    start = timezone.now().replace(year=2027, month=1, day=31)
    assert add_months(start).day == 28
    assert add_months(start, 12).year == 2028


def test_free_credits_expire_at_period_end(owner):
    ledger.account_for(owner)
    ledger.adjust(owner, -30, "spent elsewhere")
    end_period(owner)
    assert tasks.renew_subscriptions() == 1
    assert balance(owner) == (100, 0)
    assert LedgerEntry.objects.get(kind=EntryKind.EXPIRY).amount == 70
    assert ledger.reconcile() == []


def test_renewal_runs_once_per_period(owner):
    ledger.account_for(owner)
    end_period(owner)
    assert ledger.renew_due_subscriptions() == 1
    assert ledger.renew_due_subscriptions() == 0
    assert LedgerEntry.objects.filter(kind=EntryKind.GRANT).count() == 2


def test_pro_rolls_over_up_to_its_cap(owner):
    ledger.account_for(owner)  # the first allowance, on Free: 100
    set_plan(owner, "pro")
    ledger.adjust(owner, 1500, "top up")  # never expires
    end_period(owner)
    ledger.renew_due_subscriptions()
    # 100 unused allowance: rolled over (cap 1,000); the admin's 1,500 stays; 2,000 new.
    assert balance(owner) == (3600, 0)
    rollover = Grant.objects.get(source="rollover")
    assert rollover.amount == 100


def test_rollover_is_capped(owner):
    ledger.account_for(owner)
    subscription = set_plan(owner, "pro")
    subscription.plan.rollover_cap = 30
    subscription.plan.save()
    end_period(owner)
    ledger.renew_due_subscriptions()
    assert Grant.objects.get(source="rollover").amount == 30
    assert LedgerEntry.objects.get(kind=EntryKind.EXPIRY).amount == 100


def test_holds_use_the_soonest_expiring_grant_first(owner, take_factory):
    ledger.account_for(owner)
    ledger.adjust(owner, 50, "bonus that never expires")
    hold = ledger.hold_for_take(take_factory(owner, seconds="8"))
    allowance = Grant.objects.get(source="allowance")
    bonus = Grant.objects.get(source="adjustment")
    assert hold.allocations == {str(allowance.pk): 8}
    assert (allowance.remaining, bonus.remaining) == (92, 50)


def test_a_hold_survives_the_period_boundary(owner, take_factory):
    ledger.account_for(owner)
    take = take_factory(owner, seconds="8")
    ledger.hold_for_take(take)
    end_period(owner)
    ledger.renew_due_subscriptions()
    assert balance(owner) == (100, 8)  # 92 unused expired, 100 new, 8 still held
    take.status, take.duration = TakeStatus.SUCCEEDED, 8.0
    assert ledger.capture_for_take(take) == 8
    assert balance(owner) == (100, 0)
    assert ledger.reconcile() == []


def test_a_refund_of_an_expired_allowance_expires_too(owner, take_factory):
    ledger.account_for(owner)
    take = take_factory(owner, seconds="8")
    ledger.hold_for_take(take)
    end_period(owner)
    ledger.renew_due_subscriptions()
    ledger.release_for_take(take, "failed after the boundary")
    assert balance(owner) == (100, 0)
    assert ledger.reconcile() == []


def test_the_sweeper_releases_expired_holds_of_takes_no_longer_running(owner, take_factory):
    ledger.account_for(owner)
    failed = take_factory(owner, seconds="3", status=TakeStatus.FAILED)
    running = take_factory(owner, seconds="4", status=TakeStatus.RUNNING)
    succeeded = take_factory(owner, seconds="5", status=TakeStatus.SUCCEEDED)
    fresh = take_factory(owner, seconds="6", status=TakeStatus.FAILED)
    for take in (failed, running, succeeded, fresh):
        ledger.hold_for_take(take)
    Hold.objects.exclude(take=fresh).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert tasks.sweep_holds() == {"captured": 1, "released": 1, "running": 1}

    statuses = {h.take_id: h.status for h in Hold.objects.all()}
    assert statuses[failed.pk] == HoldStatus.RELEASED
    assert statuses[succeeded.pk] == HoldStatus.CAPTURED
    assert statuses[running.pk] == HoldStatus.HELD
    assert (
        statuses[fresh.pk] == HoldStatus.HELD
    )  # not expired yet: the pipeline may still settle it
    assert balance(owner) == (85, 10)


def test_the_reconcile_task_counts_drift(owner):
    ledger.account_for(owner)
    assert tasks.reconcile_ledger() == 0
    Account.objects.filter(user=owner).update(held=3)
    assert tasks.reconcile_ledger() == 2  # held vs entries, held vs open holds
