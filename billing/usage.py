"""The admin's usage report: who spent what, on which provider and model, day by day.

`build()` reads the ledger for one period; `stacked_bars()` turns daily series into the geometry
of a server-rendered SVG chart (templates/billing/_chart.html draws it). Spent = captured credits.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from .models import Account, EntryKind, LedgerEntry, Subscription

# Distinct on the dark theme and for the common colour blindnesses (Okabe-Ito, lightened).
PALETTE = ["#56b4e9", "#e69f00", "#009e73", "#f0e442", "#cc79a7", "#d55e00", "#0072b2", "#999999"]
MAX_SERIES = 7  # then "others"


@dataclass
class ModelUse:
    provider: str
    model: str
    spent: int
    takes: int


@dataclass
class UserUsage:
    username: str
    plan: str
    limit: str
    granted: int = 0
    spent: int = 0
    held: int = 0
    available: int = 0
    by_model: list[ModelUse] = field(default_factory=list)


@dataclass
class ProjectUse:
    title: str
    url: str
    spent: int
    takes: int


@dataclass
class Report:
    start: dt.datetime
    end: dt.datetime
    days: list[dt.date]
    users: list[UserUsage]
    daily_by_user: dict[str, dict[dt.date, int]]
    daily_by_provider: dict[str, dict[dt.date, int]]
    top_projects: list[ProjectUse]
    by_provider: list[tuple[str, int]]

    @property
    def total_spent(self) -> int:
        return sum(u.spent for u in self.users)

    @property
    def total_granted(self) -> int:
        return sum(u.granted for u in self.users)

    @property
    def total_held(self) -> int:
        return sum(u.held for u in self.users)


def build(start: dt.datetime, end: dt.datetime) -> Report:
    entries = LedgerEntry.objects.between(start, end)
    captures = entries.filter(kind=EntryKind.CAPTURE)
    plans = {s.user_id: s for s in Subscription.objects.select_related("plan")}
    users: dict[str, UserUsage] = {}
    for account in Account.objects.select_related("user").order_by("user__username"):
        subscription = plans.get(account.user_id)
        users[account.user.get_username()] = UserUsage(
            username=account.user.get_username(),
            plan=subscription.plan.name if subscription else "",
            limit=subscription.limit_summary if subscription else "",
            held=account.held,
            available=account.available,
        )
    granted = (
        entries.filter(
            Q(kind=EntryKind.GRANT) | Q(kind=EntryKind.ADJUSTMENT, available_delta__gt=0)
        )
        .values("account__user__username")
        .annotate(total=Sum("amount"))
    )
    for row in granted:
        users[row["account__user__username"]].granted = row["total"]
    by_model = (
        captures.values("account__user__username", "provider", "model")
        .annotate(total=Sum("amount"), takes=Count("id"))
        .order_by("account__user__username", "-total")
    )
    for row in by_model:
        user = users[row["account__user__username"]]
        user.spent += row["total"]
        user.by_model.append(ModelUse(row["provider"], row["model"], row["total"], row["takes"]))

    days = []
    day = timezone.localtime(start).date()
    while day < timezone.localtime(end).date():
        days.append(day)
        day += dt.timedelta(days=1)

    daily_by_user: dict[str, dict[dt.date, int]] = defaultdict(dict)
    daily_by_provider: dict[str, dict[dt.date, int]] = defaultdict(dict)
    daily = captures.annotate(day=TruncDate("created_at")).values(
        "day", "account__user__username", "provider"
    )
    for row in daily.annotate(total=Sum("amount")):
        by_user = daily_by_user[row["account__user__username"]]
        by_user[row["day"]] = by_user.get(row["day"], 0) + row["total"]
        by_provider = daily_by_provider[row["provider"] or "other"]
        by_provider[row["day"]] = by_provider.get(row["day"], 0) + row["total"]

    projects = (
        captures.exclude(project=None)
        .values("project", "project__title")
        .annotate(total=Sum("amount"), takes=Count("id"))
        .order_by("-total")[:10]
    )
    top_projects = [
        ProjectUse(
            row["project__title"],
            reverse("board", args=[row["project"]]),
            row["total"],
            row["takes"],
        )
        for row in projects
    ]
    by_provider = sorted(
        ((name, sum(series.values())) for name, series in daily_by_provider.items()),
        key=lambda item: -item[1],
    )
    rows = sorted(users.values(), key=lambda u: (-u.spent, -u.held, u.username))
    return Report(
        start,
        end,
        days,
        rows,
        dict(daily_by_user),
        dict(daily_by_provider),
        top_projects,
        by_provider,
    )


# --- The chart -----------------------------------------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    bottom: int
    bars: list[Bar]
    legend: list[tuple[str, str, int]]  # name, colour, total
    ticks: list[tuple[float, int]]  # y, value
    labels: list[tuple[float, str]]  # x, text
    empty: bool

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


def _nice_step(peak: int, ticks: int) -> int:
    """The smallest round gridline step (1, 2, 2.5, 5 x 10^n, whole credits) so that `ticks`
    steps reach the peak."""
    raw = max(peak / ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw and step == int(step):
            return int(step)
    return int(10 * magnitude)


def nice_axis(peak: int) -> tuple[int, int]:
    """(step, number of steps) for a y axis that ends close above the peak: 10 -> 2 x 5,
    87 -> 25 x 4, 1,240 -> 250 x 5."""
    options = [(_nice_step(peak, n) * n, n) for n in (4, 5)]
    axis, n = min(options)
    return axis // n, n


def stacked_bars(
    days: list[dt.date], series: dict[str, dict[dt.date, int]], width: int = 760, height: int = 240
) -> Chart:
    """One stacked bar per day, biggest series at the bottom, the smallest merged into "others"."""
    left, bottom, top = 48, 22, 8
    totals = sorted(((sum(s.values()), name) for name, s in series.items()), reverse=True)
    named = [name for _, name in totals[:MAX_SERIES]]
    merged: dict[str, dict[dt.date, int]] = {name: series[name] for name in named}
    if len(totals) > MAX_SERIES:
        others: dict[dt.date, int] = defaultdict(int)
        for _, name in totals[MAX_SERIES:]:
            for day, value in series[name].items():
                others[day] += value
        merged["others"] = dict(others)
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(merged)}
    peak = max((sum(merged[n].get(d, 0) for n in merged) for d in days), default=0)
    step_value, steps = nice_axis(peak)
    axis_max = step_value * steps
    plot_h = height - bottom - top
    slot = (width - left) / max(len(days), 1)
    bar_w = max(slot * 0.72, 1)
    bars: list[Bar] = []
    for i, day in enumerate(days):
        y = height - bottom
        for name in merged:
            value = merged[name].get(day, 0)
            if not value:
                continue
            h = value / axis_max * plot_h
            y -= h
            bars.append(
                Bar(
                    round(left + i * slot + (slot - bar_w) / 2, 1),
                    round(y, 1),
                    round(bar_w, 1),
                    round(h, 1),
                    colors[name],
                    f"{day:%-d %b} · {name}: {value:,} credits",
                )
            )
    ticks = [
        (round(height - bottom - plot_h * k / steps, 1), step_value * k) for k in range(steps + 1)
    ]
    step = 1 if len(days) <= 10 else 5
    labels = [
        (round(left + i * slot + slot / 2, 1), f"{day:%-d %b}" if i == 0 else f"{day:%-d}")
        for i, day in enumerate(days)
        if i % step == 0
    ]
    legend = [(name, colors[name], sum(merged[name].values())) for name in merged]
    return Chart(width, height, left, bottom, bars, legend, ticks, labels, empty=peak == 0)
