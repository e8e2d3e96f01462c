"""Billing fixtures: takes made directly (request_take is tested in its own files)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import ledger
from billing.models import Plan, Subscription
from shots.models import Take, TakeStatus


def make_take(
    shot,
    user,
    *,
    provider="local",
    model="animatic",
    seconds="4",
    width=1280,
    height=720,
    fps=24,
    audio=False,
    status=TakeStatus.QUEUED,
) -> Take:
    number = shot.takes.count() + 1
    return Take.objects.create(
        shot=shot,
        number=number,
        requested_by=user,
        provider=provider,
        model=model,
        prompt="The keeper climbs.",
        seconds=Decimal(seconds),
        width=width,
        height=height,
        aspect_ratio="16:9",
        fps=fps,
        audio=audio,
        status=status,
    )


def set_plan(user, slug: str) -> Subscription:
    subscription = Subscription.for_user(user)
    subscription.plan = Plan.objects.get(slug=slug)
    subscription.save()
    return subscription


@pytest.fixture
def take_factory(shot):
    def factory(user, **kwargs):
        return make_take(shot, user, **kwargs)

    return factory


@pytest.fixture
def funded(owner):
    """The owner on Free with its 100-credit allowance."""
    ledger.account_for(owner)
    return owner
