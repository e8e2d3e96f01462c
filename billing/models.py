"""Plans, subscriptions, the rate card and the credit ledger.

Money moves only through billing/ledger.py. The tables here hold:

- `Account`: the cached balance of one user (available, held), guarded by CHECK constraints;
- `Grant`: a bucket of credits with an optional expiry (monthly allowances, admin grants); holds
  consume the soonest-expiring bucket first;
- `Hold`: the credits set aside for one take, and how it ended (captured or released, once);
- `LedgerEntry`: the append-only journal. Every movement is one row with a unique idempotency
  key; the cached balance always equals the sum of the entries' deltas (reconcile checks it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone


def add_months(moment: dt.datetime, months: int = 1) -> dt.datetime:
    """The same day and time `months` later, clamped to the month's last day (31 Jan -> 28 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- Plans ---------------------------------------------------------------------------------------


class Rollover(models.TextChoices):
    EXPIRE = "expire", "Unused credits expire at period end"
    CAP = "cap", "Unused credits roll over, up to a cap"


RESOLUTION_TIERS: dict[str, int] = {"480p": 480, "720p": 720, "1080p": 1080, "2160p": 2160}


def resolution_tier(width: int, height: int) -> str:
    """A frame's tier by its short side: 1280x720 and 720x1280 are both 720p."""
    short = min(width, height)
    for tier, lines in RESOLUTION_TIERS.items():
        if short <= lines:
            return tier
    return "2160p"


class Plan(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists.")
    is_default = models.BooleanField(
        default=False, help_text="New users get this plan (exactly one plan should have it)."
    )
    monthly_allowance = models.PositiveIntegerField(help_text="Credits granted each period.")
    rollover = models.CharField(max_length=8, choices=Rollover.choices, default=Rollover.EXPIRE)
    rollover_cap = models.PositiveIntegerField(
        default=0, help_text="With rollover: the most unused credits carried into the next period."
    )
    max_resolution = models.PositiveIntegerField(
        default=720, help_text="Largest short side in pixels (720 = 1280x720 or 720x1280)."
    )
    max_take_seconds = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("8"))
    max_concurrent_takes = models.PositiveSmallIntegerField(default=1)
    allowed_providers = models.JSONField(
        default=list, blank=True, help_text='Provider names, e.g. ["local", "openai"]. Empty: all.'
    )
    allowed_models = models.JSONField(
        default=list,
        blank=True,
        help_text='"provider/model" pairs, e.g. ["openai/sora-2"]. Empty: every model of an '
        "allowed provider.",
    )

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_plan"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Plan:
        plan = (
            cls.objects.filter(is_default=True).first() or cls.objects.order_by("position").first()
        )
        if plan is None:  # the tables were emptied (a test flush): start again from the defaults
            from . import defaults

            defaults.seed(Plan, RateCard)
            plan = cls.objects.get(is_default=True)
        return plan

    def allows_provider(self, provider: str) -> bool:
        return not self.allowed_providers or provider in self.allowed_providers

    def allows_model(self, provider: str, model: str) -> bool:
        if not self.allows_provider(provider):
            return False
        if not self.allowed_models:
            return True
        return (
            f"{provider}/{model}" in self.allowed_models or f"{provider}/*" in self.allowed_models
        )


# --- Subscriptions -------------------------------------------------------------------------------


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELED = "canceled", "Canceled"


