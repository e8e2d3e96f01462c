"""Credit holds on PostgreSQL: throughput and p99 latency, next to a bare transaction.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/studio .venv/bin/python bench/ledger.py

It creates a throwaway test database (test_<name>_bench_ledger) and measures, with 1 and 8
concurrent clients (threads, one connection each):

- `ledger.hold_for_take(take)`: the real hold, everything the pipeline pays for inside
  request_take's transaction (subscription, price, budget, the conditional UPDATE of the balance,
  the soonest-expiring grant, the Hold row and the ledger entry);
- a bare transaction of one conditional UPDATE and one INSERT on the same database, the floor
  any correct hold must pay.

Each client (a process, like a web worker) has its own account (different users), plus a
contended run where 8 clients share
one account that cannot cover every request. It then checks zero overspend: no balance below
zero, held == the sum of the holds that succeeded, and ledger.reconcile() finds no drift.
Target: a hold costs at most 3x the bare transaction.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/studio")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from billing import ledger  # noqa: E402
from billing.models import Account, Hold  # noqa: E402
from shots.models import Shot, Take  # noqa: E402
from studio.models import Membership, Project, Role, Scene  # noqa: E402

HOLDS_SINGLE = 400
HOLDS_PER_CLIENT = 150
ROUNDS = 5
CLIENTS = 8
PRICE = 10  # a 10 s local take at 720p


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def run_clients(clients: int, work) -> tuple[float, list[float], int]:
    """Run work(client, step) in `clients` processes (one connection each, as web workers are);
    return (seconds, latencies, refusals). Processes, not threads: the GIL would otherwise
    measure Python, not the database."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients + 1)
    results = context.Queue()
    connection.close()  # never share a connection across fork

    def target(client: int) -> None:
        latencies, refused = [], 0
        try:
            barrier.wait()
            for step in work.steps(client):
                started = time.perf_counter()
                try:
                    work(client, step)
                except ValidationError:
                    refused += 1
                latencies.append(time.perf_counter() - started)
        finally:
            connection.close()
            results.put((latencies, refused))

    processes = [context.Process(target=target, args=(c,)) for c in range(clients)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    collected = [results.get() for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return elapsed, [x for lat, _ in collected for x in lat], sum(r for _, r in collected)


class Holds:
    def __init__(self, takes_by_client: list[list[Take]]):
        self.takes = takes_by_client

    def steps(self, client: int):
        return self.takes[client]

    def __call__(self, client: int, take: Take) -> None:
        ledger.hold_for_take(take)


class Bare:
    """One conditional UPDATE and one INSERT, in a transaction, on tables shaped like ours."""

    def __init__(self, per_client: int, accounts: list[int]):
        self.per_client = per_client
        self.accounts = accounts

    def steps(self, client: int):
        return range(self.per_client)

    def __call__(self, client: int, step: int) -> None:
        account = self.accounts[client]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE bench_balance SET available = available - %s, held = held + %s "
                "WHERE id = %s AND available >= %s",
                [PRICE, PRICE, account, PRICE],
            )
            if cursor.rowcount != 1:
                raise ValidationError("not enough")
            cursor.execute(
                "INSERT INTO bench_entry (account_id, amount, key, created_at) "
                "VALUES (%s, %s, %s, now())",
                [account, PRICE, f"hold:{client}:{step}:{time.perf_counter_ns()}"],
            )


def make_users(count: int, credits: int, prefix: str) -> list:
    users = []
    for i in range(count):
        user = get_user_model().objects.create_user(f"{prefix}{i}", password="x")
        ledger.account_for(user)  # Free: its 100-credit allowance
        if credits:
            ledger.adjust(user, credits, "benchmark funds")
        users.append(user)
    return users


def make_takes(user, count: int) -> list[Take]:
    project = Project.objects.create(title=f"bench {user.username}")
    Membership.objects.create(project=project, user=user, role=Role.OWNER)
    scene = Scene.objects.create(project=project, title="S")
    shot = Shot.objects.create(project=project, scene=scene, code="1A")
    return Take.objects.bulk_create(
        Take(
            shot=shot,
            number=n + 1,
            requested_by=user,
            provider="local",
            model="animatic",
            prompt="p",
            seconds=Decimal("10"),
            width=1280,
            height=720,
            aspect_ratio="16:9",
        )
        for n in range(count)
    )


def create_bare_tables(accounts: int, credits: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_balance (id bigserial PRIMARY KEY, available bigint NOT NULL "
            "CHECK (available >= 0), held bigint NOT NULL CHECK (held >= 0))"
        )
        cursor.execute(
            "CREATE TABLE bench_entry (id bigserial PRIMARY KEY, account_id bigint NOT NULL "
            "REFERENCES bench_balance (id), amount bigint NOT NULL, key varchar(200) NOT NULL "
            "UNIQUE, created_at timestamptz NOT NULL)"
        )
        ids = []
        for _ in range(accounts):
            cursor.execute(
                "INSERT INTO bench_balance (available, held) VALUES (%s, 0) RETURNING id", [credits]
            )
            ids.append(cursor.fetchone()[0])
    return ids


def figures(elapsed: float, latencies: list[float], refused: int) -> dict:
    return {
        "rate": len(latencies) / elapsed,
        "median": statistics.median(latencies) * 1000,
        "p99": p99(latencies) * 1000,
        "ops": len(latencies),
        "refused": refused,
    }


def line(name: str, clients: int, figure: dict) -> dict:
    print(
        f"{name:<28} clients={clients}  {figure['rate']:8.0f}/s  "
        f"median {figure['median']:6.2f} ms  "
        f"p99 {figure['p99']:6.2f} ms  ({figure['ops']:.0f} ops, {figure['refused']:.0f} refused)"
    )
    return figure


def check_no_overspend(users, expected_held: dict[int, int] | None = None) -> bool:
    ok = True
    for user in users:
        account = Account.objects.get(user=user)
        holds = sum(Hold.objects.filter(account=account).values_list("amount", flat=True))
        if account.available < 0 or account.held < 0 or account.held != holds:
            print(
                f"OVERSPEND? {user}: available={account.available} "
                f"held={account.held} holds={holds}"
            )
            ok = False
    drifts = ledger.reconcile()
    for drift in drifts:
        print(f"DRIFT {drift}")
    return ok and not drifts


def median_figure(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_{old_name}_bench_ledger"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        per_account = PRICE * ROUNDS * max(HOLDS_SINGLE, HOLDS_PER_CLIENT)
        [alone] = make_users(1, per_account, "alone")
        users = make_users(CLIENTS, per_account, "bench")
        single = make_takes(alone, HOLDS_SINGLE * ROUNDS)
        multi = [make_takes(u, HOLDS_PER_CLIENT * ROUNDS) for u in users]
        bare_ids = create_bare_tables(CLIENTS + 1, per_account * 4)
        # The contended run: 8 clients, one account with credits for 60% of what they ask.
        [shared] = make_users(1, 0, "shared")
        contended_asks = CLIENTS * 100
        funded = contended_asks * PRICE * 6 // 10
        ledger.adjust(shared, funded - 100, "benchmark funds")  # plus the Free allowance of 100
        shared_takes = make_takes(shared, contended_asks)
        contended = [shared_takes[c::CLIENTS] for c in range(CLIENTS)]

        # Warm up connections, caches and the query plans of both paths.
        for take in make_takes(users[-1], 20):
            ledger.hold_for_take(take)
        for _ in range(20):
            Bare(1, [bare_ids[-1]])(0, 0)

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(
            f"PostgreSQL {version}, {PRICE} credits a hold, {ROUNDS} interleaved rounds "
            "(figures: the median round)\n"
        )
        runs: dict[str, list[dict]] = {"hold1": [], "bare1": [], "hold8": [], "bare8": []}
        for r in range(ROUNDS):
            mine = single[r * HOLDS_SINGLE : (r + 1) * HOLDS_SINGLE]
            theirs = [t[r * HOLDS_PER_CLIENT : (r + 1) * HOLDS_PER_CLIENT] for t in multi]
            runs["hold1"].append(figures(*run_clients(1, Holds([mine]))))
            runs["bare1"].append(figures(*run_clients(1, Bare(HOLDS_SINGLE, bare_ids))))
            runs["hold8"].append(figures(*run_clients(CLIENTS, Holds(theirs))))
            runs["bare8"].append(
                figures(*run_clients(CLIENTS, Bare(HOLDS_PER_CLIENT, bare_ids[:CLIENTS])))
            )
        hold1, bare1 = (
            line("hold (ledger.hold_for_take)", 1, median_figure(runs["hold1"])),
            line("bare UPDATE + INSERT", 1, median_figure(runs["bare1"])),
        )
        hold8, bare8 = (
            line("hold (ledger.hold_for_take)", CLIENTS, median_figure(runs["hold8"])),
            line("bare UPDATE + INSERT", CLIENTS, median_figure(runs["bare8"])),
        )
        print()
        shared_bare = create_shared_bare(funded)
        holdc = line(
            "hold, one shared account", CLIENTS, figures(*run_clients(CLIENTS, Holds(contended)))
        )
        barec = line(
            "bare, one shared row",
            CLIENTS,
            figures(
                *run_clients(CLIENTS, Bare(contended_asks // CLIENTS, [shared_bare] * CLIENTS))
            ),
        )

        print("\nhold / bare (cost of a hold in bare transactions; target <= 3x):")
        for label, hold, bare in (
            ("1 client", hold1, bare1),
            (f"{CLIENTS} clients", hold8, bare8),
            (f"{CLIENTS} clients, one account", holdc, barec),
        ):
            print(
                f"  {label:<26} throughput {bare['rate'] / hold['rate']:4.2f}x   "
                f"median {hold['median'] / bare['median']:4.2f}x   "
                f"p99 {hold['p99'] / bare['p99']:4.2f}x"
            )

        shared_account = Account.objects.get(user=shared)
        succeeded = Hold.objects.filter(account=shared_account).count()
        ok = check_no_overspend([alone, *users, shared])
        ok = ok and shared_account.held == succeeded * PRICE <= funded
        print(
            f"\nshared account: {succeeded} of {contended_asks} holds succeeded, "
            f"held {shared_account.held} of {funded} credits, available {shared_account.available}"
        )
        print("zero overspend: " + ("yes" if ok else "NO"))
        if not ok:
            sys.exit(1)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def create_shared_bare(credits: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_balance (available, held) VALUES (%s, 0) RETURNING id", [credits]
        )
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
