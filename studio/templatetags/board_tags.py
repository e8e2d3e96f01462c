"""Small filters for the board: running times and durations written the way editors read them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from studio import prompts

register = template.Library()


@register.filter
def running_time(seconds: Decimal | float | int | None) -> str:
    """1:02:05, 2:05 or 0:42 (rounded to the nearest second, halves up)."""
    total = int(Decimal(seconds or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@register.filter
def seconds(value: Decimal | float | None) -> str:
    """3 → "3s", 2.50 → "2.5s"."""
    number = Decimal(value or 0).normalize()
    text = f"{number:f}"
    return f"{text}s"


@register.filter
def aspect_css(ratio: str) -> str:
    """ "16:9" → "16 / 9", for the CSS aspect-ratio property."""
    width, _, height = (ratio or "16:9").partition(":")
    return f"{width} / {height or 1}"


@register.filter
def plain_mentions(text: str) -> str:
    """ "@Mara at the door" → "Mara at the door": how a mention reads on a card."""
    return prompts.strip_mentions(text)