class Subscription(models.Model):
    """A user's plan, current period and the admin's overrides of the plan for this user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(
        max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField(db_index=True)

    # Admin overrides (blank: the plan decides).
    monthly_allowance = models.PositiveIntegerField(
        "monthly allowance override",
        null=True,
        blank=True,
        help_text="Credits per period for this user instead of the plan's.",
    )
    max_take_seconds = models.DecimalField(
        "max take seconds override", max_digits=6, decimal_places=2, null=True, blank=True
    )
    hard_stop = models.BooleanField(default=False, help_text="No generation at all.")
    unlimited = models.BooleanField(
        default=False, help_text="Never refused for lack of credits (usage is still recorded)."
    )
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = "credit limit"  # what admins change here: the plan and its overrides

    def __str__(self) -> str:
        return f"{self.user} on {self.plan}"

    @classmethod
    def for_user(cls, user) -> Subscription:
        """The user's subscription; a user who has none yet is put on the default (Free) plan.

        No signals: everything that needs a subscription asks for it here. The first allowance is
        granted by ledger.account_for(), which calls this.
        """
        try:
            return cls.objects.select_related("plan", "user").get(user=user)
        except cls.DoesNotExist:
            pass
        now = timezone.now()
        with transaction.atomic():
            subscription, _ = cls.objects.select_related("plan", "user").get_or_create(
                user=user,
                defaults={
                    "plan": Plan.default(),
                    "current_period_start": now,
                    "current_period_end": add_months(now),
                },
            )
        return subscription

    @property
    def allowance(self) -> int:
        if self.monthly_allowance is not None:
            return self.monthly_allowance
        return self.plan.monthly_allowance

    @property
    def take_seconds_limit(self) -> Decimal:
        if self.max_take_seconds is not None:
            return self.max_take_seconds
        return self.plan.max_take_seconds

    @property
    def limit_summary(self) -> str:
        if self.hard_stop:
            return "hard stop"
        if self.unlimited:
            return "unlimited"
        suffix = " (override)" if self.monthly_allowance is not None else ""
        return f"{self.allowance:,} / month{suffix}"


class ProjectBudget(models.Model):
    """An optional ceiling on the credits the takes of one project may use, across all users."""

    project = models.OneToOneField(
        "studio.Project", on_delete=models.CASCADE, related_name="credit_budget"
    )
    credits = models.PositiveIntegerField()
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.project}: {self.credits:,} credits"


# --- Pricing -------------------------------------------------------------------------------------


class RateCard(models.Model):
    """Credits per second of video for one provider and model at one resolution tier.

    A `*` model prices every model of the provider without its own row. A request is priced by
    the row of its tier or, failing that, the next tier up.
    """

    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=80, default="*")
    tier = models.CharField(
        max_length=8, choices=[(t, t) for t in RESOLUTION_TIERS], default="720p"
    )
    credits_per_second = models.DecimalField(max_digits=8, decimal_places=2)
    high_fps_factor = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.25"),
        help_text="Multiplier when the take runs above 24 fps.",
    )
    audio_factor = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text="Multiplier when the take has generated audio.",
    )

    class Meta:
        ordering = ["provider", "model", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "model", "tier"], name="one_rate_per_tier"),
            models.CheckConstraint(condition=Q(credits_per_second__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}/{self.model} {self.tier}: {self.credits_per_second}/s"

    def price(self, seconds: Decimal, fps: int, audio: bool) -> int:
        amount = Decimal(self.credits_per_second) * Decimal(seconds)
        if fps > 24:
            amount *= self.high_fps_factor
        if audio:
            amount *= self.audio_factor
        return max(1, math.ceil(amount))


# --- The ledger ----------------------------------------------------------------------------------


class Account(models.Model):
    """The cached balance of one user: sum of their entries, updated with each entry."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_account"
    )
    available = models.BigIntegerField(default=0)
    held = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(available__gte=0), name="account_available_not_negative"
            ),
            models.CheckConstraint(condition=Q(held__gte=0), name="account_held_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.available} available, {self.held} held"


class GrantQuerySet(models.QuerySet["Grant"]):
    def consumption_order(self) -> GrantQuerySet:
        """Soonest-expiring first; grants that never expire last."""
        return self.order_by(models.F("expires_at").asc(nulls_last=True), "created_at", "id")


class Grant(models.Model):
    """A bucket of credits: a period's allowance, a rollover or an admin grant."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="grants")
    amount = models.PositiveBigIntegerField()
    remaining = models.BigIntegerField()
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    expired = models.BooleanField(default=False)
    source = models.CharField(max_length=20)  # allowance, rollover, adjustment
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0), name="grant_remaining_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(remaining__lte=models.F("amount")),
                name="grant_remaining_at_most_amount",
            ),
        ]
        indexes = [models.Index(fields=["account", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.source} {self.remaining}/{self.amount}"


class HoldStatus(models.TextChoices):
    HELD = "held", "Held"
    CAPTURED = "captured", "Captured"
    RELEASED = "released", "Released"


class Hold(models.Model):
    """The credits set aside for one take. Ends captured or released, exactly once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="holds")
    take = models.OneToOneField(
        "shots.Take", null=True, blank=True, on_delete=models.SET_NULL, related_name="credit_hold"
    )
    project = models.ForeignKey(
        "studio.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # never looked up by project (the ledger entries are)
    )
    amount = models.PositiveBigIntegerField()
    captured = models.PositiveBigIntegerField(default=0)
    # {"<grant id>": credits} taken from each bucket: a release returns them where they came from.
    allocations = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=HoldStatus.choices, default=HoldStatus.HELD)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()  # found by the (status, expires_at) index
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(captured__lte=models.F("amount")), name="hold_capture_at_most_amount"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"hold {self.amount} ({self.status})"


class EntryKind(models.TextChoices):
    GRANT = "grant", "Grant"
    ADJUSTMENT = "adjustment", "Adjustment"
    HOLD = "hold", "Hold"
    CAPTURE = "capture", "Capture"
    RELEASE = "release", "Release"
    EXPIRY = "expiry", "Expiry"


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def for_user(self, user) -> LedgerEntryQuerySet:
        return self.filter(account__user=user)

    def between(self, start: dt.datetime, end: dt.datetime) -> LedgerEntryQuerySet:
        return self.filter(created_at__gte=start, created_at__lt=end)


class LedgerEntry(models.Model):
    """One movement of credits. Appended, never updated or deleted.

    `available_delta` and `held_delta` are what the entry did to the account's two balances:
    a hold moves credits from available to held, a capture spends held credits, a release moves
    them back. Spent credits are the captures.
    """

    # Every index costs each hold an insertion: only those the reads use. The account is the
    # first column of (account, created_at); the idempotency key's unique constraint needs no
    # LIKE index.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    amount = models.PositiveBigIntegerField(help_text="Credits moved (always positive).")
    available_delta = models.BigIntegerField()
    held_delta = models.BigIntegerField(default=0)
    idempotency_key = models.CharField(max_length=200)
    grant = models.ForeignKey(
        Grant, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    take = models.ForeignKey(
        "shots.Take",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="credit_entries",
    )
    project = models.ForeignKey(
        "studio.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=80, blank=True)
    memo = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["account", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.signed_amount:+d}"

    @property
    def signed_amount(self) -> int:
        """What the entry did to the user's balance (available + held); captures spend."""
        if self.kind == EntryKind.CAPTURE:
            return -self.amount
        return self.available_delta + self.held_delta
