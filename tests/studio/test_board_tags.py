"""How the board writes running times and durations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from studio.templatetags.board_tags import aspect_css, plain_mentions, running_time, seconds


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "0:00"), (Decimal("42"), "0:42"), (Decimal("66.5"), "1:07"), (3725, "1:02:05")],
)
def test_running_time_reads_like_a_timecode(value, text):
    assert running_time(value) == text


def test_durations_drop_trailing_zeros():
    assert (seconds(Decimal("3.00")), seconds(Decimal("2.50")), seconds(Decimal("120"))) == (
        "3s",
        "2.5s",
        "120s",
    )


def test_aspect_ratios_become_css():
    assert (aspect_css("2.39:1"), aspect_css("9:16")) == ("2.39 / 1", "9 / 16")


def test_mentions_read_as_plain_names_on_cards():
    assert plain_mentions("@Mara meets @Tom at the door") == "Mara meets Tom at the door"
