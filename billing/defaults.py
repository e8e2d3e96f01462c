"""The plans and rate card a new install starts with (seeded by migration 0002).

Rates are credits per second of video at 1 credit = $0.01 (Runway's own unit), from the
providers' public prices as of 2026: sora-2 $0.10/s, sora-2-pro $0.30/s at 720p and $0.50/s
above, Runway gen4_turbo 5 credits/s, gen4.5 12, veo3 40, veo3.1 20-40, veo3.1_fast 10-15; Pika
on fal about $0.04/s at 720p and $0.09/s at 1080p. The offline renderer costs little but not
nothing, so quotas still mean something on an install without remote providers. Admins edit all
of it in the admin; `seed()` also runs when the tables are found empty (e.g. after a test flush).
"""

from decimal import Decimal

PLANS = [
    # name, slug, allowance, rollover, cap, max short side, max seconds, concurrent,
    # providers, models
    ("Free", "free", 100, "expire", 0, 720, "8", 1, ["local"], []),
    (
        "Pro",
        "pro",
        2000,
        "cap",
        1000,
        1080,
        "12",
        3,
        ["local", "openai", "runway", "fal"],
        ["local/*", "openai/sora-2", "runway/gen4_turbo", "runway/gen4.5", "fal/*"],
    ),
    ("Studio", "studio", 10000, "cap", 5000, 1080, "20", 6, [], []),
    ("Enterprise", "enterprise", 50000, "cap", 50000, 2160, "60", 20, [], []),
]

RATES = [
    # provider, model, tier, credits per second, audio factor
    ("local", "*", "720p", "1", "1"),
    ("local", "*", "1080p", "2", "1"),
    ("local", "*", "2160p", "4", "1"),
    ("openai", "sora-2", "720p", "10", "1"),  # audio is always on and included in the price
    ("openai", "sora-2-pro", "720p", "30", "1"),
    ("openai", "sora-2-pro", "1080p", "50", "1"),
    ("runway", "gen4_turbo", "1080p", "5", "1"),  # one price for every ratio (960:960 is "1080p")
    ("runway", "gen4.5", "1080p", "12", "1"),
    ("runway", "gen3a_turbo", "1080p", "5", "1"),
    ("runway", "gen4_aleph", "1080p", "15", "1"),
    ("runway", "veo3", "1080p", "40", "1"),
    ("runway", "veo3.1", "1080p", "20", "2"),
    ("runway", "veo3.1_fast", "1080p", "10", "1.5"),
    ("runway", "*", "1080p", "12", "1"),
    ("fal", "*", "480p", "3", "1"),
    ("fal", "*", "720p", "4", "1"),
    ("fal", "*", "1080p", "9", "1"),
    ("comfyui", "*", "720p", "2", "1"),
    ("comfyui", "*", "1080p", "4", "1"),
]


def seed(Plan, RateCard) -> None:
    for position, (
        name,
        slug,
        allowance,
        rollover,
        cap,
        res,
        secs,
        conc,
        providers,
        models,
    ) in enumerate(PLANS):
        Plan.objects.update_or_create(
            slug=slug,
            defaults=dict(
                name=name,
                position=position,
                is_default=(slug == "free"),
                monthly_allowance=allowance,
                rollover=rollover,
                rollover_cap=cap,
                max_resolution=res,
                max_take_seconds=Decimal(secs),
                max_concurrent_takes=conc,
                allowed_providers=providers,
                allowed_models=models,
            ),
        )
    for provider, model, tier, rate, audio in RATES:
        RateCard.objects.update_or_create(
            provider=provider,
            model=model,
            tier=tier,
            defaults=dict(credits_per_second=Decimal(rate), audio_factor=Decimal(audio)),
        )
