"""Credits for every user, the cost preview next to Generate, and the admin's usage report."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.views.decorators.http import require_GET

from studio.access import get_project_for_user

from . import ledger, pricing, usage
from .models import LedgerEntry


def take_url(take) -> str:
    """Where a ledger entry's take lives: its shot's page, scrolled to the take."""
    if take is None:
        return ""
    try:
        return f"{take.shot.get_absolute_url()}#take-{take.pk}"
    except NoReverseMatch:
        return take.shot.project.get_absolute_url()


def _history(user):
    return (
        LedgerEntry.objects.for_user(user)
        .select_related("take__shot__project", "project")
        .order_by("-created_at", "-id")
    )


@login_required
@require_GET
def credits(request: HttpRequest) -> HttpResponse:
    balance = ledger.balance_for(request.user)
    page = Paginator(_history(request.user), 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.take_link = take_url(entry.take)
    return render(request, "billing/credits.html", {"balance": balance, "page": page})


def _csv_response(filename: str) -> tuple[HttpResponse, csv.writer]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)


def _cell(value) -> str:
    """Spreadsheet-safe text: a cell starting with = + - @ would run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_GET
def credits_csv(request: HttpRequest) -> HttpResponse:
    response, writer = _csv_response("credits.csv")
    writer.writerow(
        [
            "date",
            "kind",
            "credits",
            "available_change",
            "held_change",
            "provider",
            "model",
            "project",
            "take",
            "memo",
        ]
    )
    for entry in _history(request.user).iterator():
        writer.writerow(
            [
                entry.created_at.isoformat(),
                entry.kind,
                entry.amount,
                entry.available_delta,
                entry.held_delta,
                entry.provider,
                _cell(entry.model),
                _cell(entry.project.title if entry.project else ""),
                entry.take_id or "",
                _cell(entry.memo),
            ]
        )
    return response


@login_required
@require_GET
def header_credits(request: HttpRequest) -> HttpResponse:
    """The credits badge of the top bar, fetched again when the page says credits changed."""
    return render(request, "billing/_header_credits_badge.html")


@login_required
@require_GET
def credit_estimate(request: HttpRequest) -> HttpResponse:
    """The fragment next to Generate: "≈ 24 credits · 1,180 available", or why it is refused."""
    project, _ = get_project_for_user(request, request.GET.get("project", ""))
    context: dict = {"estimate": None, "problems": []}
    try:
        provider = request.GET.get("provider", "")
        model = request.GET.get("model", "")
        seconds = Decimal(request.GET.get("seconds") or "0")
        width, height = (int(n) for n in request.GET.get("size", "").lower().split("x"))
        count = max(1, min(int(request.GET.get("count") or 1), 20))
        audio = request.GET.get("audio") in ("1", "true", "on")
        fps = int(request.GET.get("fps") or 24)
    except (ValueError, InvalidOperation):
        context["problems"] = ["Choose a model, a size and a duration to see the cost."]
        return render(request, "billing/_credit_estimate.html", context)
    balance = ledger.balance_for(request.user)
    context["balance"] = balance
    try:
        each = pricing.quote(
            provider, model, seconds=seconds, width=width, height=height, fps=fps, audio=audio
        )
        context["estimate"] = each * count
        ledger.check_take_request(
            request.user,
            project=project,
            provider=provider,
            model=model,
            seconds=seconds,
            width=width,
            height=height,
            fps=fps,
            audio=audio,
            count=count,
        )
    except ValidationError as error:
        context["problems"] = error.messages
    return render(request, "billing/_credit_estimate.html", context)


def _month(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    now = timezone.localtime()
    try:
        year, month = (int(n) for n in request.GET.get("month", "").split("-"))
        start = now.replace(year=year, month=month, day=1)
    except ValueError:
        start = now.replace(day=1)
    start = start.replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


@staff_member_required
@require_GET
def usage_report(request: HttpRequest) -> HttpResponse:
    start, end = _month(request)
    report = usage.build(start, end)
    context = {
        "report": report,
        "by_user_chart": usage.stacked_bars(report.days, report.daily_by_user),
        "by_provider_chart": usage.stacked_bars(report.days, report.daily_by_provider),
        "previous": (start - dt.timedelta(days=1)).strftime("%Y-%m"),
        "next": end.strftime("%Y-%m"),
        "month": start.strftime("%Y-%m"),
    }
    return render(request, "billing/usage.html", context)


@staff_member_required
@require_GET
def usage_csv(request: HttpRequest) -> HttpResponse:
    start, end = _month(request)
    report = usage.build(start, end)
    response, writer = _csv_response(f"usage-{start:%Y-%m}.csv")
    writer.writerow(
        [
            "month",
            "username",
            "plan",
            "granted",
            "spent",
            "held_now",
            "available_now",
            "provider",
            "model",
            "spent_on_model",
        ]
    )
    for row in report.users:
        writer.writerow(
            [
                f"{start:%Y-%m}",
                _cell(row.username),
                row.plan,
                row.granted,
                row.spent,
                row.held,
                row.available,
                "",
                "",
                "",
            ]
        )
        for item in row.by_model:
            writer.writerow(
                [
                    f"{start:%Y-%m}",
                    _cell(row.username),
                    row.plan,
                    "",
                    "",
                    "",
                    "",
                    item.provider,
                    _cell(item.model),
                    item.spent,
                ]
            )
    return response
