"""Holds, captures and releases of one take: the contract the pipeline calls."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from billing import ledger
from billing.models import Account, EntryKind, HoldStatus, LedgerEntry
from shots.models import TakeStatus


def balance(user) -> tuple[int, int]:
    account = Account.objects.get(user=user)
    return account.available, account.held


def test_it_grants_a_new_user_the_free_allowance(owner):
    ledger.account_for(owner)
    assert balance(owner) == (100, 0)
    assert LedgerEntry.objects.for_user(owner).get().kind == EntryKind.GRANT


def test_it_holds_the_estimate(funded, take_factory):
    take = take_factory(funded, seconds="4")
    hold = ledger.hold_for_take(take)
    assert hold.amount == 4
    assert balance(funded) == (96, 4)


def test_it_captures_once_and_releases_the_rest(funded, take_factory):
    take = take_factory(funded, seconds="8")
    ledger.hold_for_take(take)
    take.status, take.duration = TakeStatus.SUCCEEDED, 5.0
    assert ledger.capture_for_take(take) == 5
    assert ledger.capture_for_take(take) == 0
    assert ledger.release_for_take(take, "late failure") == 0
    assert balance(funded) == (95, 0)
    kinds = sorted(LedgerEntry.objects.filter(take=take).values_list("kind", flat=True))
    assert kinds == ["capture", "hold", "release"]


def test_it_never_captures_more_than_the_hold(funded, take_factory):
    take = take_factory(funded, seconds="4")
    ledger.hold_for_take(take)
    take.duration = 9.5
    assert ledger.capture_for_take(take) == 4
    assert balance(funded) == (96, 0)


def test_it_refunds_a_failed_take_in_full(funded, take_factory):
    take = take_factory(funded, seconds="6")
    ledger.hold_for_take(take)
    assert ledger.release_for_take(take, "provider error") == 6
    assert ledger.release_for_take(take, "provider error") == 0
    assert balance(funded) == (100, 0)
    assert take.credit_hold.status == HoldStatus.RELEASED


def test_it_refuses_a_hold_beyond_the_balance_and_writes_nothing(funded, take_factory):
    take = take_factory(funded, seconds="4")
    ledger.adjust(funded, -98, "test: leave 2")
    with pytest.raises(ValidationError, match="needs 4 credits but you have 2 available"):
        ledger.hold_for_take(take)
    assert balance(funded) == (2, 0)
    assert not LedgerEntry.objects.filter(kind=EntryKind.HOLD).exists()


@pytest.mark.parametrize(
    "provider, model, seconds, width, height, fps, audio",
    [
        ("local", "animatic", "4", 1280, 720, 24, False),
        ("local", "animatic", "2.5", 640, 360, 30, False),  # below 720p, above 24 fps
        ("openai", "sora-2-pro", "4", 1792, 1024, 24, False),  # the model's own 1080p row
        ("runway", "gen4_turbo", "5", 1280, 720, 24, False),  # next tier up
        ("runway", "veo3.1", "4", 1280, 720, 24, True),  # audio factor
        ("runway", "brand-new", "5", 1280, 720, 24, False),  # the provider's "*" row
    ],
)
def test_the_hold_charges_what_the_estimate_said(
    funded, take_factory, provider, model, seconds, width, height, fps, audio
):
    from billing import pricing

    ledger.adjust(funded, 10_000, "test")
    take = take_factory(
        funded,
        provider=provider,
        model=model,
        seconds=seconds,
        width=width,
        height=height,
        fps=fps,
        audio=audio,
    )
    expected = pricing.quote(
        provider, model, seconds=seconds, width=width, height=height, fps=fps, audio=audio
    )
    assert ledger.hold_for_take(take).amount == expected


def test_a_hold_without_a_price_is_refused(funded, take_factory):
    take = take_factory(funded, provider="nobody", model="x")
    with pytest.raises(ValidationError, match="has no price"):
        ledger.hold_for_take(take)


def test_holding_twice_returns_the_same_hold(funded, take_factory):
    take = take_factory(funded, seconds="4")
    first = ledger.hold_for_take(take)
    assert ledger.hold_for_take(take).pk == first.pk
    assert balance(funded) == (96, 4)
    ledger.adjust(funded, -96, "empty it")
    assert ledger.hold_for_take(take).pk == first.pk  # even with nothing left
