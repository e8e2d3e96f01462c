"""The only door through which credits move.

The generation pipeline (shots/renders.py) calls:

    check_take_request(user, *, project, provider, model, seconds, width, height, fps, audio, count)
        raises ValidationError naming every reason the request is refused
    hold_for_take(take)            inside request_take's transaction, before anything is queued
    capture_for_take(take)         when the take succeeds (idempotent)
    release_for_take(take, reason) when it fails, is canceled or times out (idempotent)

Every movement appends one LedgerEntry with a unique idempotency key and changes the cached
Account row in the same transaction. Balances change only through `_move()`: one conditional
UPDATE that never takes either balance below zero (and CHECK constraints behind it), so two
requests racing for the last credits cannot both win. The account row is locked first by every
change to its grants, which serialises them per user without a table lock.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format

from . import pricing
from .models import (
    RESOLUTION_TIERS,
    Account,
    EntryKind,
    Grant,
    Hold,
    HoldStatus,
    LedgerEntry,
    Plan,
    ProjectBudget,
    RateCard,
    Rollover,
    Subscription,
    add_months,
    resolution_tier,
)
from .sql import (
    CONSUME_CTE,
    HOLD_CONTEXT,
    PREPARED_HOLD_AT_ONCE,
    PREPARED_HOLD_INSERT,
    lost_prepared_statement,
)

log = logging.getLogger(__name__)

HOLD_TTL = dt.timedelta(minutes=getattr(settings, "BILLING_HOLD_TTL_MINUTES", 60))


class InsufficientCredits(ValidationError):
    pass


# --- Accounts ------------------------------------------------------------------------------------


def account_for(user) -> Account:
    """The user's balance row. A new user gets the default plan and its first allowance;
    a subscription whose period has ended is renewed (the beat task usually got there first)."""
    subscription = Subscription.for_user(user)
    if subscription.current_period_end <= timezone.now():
        renew_subscription(subscription.pk)
    account = Account.objects.filter(user=user).first()
    if account is not None:
        return account
    with transaction.atomic():
        account, created = Account.objects.get_or_create(user=user)
        if created:
            _grant_allowance(account, subscription)
            account.refresh_from_db()
    return account


def _grant_allowance(account: Account, subscription: Subscription) -> None:
    start = subscription.current_period_start
    grant(
        account,
        subscription.allowance,
        source="allowance",
        expires_at=subscription.current_period_end,
        key=f"allowance:sub:{subscription.pk}:{start.isoformat()}",
        memo=f"{subscription.plan.name} allowance until {_day(subscription.current_period_end)}",
    )


@dataclass(frozen=True)
class Balance:
    plan: Plan
    subscription: Subscription
    available: int
    held: int

    @property
    def total(self) -> int:
        return self.available + self.held


def balance_for(user) -> Balance:
    """Plan, subscription and balance: one query in the usual case (the header on every page)."""
    subscription = (
        Subscription.objects.select_related("plan", "user__credit_account")
        .filter(user=user)
        .first()
    )
    account = getattr(subscription.user, "credit_account", None) if subscription else None
    if account is None or subscription.current_period_end <= timezone.now():
        account = account_for(user)
        subscription = Subscription.for_user(user)  # after account_for: a renewal moves the period
    return Balance(subscription.plan, subscription, account.available, account.held)


# --- Moving credits ------------------------------------------------------------------------------


def _move(account_id: int, available: int = 0, held: int = 0) -> bool:
    """Change the cached balance by the deltas unless either would go below zero. Locks the row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_account SET available = available + %s, held = held + %s, "
            "updated_at = CURRENT_TIMESTAMP "
            "WHERE id = %s AND available + %s >= 0 AND held + %s >= 0",
            [available, held, account_id, available, held],
        )
        return cursor.rowcount == 1


def _entry(account_id: int, kind: str, amount: int, available: int, held: int, key: str, **fields):
    return LedgerEntry.objects.create(
        account_id=account_id,
        kind=kind,
        amount=amount,
        available_delta=available,
        held_delta=held,
        idempotency_key=key,
        **fields,
    )


def _already(key: str) -> bool:
    return LedgerEntry.objects.filter(idempotency_key=key).exists()


