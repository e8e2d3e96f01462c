"""Recompute every balance from the ledger and report drift, naming the account.

Changes nothing. Exits with status 1 when any account drifts, so cron and CI notice.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from billing import ledger


class Command(BaseCommand):
    help = "Check every cached balance against the sum of its ledger entries (read-only)."

    def handle(self, *args, **options) -> None:
        drifts = ledger.reconcile()
        for drift in drifts:
            self.stderr.write(f"DRIFT {drift}")
        if drifts:
            self.stderr.write(f"{len(drifts)} difference(s) found; nothing was changed.")
            sys.exit(1)
        self.stdout.write("All balances match their ledger entries.")
