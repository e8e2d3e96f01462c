"""Admin limits: a user's plan or override changed from a list in two clicks; grants with
a reason."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from billing import ledger
from billing.models import LedgerEntry, Plan, Subscription

from ..factories import UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_users_list_shows_plan_credits_and_limit(admin_client, owner):
    response = admin_client.get(reverse("admin:auth_user_changelist"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Free" in text and "100 / month" in text


def test_an_action_moves_users_to_another_plan(admin_client, owner, editor):
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "move_to_pro", ACTION_CHECKBOX_NAME: [owner.pk]},
    )
    assert response.status_code == 302
    assert Subscription.for_user(owner).plan.slug == "pro"
    assert Subscription.for_user(editor).plan.slug == "free"


def test_the_hard_stop_action(admin_client, owner):
    admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "hard_stop", ACTION_CHECKBOX_NAME: [owner.pk]},
    )
    assert Subscription.for_user(owner).hard_stop


def test_the_credit_limits_list_edits_in_place(admin_client, owner):
    subscription = Subscription.for_user(owner)
    admin_client.get(reverse("admin:billing_subscription_changelist"))
    pro = Plan.objects.get(slug="pro")
    rows = list(Subscription.objects.order_by("user__username"))
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for i, row in enumerate(rows):
        data |= {
            f"form-{i}-id": row.pk,
            f"form-{i}-plan": row.plan_id,
            f"form-{i}-monthly_allowance": "",
            f"form-{i}-max_take_seconds": "",
        }
        if row.pk == subscription.pk:
            data |= {f"form-{i}-plan": pro.pk, f"form-{i}-max_take_seconds": "30"}
    response = admin_client.post(reverse("admin:billing_subscription_changelist"), data)
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.plan == pro
    assert subscription.take_seconds_limit == 30


def test_grant_or_remove_credits_asks_for_a_reason_then_records_who(
    admin_client, admin_user, owner
):
    url = reverse("admin:auth_user_changelist")
    selection = {"action": "adjust_credits", ACTION_CHECKBOX_NAME: [owner.pk]}
    page = admin_client.post(url, selection)
    assert page.status_code == 200
    assert b"Grant or remove credits" in page.content
    admin_client.post(
        url, selection | {"apply": "1", "amount": "300", "reason": "Festival deadline"}
    )
    entry = LedgerEntry.objects.get(memo="Festival deadline")
    assert (entry.amount, entry.created_by) == (300, admin_user)
    assert ledger.balance_for(owner).available == 400


def test_ledger_entries_cannot_be_edited_or_deleted_in_the_admin(admin_client, owner):
    ledger.account_for(owner)
    entry = LedgerEntry.objects.get()
    change = admin_client.post(
        reverse("admin:billing_ledgerentry_change", args=[entry.pk]), {"amount": 1}
    )
    assert change.status_code in (302, 403)
    assert (
        admin_client.post(
            reverse("admin:billing_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.amount == 100


def test_non_staff_cannot_reach_the_billing_admin(owner_client):
    response = owner_client.get(reverse("admin:billing_subscription_changelist"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "name",
    ["plan", "ratecard", "subscription", "projectbudget", "ledgerentry", "account", "hold"],
)
def test_every_billing_admin_list_opens(admin_client, owner, take_factory, name):
    ledger.hold_for_take(take_factory(owner))
    response = admin_client.get(reverse(f"admin:billing_{name}_changelist"))
    assert response.status_code == 200


def test_a_project_budget_is_added_in_the_admin(admin_client, project):
    response = admin_client.post(
        reverse("admin:billing_projectbudget_add"),
        {"project": project.pk, "credits": 500, "note": "festival cut"},
    )
    assert response.status_code == 302
    assert project.credit_budget.credits == 500


def test_moving_to_a_bigger_plan_grants_the_difference_for_this_period(admin_client, owner):
    ledger.account_for(owner)  # Free: 100
    admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "move_to_pro", ACTION_CHECKBOX_NAME: [owner.pk]},
    )
    assert ledger.balance_for(owner).available == 2000
    admin_client.post(  # again: nothing more
        reverse("admin:auth_user_changelist"),
        {"action": "move_to_pro", ACTION_CHECKBOX_NAME: [owner.pk]},
    )
    admin_client.post(  # down to Free: granted credits are not taken back
        reverse("admin:auth_user_changelist"),
        {"action": "move_to_free", ACTION_CHECKBOX_NAME: [owner.pk]},
    )
    assert ledger.balance_for(owner).available == 2000
    assert ledger.reconcile() == []
