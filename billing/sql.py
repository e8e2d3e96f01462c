"""The SQL of the credit ledger's hot path on PostgreSQL, and the statements it prepares.

billing/ledger.py decides; these statements do a hold's work in as few round trips as possible.
Every value is a query parameter; the text is built from constants only. The portable path for
other databases (the embedded SQLite default) is in ledger.py, through the ORM.
"""

from __future__ import annotations

import re
import weakref

from django.db import ProgrammingError, connection


def consume_cte(account: str, amount: str) -> str:
    """Take `amount` credits from the account's buckets, soonest-expiring first (never-expiring
    last), as `consumed (id, part)`; both arguments are SQL expressions. Run it only with the
    account row locked and a snapshot taken after the lock (or known to be as fresh, see
    HOLD_AT_ONCE): the lock serialises every change to the account's buckets, and the snapshot
    then sees them all."""
    return f"""
    ordered AS (
        SELECT id, remaining,
               COALESCE(SUM(remaining) OVER (
                   ORDER BY expires_at ASC NULLS LAST, created_at, id
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
        FROM billing_grant
        WHERE account_id = {account} AND remaining > 0 AND NOT expired
    ),
    taken AS (
        SELECT id, LEAST(remaining, {amount} - before) AS part
        FROM ordered WHERE before < {amount}
    ),
    consumed AS (
        UPDATE billing_grant SET remaining = billing_grant.remaining - taken.part
        FROM taken WHERE billing_grant.id = taken.id
        RETURNING billing_grant.id, taken.part
    )
"""  # noqa: S608 - built from constants


# After `_move`: take %(amount)s credits from the account's buckets (see consume_cte).
CONSUME_CTE = consume_cte("%(account)s", "%(amount)s")


# The take's rate: the row for its tier or, failing that, the next tier up; the model's own row
# before the provider's "*" row (pricing.rate_for() is the same rule in the ORM). Joined as `r`.
RATE_OF_THE_TAKE = """LEFT JOIN LATERAL (
        SELECT credits_per_second, high_fps_factor, audio_factor
        FROM billing_ratecard
        WHERE provider = %(provider)s AND model IN (%(model)s, '*') AND tier = ANY(%(tiers)s)
        ORDER BY array_position(%(tiers)s, tier::text), model = '*'
        LIMIT 1
    ) r ON true"""

# Everything a hold needs to know, in one statement: the account, the subscription's switches,
# the project's budget and the take's rate (its tier or the next one up; the model's own row
# before the provider's "*" row). pricing.rate_for() is the same rule in the ORM.
HOLD_CONTEXT = f"""
    SELECT a.id, s.hard_stop, s.unlimited, s.current_period_end,
           (SELECT b.credits FROM billing_projectbudget b WHERE b.project_id = %(project)s),
           r.credits_per_second, r.high_fps_factor, r.audio_factor
    FROM billing_subscription s
    JOIN billing_account a ON a.user_id = s.user_id
    {RATE_OF_THE_TAKE}
    WHERE s.user_id = %(user)s
"""  # noqa: S608 - built from constants; every value is a query parameter


# With `moved (id, amount)` naming the account whose balance was just moved and the credits:
# take them from the buckets, write the Hold row (with where its credits came from) and its
# ledger entry, as `hold (id, allocations)`.
HOLD_WRITES = f"""
    {consume_cte("(SELECT id FROM moved)", "(SELECT amount FROM moved)")},
    hold AS (
        INSERT INTO billing_hold (account_id, take_id, project_id, amount, captured, allocations,
                                  status, reason, created_at, expires_at)
        SELECT moved.id, %(take)s, %(project)s, moved.amount, 0,
               COALESCE((SELECT jsonb_object_agg(id::text, part) FROM consumed), '{{}}'::jsonb),
               'held', '', %(now)s, %(expires)s
        FROM moved
        RETURNING id, allocations
    ),
    entry AS (
        INSERT INTO billing_ledgerentry (account_id, kind, amount, available_delta, held_delta,
                                         idempotency_key, take_id, project_id, provider, model,
                                         memo, created_at)
        SELECT moved.id, 'hold', moved.amount, -moved.amount, moved.amount, %(key)s, %(take)s,
               %(project)s, %(provider)s, %(model)s, %(memo)s, %(now)s
        FROM moved
    )
"""  # noqa: S608 - built from constants; every value is a query parameter


# After `_move`: the buckets, the Hold row and its ledger entry in one statement.
HOLD_INSERT = f"""
    WITH moved AS (SELECT %(account)s::bigint AS id, %(amount)s::bigint AS amount),
    {HOLD_WRITES}
    SELECT id, allocations::text FROM hold
"""  # noqa: S608 - built from constants; every value is a query parameter


