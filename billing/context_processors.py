"""The header shows the signed-in user's available credits on every page."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest


class HeaderCredits:
    """Read only when the header renders it (one query, or a few for a brand-new user)."""

    def __init__(self, user) -> None:
        self.user = user

    @cached_property
    def balance(self):
        from . import ledger

        return ledger.balance_for(self.user)


def credits(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"header_credits": HeaderCredits(user)}
