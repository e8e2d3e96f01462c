"""A worker killed with SIGKILL at any step loses no take.

The worker here is a real `celery worker` subprocess on this run's queue and test database. After
the kill a new worker starts and the sweeper (called here every half second, as beat would every
minute) re-drives what the dead worker held: every take ends in exactly one terminal state, its
credits settled once, and the provider was asked to create it once. The one window where a second
create can happen (killed between the provider's answer and saving its job id) is bounded by
settings.TAKE_MAX_SUBMITS and tested last.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from billing.models import Hold, HoldStatus
from shots import renders
from shots.models import Take, TakeStatus
from studio.celery import app
from tests.fakes import providers as fakes

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, settings, tmp_path, **env):
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.fakes.worker_settings",
            "DATABASE_URL": (
                f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "CELERY_QUEUE": app.conf.task_default_queue,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "LOCAL_RENDER_DIR": str(settings.LOCAL_RENDER_DIR),
            "FAKE_PROVIDER_DIR": str(settings.FAKE_PROVIDER_DIR),
            # Short leases, so a dead worker's takes come back within seconds, not minutes.
            "TAKE_POLL_LEASE_SECONDS": "2",
            "TAKE_DOWNLOAD_LEASE_SECONDS": "3",
            **{k: str(v) for k, v in env.items()},
        }
        self.log = tmp_path / "worker.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "studio",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--queues",
            self.env["CELERY_QUEUE"],
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
def worker_process(settings, tmp_path, fake_providers):
    workers = []

    def make(**env) -> WorkerProcess:
        worker = WorkerProcess(settings, tmp_path, **env)
        workers.append(worker)
        return worker

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    yield make
    for worker in workers:
        worker.stop()


@pytest.fixture
def director(owner, allow_generation, settings):
    settings.TAKE_STALE_SECONDS = 1
    return allow_generation(owner)


def wait_until(condition, timeout: float, sweep: bool = False) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if sweep:
            renders.sweep_takes()
        if condition():
            return
        time.sleep(0.5 if sweep else 0.05)
    raise AssertionError("timed out")


def statuses(takes) -> list[str]:
    return list(Take.objects.filter(id__in=[t.id for t in takes]).values_list("status", flat=True))


def all_terminal(takes) -> bool:
    return all(s in ("succeeded", "failed", "canceled") for s in statuses(takes))


def assert_each_finished_once(takes, creates_per_take: int = 1) -> None:
    done = list(Take.objects.filter(id__in=[t.id for t in takes]))
    assert [t.status for t in done] == [TakeStatus.SUCCEEDED] * len(takes), [
        (t.status, t.error) for t in done
    ]
    assert Counter(fakes.creates()) == {str(t.id): creates_per_take for t in takes}
    for take in done:
        folder = f"projects/{take.shot.project_id}/takes/{take.id}"
        files = default_storage.listdir(folder)[1]
        assert sum(name.endswith(".mp4") for name in files) == 1, files  # stored once
        assert default_storage.exists(take.video.name)
    holds = Hold.objects.filter(take__in=done)
    assert sorted(holds.values_list("status", flat=True)) == [HoldStatus.CAPTURED] * len(takes)


def test_sigkill_mid_poll(shot, director, worker_process):
    worker = worker_process(FAKE_LATENCY=4, FAKE_FIRST_POLL=0.5, FAKE_POLL_DELAY=0.3).start()
    takes = renders.request_take(
        shot, director, provider="slow", model="slow-1", seconds=1, size="160x90", count=4
    )
    wait_until(lambda: statuses(takes) == ["running"] * 4, timeout=30)

    worker.kill()
    assert statuses(takes) == ["running"] * 4  # the kill caught them with their provider
    worker_process(FAKE_LATENCY=4, FAKE_FIRST_POLL=0.5, FAKE_POLL_DELAY=0.3).start()

    wait_until(lambda: all_terminal(takes), timeout=45, sweep=True)
    assert_each_finished_once(takes)


def test_sigkill_mid_download(shot, director, worker_process):
    worker = worker_process(FAKE_LATENCY=0.5, FAKE_FETCH_DELAY=3).start()
    takes = renders.request_take(
        shot, director, provider="slow", model="slow-1", seconds=1, size="160x90", count=2
    )
    wait_until(lambda: statuses(takes).count("downloading") == 2, timeout=30)
    time.sleep(0.5)

    worker.kill()
    assert statuses(takes) == ["downloading"] * 2
    worker_process(FAKE_LATENCY=0.5, FAKE_FETCH_DELAY=0.5).start()

    wait_until(lambda: all_terminal(takes), timeout=45, sweep=True)
    assert_each_finished_once(takes)


def test_sigkill_between_the_providers_create_and_saving_its_id_creates_twice_at_most(
    shot, director, worker_process, settings
):
    worker = worker_process().start()
    [take] = renders.request_take(
        shot, director, provider="crashing", model="crash-after-create", seconds=1, size="160x90"
    )
    worker.proc.wait(30)  # the provider kills its worker right after creating the job
    take.refresh_from_db()
    assert take.status == TakeStatus.QUEUED and take.submits == 1 and not take.provider_job_id
    worker_process().start()

    wait_until(lambda: all_terminal([take]), timeout=45, sweep=True)

    take.refresh_from_db()
    assert take.submits == 2 <= settings.TAKE_MAX_SUBMITS
    assert_each_finished_once([take], creates_per_take=2)