class Prepared:
    """One of the hot path's statements, PREPAREd once per database connection and EXECUTEd
    after that: planning HOLD_AT_ONCE takes longer than running it (about 0.7 ms to 0.3 ms).

    `types` names every %(name)s parameter of `sql`, in order, with its PostgreSQL type. A
    prepared statement outlives a rolled-back transaction; if something deallocates it (DISCARD
    ALL, or psycopg's own DEALLOCATE ALL with server-side binding), EXECUTE fails with SQLSTATE
    26000 and `hold_for_take` forgets it and tries again (`lost_prepared_statement`)."""

    def __init__(self, name: str, sql: str, types: dict[str, str]):
        names = list(types)
        body = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", sql)
        self.prepare = f"PREPARE {name} ({', '.join(types.values())}) AS {body}"
        self.execute = f"EXECUTE {name} ({', '.join(f'%({n})s' for n in names)})"
        self.prepared_on: weakref.WeakSet = weakref.WeakSet()  # psycopg connections

    def fetchone(self, params: dict) -> tuple | None:
        with connection.cursor() as cursor:
            if connection.connection not in self.prepared_on:
                cursor.execute(self.prepare)
                self.prepared_on.add(connection.connection)
            cursor.execute(self.execute, params)
            return cursor.fetchone()

    def forget(self) -> None:
        if connection.connection is not None:
            self.prepared_on.discard(connection.connection)


def lost_prepared_statement(error: ProgrammingError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == "26000"  # invalid_sql_statement_name


# The whole hold in one statement, when nothing stands in its way: HOLD_CONTEXT (plus the
# price, worked out as RateCard.price() does, in exact numeric), the conditional UPDATE of the
# balance, then HOLD_WRITES. The UPDATE moves nothing if the hold would be refused (hard stop,
# ended period, no price, over the project's budget, not enough credits, a hold already there),
# if another transaction holds the account row (`unlocked`: skip it rather than wait), or if
# the row changed after this statement's snapshot was taken (`a.xmin`). Every change to an
# account's buckets changes its row in the same transaction, so with the row unchanged and
# locked the snapshot is as fresh as the lock, and HOLD_WRITES may read the buckets through it.
# When nothing moved, the context row says why and `_hold` goes on step by step: `_move` waits
# for the row, then HOLD_INSERT reads the buckets in a snapshot of its own.
HOLD_AT_ONCE = f"""
    WITH context AS (
        SELECT a.id AS account, a.xmin AS version, a.available, s.hard_stop, s.unlimited,
               s.current_period_end AS period_end,
               COALESCE(s.monthly_allowance, p.monthly_allowance) AS allowance,
               (SELECT b.credits FROM billing_projectbudget b
                WHERE b.project_id = %(project)s) AS budget,
               r.credits_per_second, r.high_fps_factor, r.audio_factor,
               GREATEST(1, CEIL(r.credits_per_second * %(seconds)s::numeric
                   * CASE WHEN %(fps)s::int > 24 THEN r.high_fps_factor ELSE 1 END
                   * CASE WHEN %(audio)s::boolean THEN r.audio_factor ELSE 1 END))::bigint
                   AS amount,
               (SELECT h.id FROM billing_hold h WHERE h.take_id = %(take)s) AS existing,
               (SELECT l.id FROM billing_account l WHERE l.id = a.id
                FOR NO KEY UPDATE SKIP LOCKED) AS unlocked
        FROM billing_subscription s
        JOIN billing_plan p ON p.id = s.plan_id
        JOIN billing_account a ON a.user_id = s.user_id
        {RATE_OF_THE_TAKE}
        WHERE s.user_id = %(user)s
    ),
    moved AS (
        UPDATE billing_account a
        SET available = a.available - c.amount, held = a.held + c.amount,
            updated_at = CURRENT_TIMESTAMP
        FROM context c
        WHERE a.id = c.account AND c.unlocked IS NOT NULL AND a.xmin = c.version
          AND c.credits_per_second IS NOT NULL AND a.available >= c.amount
          AND NOT c.hard_stop AND c.period_end > %(now)s AND c.existing IS NULL
          AND CASE WHEN c.budget IS NULL THEN true ELSE c.budget >= c.amount - (
                  SELECT COALESCE(SUM(e.available_delta), 0) FROM billing_ledgerentry e
                  WHERE e.project_id = %(project)s AND e.kind IN ('hold', 'release')) END
        RETURNING a.id, c.amount
    ),
    {HOLD_WRITES}
    SELECT c.account, c.hard_stop, c.unlimited, c.period_end, c.budget,
           c.credits_per_second, c.high_fps_factor, c.audio_factor,
           c.available, c.allowance, c.amount, c.existing, hold.id, hold.allocations::text
    FROM context c LEFT JOIN hold ON true
"""  # noqa: S608 - built from constants; every value is a query parameter


PREPARED_HOLD_INSERT = Prepared(
    "billing_hold_insert",
    HOLD_INSERT,
    {
        "account": "bigint",
        "amount": "bigint",
        "take": "uuid",
        "project": "uuid",
        "now": "timestamptz",
        "expires": "timestamptz",
        "key": "text",
        "provider": "text",
        "model": "text",
        "memo": "text",
    },
)


PREPARED_HOLD_AT_ONCE = Prepared(
    "billing_hold_at_once",
    HOLD_AT_ONCE,
    {
        "user": "bigint",
        "project": "uuid",
        "provider": "text",
        "model": "text",
        "tiers": "text[]",
        "take": "uuid",
        "seconds": "numeric",
        "fps": "integer",
        "audio": "boolean",
        "now": "timestamptz",
        "expires": "timestamptz",
        "key": "text",
        "memo": "text",
    },
)
