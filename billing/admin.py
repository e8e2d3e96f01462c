"""Billing in the Django admin: plans, the rate card, each user's limits, credits, the ledger.

A user's limit is changed in two clicks from "Credit limits" (one row per user, plan and
overrides editable in the list: change, Save) or from the Users list (tick, pick an action such
as "Move to the Pro plan"). Ledger entries are read-only: credits move only through ledger.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from . import ledger
from .models import Account, Hold, LedgerEntry, Plan, ProjectBudget, RateCard, Subscription

User = get_user_model()


def ensure_subscriptions() -> None:
    """Every user has a subscription row to edit (users who never signed in get the default)."""
    for user in User.objects.filter(subscription__isnull=True):
        ledger.account_for(user)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "monthly_allowance",
        "rollover",
        "rollover_cap",
        "max_resolution",
        "max_take_seconds",
        "max_concurrent_takes",
        "is_default",
        "position",
    ]
    list_editable = [
        "monthly_allowance",
        "max_resolution",
        "max_take_seconds",
        "max_concurrent_takes",
    ]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(RateCard)
class RateCardAdmin(admin.ModelAdmin):
    list_display = [
        "provider",
        "model",
        "tier",
        "credits_per_second",
        "high_fps_factor",
        "audio_factor",
    ]
    list_editable = ["credits_per_second", "high_fps_factor", "audio_factor"]
    list_filter = ["provider", "tier"]


class AdjustForm(forms.Form):
    amount = forms.IntegerField(help_text="Credits to grant; negative to remove.")
    reason = forms.CharField(max_length=300)


def _adjust_view(modeladmin, request: HttpRequest, users: list) -> object:
    """The intermediate page of "Grant or remove credits…": amount and reason, then one
    adjustment entry per user."""
    form = AdjustForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = 0
        for user in users:
            try:
                ledger.adjust(
                    user, form.cleaned_data["amount"], form.cleaned_data["reason"], by=request.user
                )
                done += 1
            except ValidationError as error:
                modeladmin.message_user(
                    request, f"{user}: {' '.join(error.messages)}", messages.ERROR
                )
        modeladmin.message_user(
            request, f"Adjusted the credits of {done} user(s).", messages.SUCCESS
        )
        return None
    return render(
        request,
        "billing/admin_adjust.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Grant or remove credits",
            "form": form,
            "users": users,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
        },
    )


def _top_up(request, subscriptions) -> None:
    """A raised allowance is granted at once for the current period (ledger.top_up_allowance)."""
    for subscription in subscriptions:
        ledger.top_up_allowance(subscription, by=request.user)


def _set_limit(modeladmin, request, users, **fields) -> None:
    for user in users:
        Subscription.for_user(user)
    Subscription.objects.filter(user__in=users).update(**fields)
    _top_up(request, Subscription.objects.filter(user__in=users))
    modeladmin.message_user(
        request, f"Updated the limits of {len(users)} user(s).", messages.SUCCESS
    )


def _move_to(plan: Plan):
    def action(modeladmin, request, queryset):
        users = _users(queryset)
        for user in users:
            Subscription.for_user(user)
        Subscription.objects.filter(user__in=users).update(plan=plan)
        _top_up(request, Subscription.objects.filter(user__in=users))
        modeladmin.message_user(
            request, f"Moved {len(users)} user(s) to the {plan.name} plan.", messages.SUCCESS
        )

    return (action, f"move_to_{plan.slug}", f"Move to the {plan.name} plan")


def _users(queryset: QuerySet) -> list:
    if queryset.model is Subscription:
        return [s.user for s in queryset.select_related("user")]
    return list(queryset)


class LimitActions:
    """Admin actions shared by the Users list and the Credit limits list."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        for plan in Plan.objects.all():
            action, name, description = _move_to(plan)
            actions[name] = (action, name, description)
        return actions

    @admin.action(description="Grant or remove credits…")
    def adjust_credits(self, request, queryset):
        return _adjust_view(self, request, _users(queryset))

    @admin.action(description="Hard stop: no generation")
    def hard_stop(self, request, queryset):
        _set_limit(self, request, _users(queryset), hard_stop=True)

    @admin.action(description="Lift the hard stop")
    def lift_hard_stop(self, request, queryset):
        _set_limit(self, request, _users(queryset), hard_stop=False)

    @admin.action(description="Unlimited credits")
    def make_unlimited(self, request, queryset):
        _set_limit(self, request, _users(queryset), unlimited=True)

    @admin.action(description="Back to the plan's limits (clear overrides)")
    def clear_overrides(self, request, queryset):
        _set_limit(
            self,
            request,
            _users(queryset),
            unlimited=False,
            hard_stop=False,
            monthly_allowance=None,
            max_take_seconds=None,
        )


