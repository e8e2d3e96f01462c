"""The admin's Usage page: staff only; per user, per provider and model, daily charts, CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from billing import ledger
from shots.models import TakeStatus

from ..factories import UserFactory


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def spending(owner, editor, take_factory):
    for user, seconds in ((owner, "6"), (owner, "2"), (editor, "3")):
        ledger.account_for(user)
        take = take_factory(user, seconds=seconds)
        ledger.hold_for_take(take)
        take.status = TakeStatus.SUCCEEDED
        ledger.capture_for_take(take)
    held = take_factory(editor, seconds="4")
    ledger.hold_for_take(held)


def test_it_is_for_staff_only(owner_client, client):
    assert owner_client.get(reverse("billing-usage")).status_code == 302
    assert owner_client.get(reverse("billing-usage-csv")).status_code == 302
    assert client.get(reverse("billing-usage")).status_code == 302


def test_it_shows_spent_per_user_and_model(staff_client, spending):
    response = staff_client.get(reverse("billing-usage"))
    assert response.status_code == 200
    report = response.context["report"]
    rows = {row.username: row for row in report.users}
    assert rows["owner"].spent == 8 and rows["owner"].granted == 100
    assert rows["editor"].spent == 3 and rows["editor"].held == 4
    assert [(m.provider, m.model, m.spent, m.takes) for m in rows["owner"].by_model] == [
        ("local", "animatic", 8, 2)
    ]
    assert report.top_projects[0].title == "The Lighthouse"
    assert report.top_projects[0].spent == 11


def test_its_charts_draw_a_bar_per_user_and_provider(staff_client, spending):
    response = staff_client.get(reverse("billing-usage"))
    text = response.content.decode()
    assert text.count("<svg") == 2
    assert "owner: 8 credits" in text
    assert "local: 11 credits" in text
    legend = {name: total for name, _, total in response.context["by_user_chart"].legend}
    assert legend == {"owner": 8, "editor": 3}


def test_an_empty_month_says_so(staff_client, spending):
    text = staff_client.get(reverse("billing-usage"), {"month": "2001-01"}).content.decode()
    assert "Nothing spent in this period." in text


def test_the_csv_has_users_and_their_models(staff_client, spending):
    response = staff_client.get(reverse("billing-usage-csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    totals = {r["username"]: r for r in rows if not r["provider"]}
    assert totals["owner"]["spent"] == "8"
    assert totals["editor"]["held_now"] == "4"
    models = [(r["username"], r["model"], r["spent_on_model"]) for r in rows if r["provider"]]
    assert ("owner", "animatic", "8") in models


def test_the_axis_ends_on_a_round_number_just_above_the_peak():
    from billing.usage import nice_axis

    assert nice_axis(10) == (2, 5)
    assert nice_axis(87) == (25, 4)
    assert nice_axis(1240) == (250, 5)


def test_the_chart_keeps_seven_series_and_merges_the_rest_into_others():
    import datetime as dt

    from billing.usage import stacked_bars

    day = dt.date(2026, 11, 3)
    series = {f"user{i}": {day: 10 + i} for i in range(10)}
    chart = stacked_bars([day], series)
    names = [name for name, _, _ in chart.legend]
    assert names[:7] == [f"user{i}" for i in range(9, 2, -1)]
    assert chart.legend[-1] == ("others", chart.legend[-1][1], 10 + 11 + 12)
    assert len(chart.bars) == 8
    assert sum(bar.height for bar in chart.bars) <= chart.height - chart.bottom
