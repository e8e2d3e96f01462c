"""The rate card: how many credits a take costs.

credits = ceil(credits per second for provider x model x resolution tier
               x seconds x (high-fps factor above 24 fps) x (audio factor with audio))

The rates live in the database (`RateCard`, editable in the admin); the data migration seeds them
from the providers' public prices at 1 credit = $0.01 (Runway's own unit).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from . import defaults
from .models import RESOLUTION_TIERS, Plan, RateCard, resolution_tier


class NoPrice(ValidationError):
    """The rate card has no row for this provider, model and resolution."""


def rate_for(provider: str, model: str, width: int, height: int) -> RateCard:
    """The rate card row for the request's tier or, failing that, the next tier up.

    A row for the model wins over the provider's `*` row at the same tier.
    """
    tier = resolution_tier(width, height)
    tiers = list(RESOLUTION_TIERS)
    wanted = tiers[tiers.index(tier) :]
    rows = [
        row
        for row in RateCard.objects.filter(
            provider=provider, model__in=[model, "*"], tier__in=wanted
        )
        if row.tier in wanted
    ]
    if not rows and not RateCard.objects.exists():  # emptied (a test flush): the defaults again
        defaults.seed(Plan, RateCard)
        return rate_for(provider, model, width, height)
    if not rows:
        raise NoPrice(
            f"{provider} {model} has no price at {width}x{height} ({tier}); "
            "ask an administrator to add it to the rate card."
        )
    rows.sort(key=lambda row: (wanted.index(row.tier), row.model == "*"))
    return rows[0]


def quote(
    provider: str,
    model: str,
    *,
    seconds,
    width: int,
    height: int,
    fps: int = 24,
    audio: bool = False,
) -> int:
    """Credits for one take of this request (always at least 1)."""
    try:
        seconds = Decimal(str(seconds))
    except (InvalidOperation, ValueError):
        raise ValidationError("The duration must be a number of seconds.")
    if seconds <= 0:
        raise ValidationError("The duration must be more than 0 seconds.")
    return rate_for(provider, model, width, height).price(seconds, fps, audio)


def quote_take(take, seconds=None) -> int:
    """Credits for a take as requested, or for `seconds` of it (the actual duration on success)."""
    return quote(
        take.provider,
        take.model,
        seconds=take.seconds if seconds is None else seconds,
        width=take.width,
        height=take.height,
        fps=take.fps,
        audio=take.audio,
    )
