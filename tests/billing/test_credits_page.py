"""The Credits page, its CSV export and the header's credits."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from billing import ledger
from shots.models import TakeStatus


def test_it_shows_plan_balance_held_available_and_period_end(owner_client, owner, take_factory):
    ledger.account_for(owner)
    ledger.hold_for_take(take_factory(owner, seconds="6"))
    response = owner_client.get(reverse("credits"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Free" in text
    assert 'id="credits-available">94<' in text
    assert 'id="credits-held">6<' in text
    assert "Period ends" in text


def test_its_history_links_entries_to_their_takes(owner_client, owner, take_factory):
    ledger.account_for(owner)
    take = take_factory(owner, seconds="3")
    ledger.hold_for_take(take)
    take.status = TakeStatus.FAILED
    ledger.release_for_take(take, "provider error")
    text = owner_client.get(reverse("credits")).content.decode()
    assert f"#take-{take.pk}" in text
    assert "Refunded: provider error" in text


def test_it_escapes_what_users_wrote(owner_client, owner, project, take_factory):
    project.title = "<script>alert(1)</script>"
    project.save()
    ledger.account_for(owner)
    ledger.hold_for_take(take_factory(owner))
    text = owner_client.get(reverse("credits")).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


def test_it_shows_only_the_users_own_entries(owner, outsider_client, take_factory):
    ledger.account_for(owner)
    ledger.adjust(owner, 55, "owner's secret bonus")
    text = outsider_client.get(reverse("credits")).content.decode()
    assert "owner&#x27;s secret bonus" not in text and "secret bonus" not in text


def test_anonymous_users_are_sent_to_sign_in(client):
    assert client.get(reverse("credits")).status_code == 302
    assert client.get(reverse("credits-csv")).status_code == 302


def test_the_csv_has_every_entry(owner_client, owner, take_factory):
    ledger.account_for(owner)
    ledger.adjust(owner, 20, '=HYPERLINK("evil")')
    take = take_factory(owner, seconds="5")
    ledger.hold_for_take(take)
    response = owner_client.get(reverse("credits-csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["kind"] for r in rows] == ["hold", "adjustment", "grant"]
    assert rows[0]["take"] == str(take.pk)
    assert rows[0]["credits"] == "5"
    assert rows[1]["memo"].startswith("'=")  # a formula is kept as text in spreadsheets


def test_the_header_shows_available_credits(owner_client, owner):
    ledger.account_for(owner)
    ledger.adjust(owner, 1150, "bonus")
    text = owner_client.get(reverse("credits")).content.decode()
    assert 'id="header-credits"' in text
    assert "1,250" in text
