"""The cost preview next to Generate:
`/billing/estimate/?project&provider&model&seconds&size&count`."""

from __future__ import annotations

from django.urls import reverse

from billing import ledger

from .conftest import set_plan


def estimate(client, project, **params):
    query = {
        "project": str(project.id),
        "provider": "local",
        "model": "animatic",
        "seconds": "4",
        "size": "1280x720",
        "count": "1",
    } | params
    return client.get(reverse("credit-estimate"), query)


def test_it_shows_the_estimate_and_the_available_balance(owner_client, project):
    response = estimate(owner_client, project, seconds="6")
    assert response.status_code == 200
    text = response.content.decode()
    assert "≈ 6 credits" in text
    assert "100 available" in text
    assert "estimate-problems" not in text


def test_it_says_why_a_request_would_be_refused(owner_client, project):
    text = estimate(owner_client, project, seconds="10").content.decode()
    assert "A 10 s take is longer than the Free plan allows (8 s at most)." in text


def test_it_names_the_shortfall_and_the_next_allowance(owner_client, owner, project):
    ledger.adjust(owner, -95, "test")
    text = estimate(owner_client, project, seconds="8").content.decode()
    assert "This needs 8 credits but you have 5 available." in text
    assert "Your next allowance of 100 credits comes on" in text


def test_it_multiplies_by_the_number_of_takes(owner_client, owner, project):
    set_plan(owner, "pro")
    text = estimate(owner_client, project, seconds="6", count="3").content.decode()
    assert "≈ 18 credits" in text
    assert "estimate-problems" not in text


def test_any_member_sees_it(viewer_client, project):
    assert estimate(viewer_client, project).status_code == 200


def test_outsiders_get_404(outsider_client, project):
    assert estimate(outsider_client, project).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, project):
    assert estimate(client, project).status_code == 302


def test_it_asks_for_missing_choices(owner_client, project):
    text = estimate(owner_client, project, size="").content.decode()
    assert "Choose a model, a size and a duration" in text