@transaction.atomic
def grant(
    account: Account,
    amount: int,
    *,
    source: str,
    key: str,
    expires_at: dt.datetime | None = None,
    memo: str = "",
    kind: str = EntryKind.GRANT,
    by=None,
) -> LedgerEntry | None:
    """Add a bucket of credits. Returns None if the key was already used (nothing happens)."""
    if amount <= 0 or _already(key):
        return None
    _move(account.pk, available=amount)
    bucket = Grant.objects.create(
        account_id=account.pk, amount=amount, remaining=amount, expires_at=expires_at, source=source
    )
    return _entry(account.pk, kind, amount, amount, 0, key, grant=bucket, memo=memo, created_by=by)


def _on_postgresql() -> bool:
    """The hot path is a few PostgreSQL statements; the embedded default (SQLite) takes the same
    steps through the ORM, inside the same transaction and after the same conditional UPDATE."""
    return connection.vendor == "postgresql"


def _consume(account_id: int, amount: int) -> dict[str, int]:
    """Take `amount` from the account's buckets (see CONSUME_CTE); {"<grant id>": credits}."""
    if not _on_postgresql():
        return _allocations(account_id, amount, _consume_bucket_by_bucket(account_id, amount))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {CONSUME_CTE} SELECT id, part FROM consumed",  # noqa: S608 - constants only
            {"account": account_id, "amount": amount},
        )
        return _allocations(account_id, amount, dict(cursor.fetchall()))


def _consume_bucket_by_bucket(account_id: int, amount: int) -> dict[int, int]:
    """CONSUME_CTE through the ORM: the same order, the same parts."""
    taken: dict[int, int] = {}
    buckets = Grant.objects.filter(account_id=account_id, remaining__gt=0, expired=False).order_by(
        F("expires_at").asc(nulls_last=True), "created_at", "id"
    )
    for bucket in buckets:
        part = min(bucket.remaining, amount - sum(taken.values()))
        if part <= 0:
            break
        Grant.objects.filter(pk=bucket.pk).update(remaining=F("remaining") - part)
        taken[bucket.pk] = part
    return taken


def _allocations(account_id: int, amount: int, taken: dict | str | None) -> dict[str, int]:
    if isinstance(taken, str):
        taken = json.loads(taken)
    allocations = {str(bucket): int(part) for bucket, part in (taken or {}).items()}
    left = amount - sum(allocations.values())
    if left:  # the buckets and the cached balance disagree: reconcile will name the account
        log.error("account %s: buckets short by %s credits", account_id, left)
        allocations["unallocated"] = left
    return allocations


def _restore(account_id: int, allocations: dict[str, int], amount: int, key: str, **fields) -> None:
    """Return `amount` of a hold's credits to the buckets they came from, latest-expiring first.

    Credits whose bucket has already expired expire again at once (one expiry entry): a refund
    never revives credits the plan did not roll over.
    """
    ids = [int(k) for k in allocations if k != "unallocated"]
    buckets = {b.pk: b for b in Grant.objects.filter(pk__in=ids)}
    order = sorted(
        buckets.values(),
        key=lambda b: (b.expires_at is None, b.expires_at or timezone.now(), b.pk),
        reverse=True,
    )
    left, lapsed = amount, 0
    for bucket in order:
        if left == 0:
            break
        part = min(left, allocations[str(bucket.pk)])
        left -= part
        if bucket.expired:
            lapsed += part
        else:
            Grant.objects.filter(pk=bucket.pk).update(remaining=F("remaining") + part)
    if left:  # unallocated credits go to a bucket that never expires
        Grant.objects.create(account_id=account_id, amount=left, remaining=left, source="refund")
    if lapsed:
        _move(account_id, available=-lapsed)
        _entry(
            account_id,
            EntryKind.EXPIRY,
            lapsed,
            -lapsed,
            0,
            f"expiry:{key}",
            memo="Refunded credits of an allowance that had already expired",
            **fields,
        )


@transaction.atomic
def adjust(
    user, amount: int, reason: str, *, by=None, key: str | None = None
) -> LedgerEntry | None:
    """An administrator grants (amount > 0) or removes (amount < 0) credits, with a reason."""
    if not reason.strip():
        raise ValidationError("Say why: an adjustment needs a reason.")
    if amount == 0:
        raise ValidationError("An adjustment must move at least one credit.")
    account = account_for(user)
    key = key or f"adjustment:{account.pk}:{timezone.now().isoformat()}:{amount}"
    if amount > 0:
        return grant(
            account,
            amount,
            source="adjustment",
            key=key,
            memo=reason,
            kind=EntryKind.ADJUSTMENT,
            by=by,
        )
    if _already(key):
        return None
    if not _move(account.pk, available=amount):
        available = Account.objects.get(pk=account.pk).available
        raise ValidationError(
            f"Cannot remove {-amount:,} credits: {user} has only {available:,} available."
        )
    _consume(account.pk, -amount)
    return _entry(
        account.pk, EntryKind.ADJUSTMENT, -amount, amount, 0, key, memo=reason, created_by=by
    )


