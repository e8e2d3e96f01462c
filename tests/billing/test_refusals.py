"""Every reason check_take_request refuses a take, in the words the user reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import ledger
from billing.models import ProjectBudget, Subscription
from shots.models import TakeStatus

from .conftest import set_plan


def ask(user, project, **overrides) -> int:
    request = {
        "provider": "local",
        "model": "animatic",
        "seconds": Decimal("4"),
        "width": 1280,
        "height": 720,
        "fps": 24,
        "audio": False,
        "count": 1,
    } | overrides
    return ledger.check_take_request(user, project=project, **request)


def refusal(user, project, **overrides) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        ask(user, project, **overrides)
    return caught.value.messages


def test_it_returns_the_estimate_when_allowed(owner, project):
    assert ask(owner, project, seconds=Decimal("6")) == 6


def test_duration_over_the_plan(owner, project):
    assert refusal(owner, project, seconds=Decimal("10")) == [
        "A 10 s take is longer than the Free plan allows (8 s at most)."
    ]


def test_resolution_over_the_plan(owner, project):
    assert refusal(owner, project, width=1920, height=1080) == [
        "1920x1080 is above the Free plan's maximum resolution (720p)."
    ]


def test_provider_not_in_the_plan(owner, project):
    assert refusal(owner, project, provider="openai", model="sora-2") == [
        "The Free plan does not include the openai provider."
    ]


def test_model_not_in_the_plan(owner, project):
    set_plan(owner, "pro")
    assert refusal(owner, project, provider="openai", model="sora-2-pro") == [
        "The Pro plan does not include openai sora-2-pro."
    ]


def test_concurrent_takes(owner, project, take_factory):
    take_factory(owner, status=TakeStatus.RUNNING)
    assert refusal(owner, project) == [
        "You have 1 take in progress; the Free plan runs 1 at a time. Wait for one to finish."
    ]


def test_finished_takes_do_not_count_as_concurrent(owner, project, take_factory):
    take_factory(owner, status=TakeStatus.SUCCEEDED)
    take_factory(owner, status=TakeStatus.FAILED)
    assert ask(owner, project) == 4


def test_more_takes_at_once_than_the_plan_runs(owner, project):
    assert refusal(owner, project, count=2) == [
        "The Free plan runs 1 take at a time: ask for fewer at once."
    ]


def test_several_plan_limits_are_named_together(owner, project):
    messages = refusal(owner, project, seconds=Decimal("30"), width=3840, height=2160)
    assert len(messages) == 2


def test_not_enough_credits_names_estimate_balance_and_next_allowance(owner, project):
    ledger.account_for(owner)
    ledger.adjust(owner, -97, "test")
    end = Subscription.for_user(owner).current_period_end
    day = f"{end.day} {end:%B %Y}"
    assert refusal(owner, project, seconds=Decimal("8")) == [
        f"This needs 8 credits but you have 3 available. "
        f"Your next allowance of 100 credits comes on {day}."
    ]


def test_hard_stop(owner, project):
    Subscription.objects.filter(pk=Subscription.for_user(owner).pk).update(hard_stop=True)
    assert refusal(owner, project) == [
        "Generation is switched off for your account (hard stop set by an administrator)."
    ]


def test_unlimited_is_never_refused_for_credits(owner, project, take_factory):
    ledger.account_for(owner)
    ledger.adjust(owner, -100, "test")
    Subscription.objects.filter(user=owner).update(unlimited=True)
    assert ask(owner, project, seconds=Decimal("8")) == 8
    take = take_factory(owner, seconds="8")
    assert ledger.hold_for_take(take).amount == 8
    assert ledger.reconcile() == []


def test_project_budget(owner, project, take_factory):
    ProjectBudget.objects.create(project=project, credits=10)
    ledger.hold_for_take(take_factory(owner, seconds="7", status=TakeStatus.SUCCEEDED))
    assert refusal(owner, project, seconds=Decimal("4")) == [
        "This needs 4 credits but the project “The Lighthouse” has 3 of its 10-credit budget left."
    ]


def test_the_hold_itself_respects_the_budget(owner, project, take_factory):
    ProjectBudget.objects.create(project=project, credits=5)
    with pytest.raises(ValidationError, match="has used its 5-credit budget"):
        ledger.hold_for_take(take_factory(owner, seconds="6"))


def test_a_model_without_a_price(owner, project):
    set_plan(owner, "studio")
    assert refusal(owner, project, provider="openai", model="sora-2", width=1920, height=1080) == [
        "openai sora-2 has no price at 1920x1080 (1080p); ask an administrator to add it to "
        "the rate card."
    ]


def test_the_hold_refuses_a_hard_stopped_user(owner, take_factory):
    Subscription.objects.filter(pk=Subscription.for_user(owner).pk).update(hard_stop=True)
    with pytest.raises(ValidationError, match="hard stop"):
        ledger.hold_for_take(take_factory(owner))
