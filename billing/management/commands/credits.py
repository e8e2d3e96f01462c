"""Scripted administration of credits.

    manage.py credits show <username>                       plan=<name> available=<n> held=<n>
    manage.py credits grant <username> <n> --reason "<text>"   (negative n removes)
    manage.py credits limit <username> --monthly <n> | --stop | --unlimited | --plan [<slug>]

`--plan` alone puts the user back on their plan's limits (clears every override); `--plan pro`
also moves them to that plan. A raised allowance is granted at once for the current period.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing import ledger
from billing.models import Plan, Subscription


class Command(BaseCommand):
    help = "Show, grant and limit a user's credits."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="plan=<name> available=<n> held=<n>")
        show.add_argument("username")
        grant = sub.add_parser("grant", help="grant (or, negative, remove) credits with a reason")
        grant.add_argument("username")
        grant.add_argument("amount", type=int)
        grant.add_argument("--reason", required=True)
        limit = sub.add_parser("limit", help="override the plan for this user")
        limit.add_argument("username")
        choice = limit.add_mutually_exclusive_group(required=True)
        choice.add_argument(
            "--monthly", type=int, metavar="N", help="monthly allowance of N credits"
        )
        choice.add_argument("--stop", action="store_true", help="hard stop: no generation")
        choice.add_argument("--unlimited", action="store_true", help="never refused for credits")
        choice.add_argument(
            "--plan",
            nargs="?",
            const="",
            metavar="SLUG",
            help="back to the plan's limits (optionally moving to plan SLUG)",
        )

    def handle(self, *args, action: str, username: str, **options) -> None:
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.")
        if action == "grant":
            try:
                ledger.adjust(user, options["amount"], options["reason"])
            except ValidationError as error:
                raise CommandError(" ".join(error.messages))
        elif action == "limit":
            self._limit(user, options)
        balance = ledger.balance_for(user)
        self.stdout.write(
            f"plan={balance.plan.name} available={balance.available} held={balance.held}"
        )

    def _limit(self, user, options) -> None:
        subscription = Subscription.for_user(user)
        if options["monthly"] is not None:
            if options["monthly"] < 0:
                raise CommandError("--monthly must be 0 or more.")
            subscription.monthly_allowance = options["monthly"]
            subscription.hard_stop = subscription.unlimited = False
        elif options["stop"]:
            subscription.hard_stop = True
        elif options["unlimited"]:
            subscription.unlimited, subscription.hard_stop = True, False
        else:
            if options["plan"]:
                try:
                    subscription.plan = Plan.objects.get(slug=options["plan"])
                except Plan.DoesNotExist:
                    slugs = ", ".join(Plan.objects.values_list("slug", flat=True))
                    raise CommandError(f"No plan {options['plan']!r} (plans: {slugs}).")
            subscription.monthly_allowance = subscription.max_take_seconds = None
            subscription.hard_stop = subscription.unlimited = False
        subscription.save()
        ledger.top_up_allowance(subscription)
