"""The rate card: credits per second x tier x seconds, factors for high fps and audio,
rounded up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import pricing
from billing.models import RateCard, resolution_tier

pytestmark = pytest.mark.django_db


def test_it_prices_by_the_short_side():
    assert resolution_tier(1280, 720) == resolution_tier(720, 1280) == "720p"
    assert resolution_tier(1792, 1024) == "1080p"
    assert resolution_tier(640, 480) == "480p"


def test_sora_costs_ten_credits_a_second():
    assert pricing.quote("openai", "sora-2", seconds=8, width=1280, height=720) == 80


def test_sora_pro_costs_more_above_720p():
    assert pricing.quote("openai", "sora-2-pro", seconds=4, width=1280, height=720) == 120
    assert pricing.quote("openai", "sora-2-pro", seconds=4, width=1792, height=1024) == 200


def test_a_lower_tier_uses_the_next_tier_up():
    assert pricing.quote("runway", "gen4_turbo", seconds=5, width=1280, height=720) == 25


def test_a_model_row_wins_over_the_providers_star_row():
    assert pricing.quote("runway", "veo3", seconds=8, width=1280, height=720) == 320
    assert pricing.quote("runway", "something-new", seconds=5, width=1280, height=720) == 60


def test_high_fps_and_audio_multiply_and_round_up():
    RateCard.objects.filter(provider="local").update(
        high_fps_factor=Decimal("1.5"), audio_factor=Decimal("1.1")
    )
    assert (
        pricing.quote("local", "animatic", seconds=Decimal("3"), width=1280, height=720, fps=30)
        == 5
    )
    assert (
        pricing.quote("local", "animatic", seconds=Decimal("3"), width=1280, height=720, audio=True)
        == 4
    )


def test_the_offline_renderer_costs_little_but_not_nothing():
    assert pricing.quote("local", "animatic", seconds=Decimal("0.5"), width=640, height=360) == 1


def test_an_admin_edit_changes_the_price_at_once():
    RateCard.objects.filter(provider="openai", model="sora-2").update(
        credits_per_second=Decimal("12.5")
    )
    assert pricing.quote("openai", "sora-2", seconds=3, width=1280, height=720) == 38


def test_unknown_providers_are_refused():
    with pytest.raises(pricing.NoPrice):
        pricing.quote("nobody", "x", seconds=3, width=1280, height=720)
