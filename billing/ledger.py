"""TEMPORARY contract stub, replaced by the billing work (issue 4) in this same session.

The generation pipeline (shots/renders.py) calls exactly these functions:

    check_take_request(user, *, project, provider, model, seconds, width, height, fps, audio, count)
        raises django.core.exceptions.ValidationError naming the reason (plan limits, balance)
    hold_for_take(take)            inside request_take's transaction, before anything is queued
    capture_for_take(take)         when the take succeeds (idempotent)
    release_for_take(take, reason) when it fails, is canceled or times out (idempotent)
"""

from __future__ import annotations


def check_take_request(user, *, project, provider, model, seconds, width, height, fps, audio, count):
    return None


def hold_for_take(take) -> None:
    return None


def capture_for_take(take) -> None:
    return None


def release_for_take(take, reason: str = "") -> None:
    return None
