"""A Free user asks for a take longer than the plan allows and is told why before anything is
queued; an admin moves them to Pro from the credit limits list (pick the plan, Save); the same
take then goes through and its credits are charged once.

Real everything: Chromium, the live server, PostgreSQL, Redis and a Celery worker.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from billing.models import Account, EntryKind, LedgerEntry, Subscription
from shots.models import Take, TakeStatus
from studio.models import Role
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    SceneFactory,
    ShotFactory,
    UserFactory,
)

from .conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RENDER_TIMEOUT_MS = 120_000


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def long_shot(newcomer):
    project = ProjectFactory(title="Storm Season", aspect_ratio="16:9", fps=24)
    MembershipFactory(project=project, user=newcomer, role=Role.OWNER)
    scene = SceneFactory(project=project, position=0, title="Arrival")
    return ShotFactory(
        scene=scene,
        position=0,
        code="1A",
        duration=Decimal("10"),
        subject="The keeper",
        action="watches the storm roll in",
    )


def choose_long_small_take(page) -> None:
    form = page.locator("#generate-form")
    form.wait_for()
    assert form.locator("select[name=provider]").input_value() == "local"
    sizes = form.locator("select[name=size] option").evaluate_all("(os) => os.map((o) => o.value)")
    smallest = min(sizes, key=lambda s: int(s.split("x")[0]) * int(s.split("x")[1]))
    form.locator("select[name=size]").select_option(smallest)
    form.locator("select[name=seconds]").select_option("10")


def test_a_free_user_is_told_why_an_admin_raises_the_limit_and_the_take_goes_through(
    page, browser, live_server, celery_worker, newcomer, admin_user, long_shot
):
    sign_in(page, "newcomer")
    page.goto(long_shot.get_absolute_url())
    assert page.locator("#header-credits").inner_text().split()[0] == "100"

    # The cost preview already says why, before Generate is pressed…
    choose_long_small_take(page)
    estimate = page.locator("#credit-estimate")
    estimate.get_by_text("longer than the Free plan allows").wait_for()
    assert "≈ 10 credits" in estimate.inner_text()

    # …and pressing it anyway is refused with the same reason; nothing is queued.
    page.locator("#generate-form button[type=submit]").click()
    page.locator("#generate-form .form-errors").get_by_text(
        "A 10 s take is longer than the Free plan allows (8 s at most)."
    ).wait_for()
    assert not Take.objects.exists()

    # The admin changes the limit from the credit limits list: pick Pro, Save.
    admin_context = browser.new_context(base_url=live_server.url)
    admin = admin_context.new_page()
    admin.set_default_timeout(15_000)
    sign_in(admin, "admin")
    admin.goto("/admin/billing/subscription/")
    row = admin.locator("#result_list tr", has_text="newcomer")
    row.locator("select[name$='-plan']").select_option(label="Pro")
    admin.locator("input[name=_save]").click()
    admin.locator(".messagelist").wait_for()
    admin_context.close()
    assert Subscription.for_user(newcomer).plan.name == "Pro"
    # Pro's allowance is 2,000 a month: the difference is granted for the rest of this period.

    # The same request now goes through, and its credits are charged once.
    page.goto(long_shot.get_absolute_url())
    choose_long_small_take(page)
    page.locator("#credit-estimate .estimate-cost").wait_for()
    assert page.locator("#credit-estimate .estimate-problems").count() == 0
    page.locator("#generate-form button[type=submit]").click()
    page.wait_for_selector(".take-card .badge-succeeded", timeout=RENDER_TIMEOUT_MS)

    take = Take.objects.get(shot=long_shot)
    assert take.status == TakeStatus.SUCCEEDED and take.seconds == Decimal("10")
    captured = LedgerEntry.objects.filter(take=take, kind=EntryKind.CAPTURE)
    for _ in range(100):  # the worker settles the hold as it records the result
        if captured.exists():
            break
        time.sleep(0.1)
    assert captured.count() == 1
    account = Account.objects.get(user=newcomer)
    assert (account.available, account.held) == (1990, 0)
    page.goto("/billing/")
    assert page.locator("#credits-available").inner_text() == "1,990"
    assert page.locator("#header-credits").inner_text().split()[0] == "1,990"
    page.screenshot(path=SCREENSHOTS / "billing-credits.png", full_page=True)

    # The admin sees who spent what, on which provider, on the usage page.
    admin_context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    admin = admin_context.new_page()
    sign_in(admin, "admin")
    admin.goto("/billing/usage/")
    row = admin.locator("#usage-users tr", has_text="newcomer")
    assert "local animatic · 10" in row.inner_text()
    assert admin.locator("figure.chart svg rect").count() == 2  # one bar per chart today
    admin.screenshot(path=SCREENSHOTS / "billing-usage.png", full_page=True)
    admin_context.close()
