"""Beat tasks: thin, safe to run twice, each a call into ledger.py."""

from __future__ import annotations

import logging

from celery import shared_task

from . import ledger

log = logging.getLogger(__name__)


@shared_task
def renew_subscriptions() -> int:
    """Grant each due subscription its allowance once and expire what does not roll over."""
    return ledger.renew_due_subscriptions()


@shared_task
def sweep_holds() -> dict:
    """Settle expired holds whose take is no longer running."""
    return ledger.sweep_holds()


@shared_task
def reconcile_ledger() -> int:
    """Report (never fix) any balance that drifted from its entries; the log names the account."""
    drifts = ledger.reconcile()
    if drifts:
        log.error("ledger reconciliation: %d difference(s)", len(drifts))
    return len(drifts)