class SubscriptionInline(admin.StackedInline):
    model = Subscription
    can_delete = False
    fields = [
        "plan",
        "status",
        "monthly_allowance",
        "max_take_seconds",
        "hard_stop",
        "unlimited",
        "note",
        "current_period_start",
        "current_period_end",
    ]
    readonly_fields = ["current_period_start", "current_period_end"]


class StudioUserAdmin(LimitActions, UserAdmin):
    """The Users list with each user's plan, credits and limit, and the limit actions."""

    list_display = [*UserAdmin.list_display, "plan", "credits", "limit"]
    list_select_related = ["subscription__plan", "credit_account"]
    actions = ["adjust_credits", "hard_stop", "lift_hard_stop", "make_unlimited", "clear_overrides"]
    inlines = [*UserAdmin.inlines, SubscriptionInline]

    def changelist_view(self, request, extra_context=None):
        ensure_subscriptions()
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        _top_up(request, Subscription.objects.filter(user=form.instance))

    @admin.display(description="Plan", ordering="subscription__plan__position")
    def plan(self, user) -> str:
        subscription = getattr(user, "subscription", None)
        return subscription.plan.name if subscription else "—"

    @admin.display(description="Available", ordering="credit_account__available")
    def credits(self, user) -> str:
        account = getattr(user, "credit_account", None)
        return f"{account.available:,}" if account else "—"

    @admin.display(description="Limit")
    def limit(self, user) -> str:
        subscription = getattr(user, "subscription", None)
        if subscription is None:
            return "—"
        url = reverse("admin:billing_subscription_change", args=[subscription.pk])
        return format_html('<a href="{}">{}</a>', url, subscription.limit_summary)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StudioUserAdmin)


@admin.register(Subscription)
class SubscriptionAdmin(LimitActions, admin.ModelAdmin):
    """ "Credit limits": one row per user; change the plan or an override in the list and Save."""

    list_display = [
        "user",
        "plan",
        "monthly_allowance",
        "max_take_seconds",
        "hard_stop",
        "unlimited",
        "available",
        "held",
        "current_period_end",
    ]
    list_editable = ["plan", "monthly_allowance", "max_take_seconds", "hard_stop", "unlimited"]
    list_filter = ["plan", "hard_stop", "unlimited"]
    list_select_related = ["user", "plan", "user__credit_account"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["user", "current_period_start", "current_period_end"]
    actions = ["adjust_credits", "hard_stop", "lift_hard_stop", "make_unlimited", "clear_overrides"]

    def changelist_view(self, request, extra_context=None):
        ensure_subscriptions()
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request) -> bool:
        return False  # every user has one (Subscription.for_user)

    def save_model(self, request, obj, form, change) -> None:
        """Also the list's inline edits (list_editable saves each changed row here)."""
        super().save_model(request, obj, form, change)
        _top_up(request, [obj])

    @admin.display(description="Available")
    def available(self, subscription) -> str:
        account = getattr(subscription.user, "credit_account", None)
        return f"{account.available:,}" if account else "—"

    @admin.display(description="Held")
    def held(self, subscription) -> str:
        account = getattr(subscription.user, "credit_account", None)
        return f"{account.held:,}" if account else "—"


@admin.register(ProjectBudget)
class ProjectBudgetAdmin(admin.ModelAdmin):
    list_display = ["project", "credits", "used", "note"]
    autocomplete_fields = ["project"]

    @admin.display(description="Held or spent")
    def used(self, budget) -> str:
        return f"{ledger.project_committed(budget.project):,}"


class ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "account",
        "kind",
        "amount",
        "available_delta",
        "held_delta",
        "provider",
        "model",
        "memo",
        "created_by",
    ]
    list_filter = ["kind", "provider"]
    search_fields = ["account__user__username", "idempotency_key", "memo"]
    date_hierarchy = "created_at"
    list_select_related = ["account__user", "created_by"]


@admin.register(Account)
class AccountAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "available", "held", "updated_at"]
    search_fields = ["user__username"]


@admin.register(Hold)
class HoldAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "account", "amount", "captured", "status", "reason", "expires_at"]
    list_filter = ["status"]
    search_fields = ["account__user__username"]
