"""`make run`'s stack, for real: SQLite, kombu's filesystem broker and a Celery worker subprocess.

The rest of the suite runs on PostgreSQL and Redis; this is the one place the embedded default is
driven end to end, the way a newcomer's first `make run` drives it: migrate, load the demo, ask
for a take, and see it rendered, stored and charged.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture
def embedded_env(tmp_path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "MEDIA_ROOT"}
    }
    env["STUDIO_VAR_DIR"] = str(tmp_path / "var")
    env["CELERY_QUEUE"] = "celery"
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_demo_generates_a_take_on_sqlite_with_the_filesystem_broker(embedded_env, tmp_path):
    manage(embedded_env, "migrate", "--no-input")
    manage(embedded_env, "demo")
    shot_id = (
        manage(
            embedded_env,
            "shell",
            "-c",
            "from shots.models import Shot; "
            "print(Shot.objects.filter(project__title='The Lighthouse')"
            ".order_by('position').first().id)",
        )
        .strip()
        .splitlines()[-1]
    )

    worker = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "studio",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        output = manage(
            embedded_env,
            "generate",
            shot_id,
            "--provider",
            "local",
            "--seconds",
            "1",
            "--size",
            "320x180",
            "--wait",
            "--timeout",
            "120",
            timeout=150,
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)

    assert "succeeded" in output.lower(), output
    state = (
        manage(
            embedded_env,
            "shell",
            "-c",
            "from shots.models import Take; from billing.models import LedgerEntry; "
            "take = Take.objects.get(); "
            "print(take.status, bool(take.video), bool(take.poster), "
            "sorted(LedgerEntry.objects.filter(take=take).values_list('kind', flat=True)))",
        )
        .strip()
        .splitlines()[-1]
    )
    assert state == "succeeded True True ['capture', 'hold']", state
    assert not (ROOT / "control").exists(), "the filesystem broker wrote into the work tree"