# --- Takes ---------------------------------------------------------------------------------------


def _next_allowance(subscription: Subscription) -> str:
    return _next_allowance_on(subscription.allowance, subscription.current_period_end)


def _next_allowance_on(allowance: int, period_end: dt.datetime) -> str:
    if allowance == 0:
        return "Your plan has no monthly allowance; ask an administrator for credits."
    return f"Your next allowance of {allowance:,} credits comes on {_day(period_end)}."


def _day(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def project_committed(project) -> int:
    """Credits the project's takes have held or spent (holds minus releases)."""
    total = LedgerEntry.objects.filter(
        project_id=getattr(project, "pk", project), kind__in=[EntryKind.HOLD, EntryKind.RELEASE]
    ).aggregate(total=Sum("available_delta"))["total"]
    return -(total or 0)


def _seconds(value) -> str:
    value = Decimal(str(value)).normalize()
    return f"{value:f}"


def check_take_request(
    user, *, project, provider, model, seconds, width, height, fps=24, audio=False, count=1
) -> int:
    """Refuse a take request the user's plan or balance does not allow; else return its estimate.

    Raises ValidationError with one message per reason, each saying what to do about it.
    """
    from shots.models import ACTIVE_STATUSES, Take

    subscription = Subscription.for_user(user)
    account = account_for(user)
    plan = subscription.plan
    if subscription.hard_stop:
        raise ValidationError(
            "Generation is switched off for your account (hard stop set by an administrator)."
        )
    if subscription.status != "active":
        raise ValidationError(f"Your {plan.name} subscription is {subscription.status}.")

    problems: list[str] = []
    if not plan.allows_provider(provider):
        problems.append(f"The {plan.name} plan does not include the {provider} provider.")
    elif not plan.allows_model(provider, model):
        problems.append(f"The {plan.name} plan does not include {provider} {model}.")
    short_side = min(int(width), int(height))
    if short_side > plan.max_resolution:
        problems.append(
            f"{width}x{height} is above the {plan.name} plan's maximum resolution "
            f"({plan.max_resolution}p)."
        )
    limit = subscription.take_seconds_limit
    if Decimal(str(seconds)) > limit:
        problems.append(
            f"A {_seconds(seconds)} s take is longer than the {plan.name} plan allows "
            f"({_seconds(limit)} s at most)."
        )
    active = Take.objects.filter(requested_by=user, status__in=ACTIVE_STATUSES).count()
    if count > plan.max_concurrent_takes:
        problems.append(
            f"The {plan.name} plan runs {plan.max_concurrent_takes} take"
            f"{'s' if plan.max_concurrent_takes != 1 else ''} at a time: ask for fewer at once."
        )
    elif active + count > plan.max_concurrent_takes:
        problems.append(
            f"You have {active} take{'s' if active != 1 else ''} in progress; the {plan.name} plan "
            f"runs {plan.max_concurrent_takes} at a time. Wait for one to finish."
        )
    if problems:
        raise ValidationError(problems)

    each = pricing.quote(
        provider, model, seconds=seconds, width=width, height=height, fps=fps, audio=audio
    )
    estimate = each * count
    budget = ProjectBudget.objects.filter(project=project).first() if project is not None else None
    if budget is not None:
        left = max(0, budget.credits - project_committed(project))
        if estimate > left:
            problems.append(
                f"This needs {estimate:,} credits but the project “{project}” has {left:,} "
                f"of its {budget.credits:,}-credit budget left."
            )
    if not subscription.unlimited and estimate > account.available:
        problems.append(
            f"This needs {estimate:,} credits but you have {account.available:,} available. "
            + _next_allowance(subscription)
        )
    if problems:
        raise ValidationError(problems)
    return estimate


def hold_for_take(take) -> Hold:
    """Set aside the take's estimate from its requester's balance (idempotent per take).

    Raises ValidationError (and writes nothing) if the balance, a hard stop or the project's
    budget does not allow it, so the caller's transaction rolls back and nothing is queued.
    This is the hot path of every take request: on PostgreSQL one prepared statement
    (HOLD_AT_ONCE), the balance changed by one conditional UPDATE inside it.
    """
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _hold(take)
        except IntegrityError:  # the take already has its hold (the unique take and key said so)
            existing = Hold.objects.filter(take_id=take.pk).first()
            if existing is None:
                raise
            return existing
        except ProgrammingError as error:
            if attempt == 2 or not lost_prepared_statement(error):
                raise
            PREPARED_HOLD_AT_ONCE.forget()  # deallocated behind our back: prepare them again
            PREPARED_HOLD_INSERT.forget()
    raise AssertionError("unreachable")


# The tiers a take of each tier may be priced at: its own, then the ones above it.
_TIERS_FROM = {tier: list(RESOLUTION_TIERS)[i:] for i, tier in enumerate(RESOLUTION_TIERS)}


@dataclass(frozen=True)
class _HoldContext:
    account_id: int
    hard_stop: bool
    unlimited: bool
    period_end: dt.datetime
    budget: int | None
    rate: RateCard | None


def _rate(credits_per_second, high_fps_factor, audio_factor) -> RateCard | None:
    if credits_per_second is None:
        return None
    return RateCard(
        credits_per_second=credits_per_second,
        high_fps_factor=high_fps_factor,
        audio_factor=audio_factor,
    )


def _context_params(take) -> dict:
    return {
        "user": take.requested_by_id,
        "project": take.shot.project_id,
        "provider": take.provider,
        "model": take.model,
        "tiers": _TIERS_FROM[resolution_tier(take.width, take.height)],
    }


def _hold_context(take) -> _HoldContext:
    if not _on_postgresql():
        return _hold_context_through_the_orm(take)
    params = _context_params(take)
    for attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(HOLD_CONTEXT, params)
            row = cursor.fetchone()
        if row is not None and row[3] > timezone.now():
            break
        if attempt == 0:  # a new user or an ended period: the slow path sets it up, then again
            account_for(take.requested_by)
    else:  # pragma: no cover - account_for always leaves a row behind
        raise RuntimeError(f"no billing account for user {take.requested_by_id}")
    return _HoldContext(row[0], row[1], row[2], row[3], row[4], _rate(*row[5:8]))


def _hold_context_through_the_orm(take) -> _HoldContext:
    """HOLD_CONTEXT on databases other than PostgreSQL."""
    account = account_for(take.requested_by)
    subscription = Subscription.for_user(take.requested_by)
    budget = (
        ProjectBudget.objects.filter(project_id=take.shot.project_id)
        .values_list("credits", flat=True)
        .first()
    )
    rate = pricing.rate_for(take.provider, take.model, take.width, take.height)
    return _HoldContext(
        account.pk,
        subscription.hard_stop,
        subscription.unlimited,
        subscription.current_period_end,
        budget,
        rate,
    )


def _hold_at_once(take, project_id: UUID, key: str, memo: str) -> Hold | _HoldContext | None:
    """HOLD_AT_ONCE: the hold, or the context for `_hold` to go on with (None: set it up first).

    Refuses at once, as `_hold` would, a request that only lacks credits."""
    now = timezone.now()
    params = _context_params(take)
    params.update(
        take=take.pk,
        seconds=Decimal(take.seconds),
        fps=take.fps,
        audio=bool(take.audio),
        now=now,
        expires=now + HOLD_TTL,
        key=key,
        memo=memo,
    )
    row = PREPARED_HOLD_AT_ONCE.fetchone(params)
    if row is None or row[3] <= now:  # a new user or an ended period
        return None
    account_id, amount, hold_id = row[0], row[10], row[12]
    if hold_id is not None:
        hold = Hold(
            pk=hold_id,
            account_id=account_id,
            take_id=take.pk,
            project_id=project_id,
            amount=amount,
            created_at=now,
            expires_at=params["expires"],
        )
        hold.allocations = _allocations(account_id, amount, row[13])
        return hold
    context = _HoldContext(*row[:5], _rate(*row[5:8]))
    if context.hard_stop or context.rate is None or context.budget is not None:
        return context  # `_hold` says why, or weighs the budget, as it always has
    available, allowance, existing = row[8], row[9], row[11]
    if existing is not None:  # asked again: still idempotent
        return Hold.objects.get(pk=existing)
    if amount > available and not context.unlimited:
        raise InsufficientCredits(
            f"This take needs {amount:,} credits but you have {available:,} available. "
            + _next_allowance_on(allowance, context.period_end)
        )
    return context  # unlimited and short, or the account changed under us: step by step


def _hold(take) -> Hold:
    project_id = take.shot.project_id
    key = f"hold:take:{take.pk}"
    memo = describe_request(take.provider, take.model, take.seconds, take.width, take.height)
    context = None
    if _on_postgresql():
        outcome = _hold_at_once(take, project_id, key, memo)
        if isinstance(outcome, Hold):
            return outcome
        context = outcome
    if context is None:
        context = _hold_context(take)
    account_id = context.account_id
    if context.hard_stop:
        raise ValidationError("Generation is switched off for your account (hard stop).")
    if context.rate is not None:
        amount = context.rate.price(take.seconds, take.fps, take.audio)
    else:
        amount = pricing.quote_take(take)  # says there is no price (or re-seeds an empty card)
    if context.budget is not None and project_committed(project_id) + amount > context.budget:
        raise ValidationError(
            f"The project “{take.shot.project}” has used its {context.budget:,}-credit budget."
        )
    if not _move(account_id, available=-amount, held=amount):
        existing = Hold.objects.filter(take_id=take.pk).first()
        if existing is not None:  # asked again after the balance ran out: still idempotent
            return existing
        if not context.unlimited:
            available = Account.objects.get(pk=account_id).available
            raise InsufficientCredits(
                f"This take needs {amount:,} credits but you have {available:,} available. "
                + _next_allowance(Subscription.for_user(take.requested_by))
            )
        # Unlimited: top up the shortfall with a recorded adjustment, then hold as usual.
        account = Account.objects.select_for_update().get(pk=account_id)
        grant(
            account,
            amount - account.available,
            source="unlimited",
            kind=EntryKind.ADJUSTMENT,
            key=f"unlimited:take:{take.pk}",
            memo="Unlimited account: covers the take's hold",
        )
        _move(account_id, available=-amount, held=amount)
    now = timezone.now()
    hold = Hold(
        account_id=account_id,
        take_id=take.pk,
        project_id=project_id,
        amount=amount,
        created_at=now,
        expires_at=now + HOLD_TTL,
    )
    if not _on_postgresql():
        hold.allocations = _consume(account_id, amount)
        hold.save(force_insert=True)
        _entry(
            account_id,
            EntryKind.HOLD,
            amount,
            -amount,
            amount,
            key,
            take_id=take.pk,
            project_id=project_id,
            provider=take.provider,
            model=take.model,
            memo=memo,
        )
        return hold
    hold.pk, taken = PREPARED_HOLD_INSERT.fetchone(
        {
            "account": account_id,
            "amount": amount,
            "take": take.pk,
            "project": project_id,
            "now": now,
            "expires": hold.expires_at,
            "key": key,
            "provider": take.provider,
            "model": take.model,
            "memo": memo,
        }
    )
    hold.allocations = _allocations(account_id, amount, taken)
    return hold


def _settle(hold: Hold, status: str, captured: int, reason: str) -> bool:
    """Claim the hold for one ending (captured or released). Only the first caller wins."""
    return (
        Hold.objects.filter(pk=hold.pk, status=HoldStatus.HELD).update(
            status=status, captured=captured, reason=reason[:200], settled_at=timezone.now()
        )
        == 1
    )


def _take_fields(hold: Hold, take) -> dict:
    return {
        "take_id": hold.take_id,
        "project_id": hold.project_id,
        "provider": getattr(take, "provider", ""),
        "model": getattr(take, "model", ""),
    }


def capture_for_take(take) -> int:
    """Charge a succeeded take its actual cost, never more than its hold; release the rest.

    Returns the credits charged (0 if there was nothing to capture: no hold, or already settled).
    """
    hold = Hold.objects.filter(take_id=take.pk).first()
    if hold is None or hold.status != HoldStatus.HELD:
        return 0
    cost = hold.amount
    # The stored duration: the caller's copy of the take may predate the result being recorded.
    duration = type(take).objects.filter(pk=take.pk).values_list("duration", flat=True).first()
    duration = duration if duration is not None else take.duration
    if duration:
        actual = min(Decimal(str(duration)), Decimal(take.seconds))
        try:
            cost = min(hold.amount, pricing.quote_take(take, seconds=actual))
        except ValidationError:  # the rate card row went away: charge what was held
            cost = hold.amount
    return _capture(hold, cost, take)


@transaction.atomic
def _capture(hold: Hold, cost: int, take=None) -> int:
    if not _settle(hold, HoldStatus.CAPTURED, cost, "succeeded"):
        return 0
    rest = hold.amount - cost
    _move(hold.account_id, available=rest, held=-hold.amount)
    fields = _take_fields(hold, take)
    _entry(
        hold.account_id,
        EntryKind.CAPTURE,
        cost,
        0,
        -cost,
        f"capture:take:{hold.take_id or hold.pk}",
        memo="Take succeeded",
        **fields,
    )
    if rest:
        key = f"release:take:{hold.take_id or hold.pk}"
        _entry(
            hold.account_id,
            EntryKind.RELEASE,
            rest,
            rest,
            -rest,
            key,
            memo="Shorter than requested: the rest of the hold returned",
            **fields,
        )
        _restore(hold.account_id, hold.allocations, rest, key, **fields)
    return cost


def release_for_take(take, reason: str = "") -> int:
    """Give back a failed, canceled or timed-out take's hold in full. Returns credits released."""
    hold = Hold.objects.filter(take_id=take.pk).first()
    if hold is None or hold.status != HoldStatus.HELD:
        return 0
    return _release(hold, reason or "released", take)


@transaction.atomic
def _release(hold: Hold, reason: str, take=None) -> int:
    if not _settle(hold, HoldStatus.RELEASED, 0, reason):
        return 0
    _move(hold.account_id, available=hold.amount, held=-hold.amount)
    fields = _take_fields(hold, take)
    key = f"release:take:{hold.take_id or hold.pk}"
    _entry(
        hold.account_id,
        EntryKind.RELEASE,
        hold.amount,
        hold.amount,
        -hold.amount,
        key,
        memo=f"Refunded: {reason}"[:300],
        **fields,
    )
    _restore(hold.account_id, hold.allocations, hold.amount, key, **fields)
    return hold.amount


def sweep_holds(now: dt.datetime | None = None) -> dict[str, int]:
    """Settle expired holds whose take is no longer running: succeeded takes are captured (the
    pipeline missed it), anything else is released. Holds of takes still running are left alone:
    their take's own timeout ends them."""
    from shots.models import ACTIVE_STATUSES, TakeStatus

    now = now or timezone.now()
    counts = {"captured": 0, "released": 0, "running": 0}
    expired = Hold.objects.filter(status=HoldStatus.HELD, expires_at__lte=now).select_related(
        "take"
    )
    for hold in expired:
        take = hold.take
        if take is not None and take.status in ACTIVE_STATUSES:
            counts["running"] += 1
        elif take is not None and take.status == TakeStatus.SUCCEEDED:
            counts["captured"] += bool(capture_for_take(take))
        else:
            counts["released"] += bool(
                _release(hold, "hold expired: the take is no longer running", take)
            )
    return counts


# --- Periods -------------------------------------------------------------------------------------


def renew_due_subscriptions(now: dt.datetime | None = None) -> int:
    """Renew every subscription whose period has ended. Safe to run twice at once."""
    now = now or timezone.now()
    due = Subscription.objects.filter(current_period_end__lte=now).values_list("pk", flat=True)
    return sum(renew_subscription(pk, now) for pk in list(due))


@transaction.atomic
def top_up_allowance(subscription: Subscription, *, by=None) -> int:
    """After an admin raises a user's allowance (a bigger plan, a higher override), grant the
    difference for the current period now, expiring with it. Lowering it waits for the next
    period: credits already granted are not taken back. Returns the credits granted (once per
    new allowance: the key names it)."""
    subscription = Subscription.objects.select_related("plan").get(pk=subscription.pk)
    account = account_for(subscription.user)
    granted = (
        Grant.objects.filter(
            account=account, source="allowance", expires_at=subscription.current_period_end
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    missing = subscription.allowance - granted
    if missing <= 0:
        return 0
    start = subscription.current_period_start.isoformat()
    entry = grant(
        account,
        missing,
        source="allowance",
        expires_at=subscription.current_period_end,
        key=f"allowance:sub:{subscription.pk}:{start}:to:{subscription.allowance}",
        memo=f"Allowance raised to {subscription.allowance:,} ({subscription.plan.name}) "
        f"until {_day(subscription.current_period_end)}",
        by=by,
    )
    return missing if entry else 0


@transaction.atomic
def renew_subscription(subscription_id: int, now: dt.datetime | None = None) -> bool:
    """Start the subscription's next period: expire what the plan does not roll over, carry what
    it does (up to its cap), grant the allowance. Exactly once per period: the subscription row
    is locked and re-read, and every entry's key names the period. Holds are untouched: credits
    in flight stay held across the boundary."""
    now = now or timezone.now()
    subscription = (
        Subscription.objects.select_for_update().select_related("plan").get(pk=subscription_id)
    )
    if subscription.current_period_end > now:
        return False  # another run got here first
    boundary = subscription.current_period_end
    start, end = boundary, add_months(boundary)
    while end <= now:  # the beat was down for a while: jump to the period that contains now
        start, end = end, add_months(end)

    account, _ = Account.objects.get_or_create(user_id=subscription.user_id)
    _move(account.pk)  # lock the balance row before touching its buckets
    # The earlier periods' allowances (and rollovers) end here, whatever their recorded expiry
    # says (an admin may have moved the period); any other bucket ends at its own expiry.
    lapsing = list(
        Grant.objects.filter(account=account, expired=False)
        .filter(Q(source__in=["allowance", "rollover"]) | Q(expires_at__lte=start))
        .select_for_update()
    )
    unused = sum(b.remaining for b in lapsing)
    carry = 0
    if subscription.plan.rollover == Rollover.CAP:
        carry = min(unused, subscription.plan.rollover_cap)
    for bucket in lapsing:
        Grant.objects.filter(pk=bucket.pk).update(remaining=0, expired=True)
        if bucket.remaining:
            _move(account.pk, available=-bucket.remaining)
            _entry(
                account.pk,
                EntryKind.EXPIRY,
                bucket.remaining,
                -bucket.remaining,
                0,
                f"expiry:grant:{bucket.pk}",
                grant_id=bucket.pk,
                memo=f"Unused {bucket.source} expired at period end",
            )
    subscription.current_period_start, subscription.current_period_end = start, end
    subscription.save(update_fields=["current_period_start", "current_period_end", "updated_at"])
    if carry:
        grant(
            account,
            carry,
            source="rollover",
            expires_at=end,
            key=f"rollover:sub:{subscription.pk}:{start.isoformat()}",
            memo=f"Rolled over from the period ending {_day(boundary)}",
        )
    _grant_allowance(account, subscription)
    return True


# --- Reconciliation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    username: str
    account_id: int
    field: str
    cached: int
    computed: int

    def __str__(self) -> str:
        return (
            f"account {self.account_id} ({self.username}): {self.field} is {self.cached} "
            f"but the entries add up to {self.computed} (drift {self.cached - self.computed:+d})"
        )


def reconcile() -> list[Drift]:
    """Recompute every balance from the entries (and the buckets, and the open holds) and
    report each difference. Changes nothing: fixing drift is a decision for a person."""
    sums = {
        row["account"]: row
        for row in LedgerEntry.objects.values("account").annotate(
            available=Sum("available_delta"), held=Sum("held_delta")
        )
    }
    buckets = {
        row["account"]: row["left"]
        for row in Grant.objects.filter(expired=False)
        .values("account")
        .annotate(left=Sum("remaining"))
    }
    open_holds = {
        row["account"]: row["held"]
        for row in Hold.objects.filter(status=HoldStatus.HELD)
        .values("account")
        .annotate(held=Sum("amount"))
    }
    drifts = []
    for account in Account.objects.select_related("user").order_by("pk"):
        row = sums.get(account.pk, {})
        checks = [
            ("available", account.available, row.get("available") or 0),
            ("held", account.held, row.get("held") or 0),
            ("available (buckets)", account.available, buckets.get(account.pk) or 0),
            ("held (open holds)", account.held, open_holds.get(account.pk) or 0),
        ]
        for field, cached, computed in checks:
            if cached != computed:
                drifts.append(
                    Drift(account.user.get_username(), account.pk, field, cached, computed)
                )
    for drift in drifts:
        log.error("ledger drift: %s", drift)
    return drifts


def describe_request(provider: str, model: str, seconds, width: int, height: int) -> str:
    tier = resolution_tier(width, height)
    return f"{provider} {model}, {_seconds(seconds)} s at {width}x{height} ({tier})"
