"""Pipeline overhead: N takes on a fake provider with a fixed latency T, C worker processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/studio REDIS_URL=redis://127.0.0.1:6379/15 \
        .venv/bin/python bench/pipeline.py [--takes 200] [--latency 3] [--workers 2] \
        [--concurrency 2] [--prequeue]

It creates a throwaway database (test_<name>_bench_pipeline), starts C `celery worker` processes
(threads pool) on a queue of its own, asks for N takes of the fake "slow" provider (every job
is ready T seconds after it was created: tests/fakes/providers.py) through request_take, and waits
until all are stored. It prints the wall time from the first request to the last stored take and
its ratio to T. Target for 200 takes, T = 3 s, 2 processes of concurrency 2: wall / T <= 2 (a
pool that waited on the provider would need 200 x 3 s / 4 slots = 150 s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.fakes.worker_settings"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/studio")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ["CELERY_QUEUE"] = f"bench-{uuid.uuid4().hex[:8]}"
WORK = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
os.environ.update(
    MEDIA_ROOT=str(WORK / "media"),
    LOCAL_RENDER_DIR=str(WORK / "renders"),
    FAKE_PROVIDER_DIR=str(WORK / "fake"),
)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", type=int, default=200)
    parser.add_argument("--latency", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--prequeue",
        action="store_true",
        help="Ask for every take before the workers start; time from their start.",
    )
    args = parser.parse_args()
    os.environ["FAKE_LATENCY"] = str(args.latency)
    load_before = f"{os.getloadavg()[0]:.2f}"

    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"test_{old_name}_bench_pipeline"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    workers = []
    try:
        from django.contrib.auth import get_user_model

        from billing.models import Plan, RateCard, Subscription
        from shots import renders
        from shots.models import Shot, Take
        from studio.models import Project, Role, Scene
        from tests.fakes import providers as fakes

        user = get_user_model().objects.create_user("bench", password="x")
        plan = Plan.objects.create(
            name="Bench",
            slug="bench",
            monthly_allowance=10**9,
            max_resolution=4320,
            max_take_seconds=120,
            max_concurrent_takes=10_000,
        )
        subscription = Subscription.for_user(user)
        subscription.plan, subscription.unlimited = plan, True
        subscription.save()
        for tier in ("480p", "720p", "1080p", "2160p"):
            RateCard.objects.get_or_create(
                provider="slow", model="*", tier=tier, defaults={"credits_per_second": 1}
            )
        project = Project.objects.create(title="Bench")
        project.add_member(user, Role.OWNER)
        scene = Scene.objects.create(project=project, title="Bench")
        shots = [
            Shot.create_in_scene(scene, subject=f"Shot {i}") for i in range(max(1, args.takes // 4))
        ]
        fakes.sample_video(1, 160, 90)  # the provider's file exists before the clock starts

        def ask() -> list:
            takes, left = [], args.takes
            for shot in shots:
                if left <= 0:
                    break
                count = min(4, left)
                takes += renders.request_take(
                    shot,
                    user,
                    provider="slow",
                    model="slow-1",
                    seconds=1,
                    size="160x90",
                    count=count,
                )
                left -= count
            return takes

        def start_workers() -> None:
            for _ in range(args.workers):
                workers.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "studio",
                            "worker",
                            "--pool",
                            "threads",
                            "--concurrency",
                            str(args.concurrency),
                            "--queues",
                            os.environ["CELERY_QUEUE"],
                            "--loglevel",
                            "WARNING",
                            "--without-gossip",
                            "--without-mingle",
                            "--without-heartbeat",
                        ],
                        cwd=ROOT,
                        env=env,
                        start_new_session=True,
                    )
                )
            from studio.celery import app

            deadline = time.monotonic() + 60
            while (
                len(app.control.ping(timeout=0.5) or []) < args.workers
                and time.monotonic() < deadline
            ):
                pass

        if args.prequeue:
            # The pipeline alone: the takes exist, the workers are up, then every message goes out.
            held = []
            renders._enqueue_on_commit = lambda name, take_id, countdown=None: held.append(take_id)
            takes = ask()
            start_workers()
            from shots.tasks import submit_take

            started = time.monotonic()
            for take_id in held:
                submit_take.delay(str(take_id))
            asked = 0.0
        else:
            start_workers()
            started = time.monotonic()
            takes = ask()
            asked = time.monotonic() - started
        ids = [t.id for t in takes]
        while Take.objects.filter(
            id__in=ids, status__in=["succeeded", "failed", "canceled"]
        ).count() < len(ids):
            time.sleep(0.05)
            if time.monotonic() - started > 600:
                break
        wall = time.monotonic() - started
        cpu = sum(_cpu_seconds(w.pid) for w in workers)
        statuses = Counter(Take.objects.filter(id__in=ids).values_list("status", flat=True))
        print(
            f"load average before: {load_before}; now: {os.getloadavg()[0]:.2f} "
            f"on {os.cpu_count()} CPUs"
        )
        print(
            f"{args.takes} takes, provider latency T = {args.latency:g} s, "
            f"{args.workers} worker processes x concurrency {args.concurrency} (threads pool)"
        )
        mode = (
            "takes asked for before the workers started"
            if args.prequeue
            else f"requests queued in {asked:.2f} s"
        )
        print(f"{mode}; statuses: {dict(statuses)}; provider creates: {len(fakes.creates())}")
        print(f"CPU of the worker processes: {cpu:.2f} s ({1000 * cpu / args.takes:.0f} ms a take)")
        print(
            f"wall: {wall:.2f} s   wall / T = {wall / args.latency:.2f}  "
            f"(target <= 2: {'met' if wall / args.latency <= 2 else 'NOT met'})"
        )
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
