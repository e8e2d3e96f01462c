"""The header shows the signed-in user's available credits on every page (filled by the billing app)."""

from django.http import HttpRequest


def credits(request: HttpRequest) -> dict:
    return {}
