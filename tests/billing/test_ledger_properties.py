"""Property-based: any sequence of grants, holds, captures, releases, expiries and adjustments
keeps the cached balance equal to the sum of the entries, never lets available go below zero,
and ends every hold captured or released exactly once."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import ledger
from billing.models import Account, EntryKind, Hold, HoldStatus, LedgerEntry, Subscription
from shots.models import TakeStatus

from .conftest import make_take

steps = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.integers(1, 60)),
        st.tuples(st.just("remove"), st.integers(1, 60)),
        st.tuples(st.just("hold"), st.integers(1, 40)),  # seconds of a local 720p take = credits
        st.tuples(st.just("capture"), st.integers(0, 20), st.floats(0.5, 50)),
        st.tuples(st.just("release"), st.integers(0, 20)),
        st.tuples(st.just("renew"), st.just(0)),
        st.tuples(st.just("sweep"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=25,
)


def check_invariants(user) -> None:
    account = Account.objects.get(user=user)
    assert account.available >= 0
    assert account.held >= 0
    assert ledger.reconcile() == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_any_sequence_keeps_the_books_straight(owner, shot, steps):
    with transaction.atomic():
        ledger.account_for(owner)
        takes = []
        for step in steps:
            action = step[0]
            try:
                if action == "grant":
                    ledger.adjust(owner, step[1], "property test")
                elif action == "remove":
                    ledger.adjust(owner, -step[1], "property test")
                elif action == "hold":
                    take = make_take(shot, owner, seconds=str(step[1]))
                    ledger.hold_for_take(take)
                    takes.append(take)
                elif action == "capture" and takes:
                    take = takes[step[1] % len(takes)]
                    take.status, take.duration = TakeStatus.SUCCEEDED, step[2]
                    ledger.capture_for_take(take)
                elif action == "release" and takes:
                    ledger.release_for_take(takes[step[1] % len(takes)], "failed")
                elif action == "renew":
                    Subscription.objects.filter(user=owner).update(
                        current_period_end=timezone.now() - timedelta(seconds=1)
                    )
                    ledger.renew_due_subscriptions()
                elif action == "sweep" and takes:
                    take = takes[step[1] % len(takes)]
                    take.status = TakeStatus.FAILED
                    take.save(update_fields=["status"])
                    Hold.objects.filter(take=take).update(expires_at=timezone.now())
                    ledger.sweep_holds()
            except ValidationError:
                pass  # refused (not enough credits): must have written nothing
            check_invariants(owner)

        for take in takes:  # everything still in flight fails at the end
            ledger.release_for_take(take, "end of test")
        check_invariants(owner)
        assert Account.objects.get(user=owner).held == 0
        for hold in Hold.objects.filter(account__user=owner):
            assert hold.status in (HoldStatus.CAPTURED, HoldStatus.RELEASED)
            endings = LedgerEntry.objects.filter(
                take=hold.take, kind__in=[EntryKind.CAPTURE, EntryKind.RELEASE]
            )
            if hold.status == HoldStatus.RELEASED:
                assert list(endings.values_list("kind", flat=True)) == ["release"]
                assert endings.get().amount == hold.amount
            else:
                kinds = sorted(endings.values_list("kind", flat=True))
                assert kinds in (["capture"], ["capture", "release"])
                assert sum(e.amount for e in endings) == hold.amount
        transaction.set_rollback(True)
