"""`manage.py credits show|grant|limit` and `manage.py reconcile_credits`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing import ledger
from billing.models import Account, LedgerEntry, Subscription


def credits(*args) -> str:
    out = StringIO()
    call_command("credits", *args, stdout=out)
    return out.getvalue().strip()


def test_show_prints_one_line(owner):
    assert credits("show", "owner") == "plan=Free available=100 held=0"


def test_grant_adds_credits_with_the_reason(owner):
    assert (
        credits("grant", "owner", "250", "--reason", "festival cut")
        == "plan=Free available=350 held=0"
    )
    assert LedgerEntry.objects.get(memo="festival cut").amount == 250


def test_grant_with_a_negative_amount_removes(owner):
    assert (
        credits("grant", "owner", "-40", "--reason", "refund clawback")
        == "plan=Free available=60 held=0"
    )


def test_grant_refuses_to_remove_more_than_available(owner):
    with pytest.raises(CommandError, match="has only 100 available"):
        credits("grant", "owner", "-500", "--reason", "too much")


def test_grant_needs_a_reason(owner):
    with pytest.raises(CommandError):
        credits("grant", "owner", "10")


def test_limit_monthly_sets_the_override(owner):
    credits("limit", "owner", "--monthly", "5000")
    assert Subscription.for_user(owner).allowance == 5000


def test_limit_stop_and_unlimited(owner):
    credits("limit", "owner", "--stop")
    assert Subscription.for_user(owner).hard_stop
    credits("limit", "owner", "--unlimited")
    subscription = Subscription.for_user(owner)
    assert subscription.unlimited and not subscription.hard_stop


def test_limit_plan_clears_overrides_and_can_move_plans(owner):
    credits("limit", "owner", "--monthly", "7")
    credits("limit", "owner", "--plan")
    assert Subscription.for_user(owner).monthly_allowance is None
    assert credits("limit", "owner", "--plan", "pro").startswith("plan=Pro ")


def test_unknown_users_and_plans_are_refused(owner):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        credits("show", "nobody")
    with pytest.raises(CommandError, match="No plan 'gold'"):
        credits("limit", "owner", "--plan", "gold")


def test_reconcile_reports_drift_naming_the_account_and_changes_nothing(owner):
    ledger.account_for(owner)
    call_command("reconcile_credits", stdout=StringIO())  # clean: no exit
    Account.objects.filter(user=owner).update(available=90)  # someone edited the row by hand
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("reconcile_credits", stdout=StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert "(owner): available is 90 but the entries add up to 100 (drift -10)" in err.getvalue()
    assert Account.objects.get(user=owner).available == 90


def test_limit_monthly_grants_a_raise_at_once(owner):
    assert credits("limit", "owner", "--monthly", "500") == "plan=Free available=500 held=0"
    assert credits("limit", "owner", "--monthly", "300") == "plan=Free available=500 held=0"
