"""Serving benchmark: peak RSS growth of the web process while a client reads a 500 MB MP4.

    .venv/bin/python bench/serve.py [--megabytes 500] [--chunk-mb 2]

It sets up a throwaway studio (SQLite, media in a temporary folder), stores a 500 MB file as a
take's MP4 (random bytes: serving does not parse it), starts gunicorn (1 worker, 4 threads) on the
app with MEDIA_ACCEL_REDIRECT empty (so the app streams the bytes itself, as without nginx), and
as a signed-in member reads the whole file by Range requests of --chunk-mb, then seeks at random,
then downloads it whole. It prints the worker's resident memory before, its peak during the reads
(VmHWM, reset before the reads) and the growth. Target: growth under 30 MB.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-serve-"))
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "studio.settings",
    "STUDIO_VAR_DIR": str(WORK),
    "MEDIA_ROOT": str(WORK / "media"),
    "MEDIA_ACCEL_REDIRECT": "",
    "DEBUG": "1",
    "ALLOWED_HOSTS": "127.0.0.1",
}
for name in ("DATABASE_URL", "REDIS_URL"):  # the embedded default: SQLite, no server needed
    ENV.pop(name, None)
os.environ.clear()
os.environ.update(ENV)

import django  # noqa: E402

django.setup()


def status(pid: int, field: str) -> int:
    """A memory figure of /proc/<pid>/status, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def child_of(pid: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=500)
    parser.add_argument("--chunk-mb", type=float, default=2)
    args = parser.parse_args()

    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from studio.models import Project, Role

    user = get_user_model().objects.create_user("bench", password="x")
    project = Project.objects.create(title="Bench")
    project.add_member(user, Role.VIEWER)
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    relative = f"projects/{project.id}/takes/bench/take-1.mp4"
    path = WORK / "media" / relative
    path.parent.mkdir(parents=True)
    block = os.urandom(1024 * 1024)
    with path.open("wb") as fh:
        for _ in range(args.megabytes):
            fh.write(block)
    size = path.stat().st_size

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "studio.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
    )
    try:
        worker = child_of(server.pid)

        def get(
            headers: dict, read_chunk: int = 256 * 1024, most: int | None = None
        ) -> tuple[int, int]:
            for _ in range(100):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    conn.request("GET", f"/media/{relative}", headers={"Cookie": cookie, **headers})
                    break
                except ConnectionRefusedError:
                    time.sleep(0.1)
            response = conn.getresponse()
            got = 0
            while chunk := response.read(read_chunk):
                got += len(chunk)
                if most is not None and got >= most:
                    break  # the player has what it needs and hangs up, as browsers do
            conn.close()
            return response.status, got

        assert get({"Range": "bytes=0-1023"}) == (
            206,
            1024,
        )  # warm up: app loaded, first request served
        before = status(worker, "VmRSS")
        Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
        started = time.perf_counter()
        chunk = int(args.chunk_mb * 1024 * 1024)
        requests = 0
        for first in range(0, size, chunk):
            last = min(size, first + chunk) - 1
            assert get({"Range": f"bytes={first}-{last}"}) == (206, last - first + 1)
            requests += 1
        rng = random.Random(1)
        for _ in range(100):  # the player seeking around: open-ended ranges, read a little
            first = rng.randrange(size)
            code, got = get({"Range": f"bytes={first}-"}, most=4 * 1024 * 1024)
            requests += 1
            assert code == 206 and got == min(size - first, 4 * 1024 * 1024)
        code, got = get({})
        requests += 1
        assert (code, got) == (200, size)
        elapsed = time.perf_counter() - started
        peak = status(worker, "VmHWM")
        after = status(worker, "VmRSS")
        print(
            f"file: {size / 2**20:.0f} MiB; {requests} requests "
            f"(sequential {args.chunk_mb:g} MB ranges, "
            f"100 random seeks, one full GET) in {elapsed:.1f} s"
        )
        print(
            f"gunicorn worker RSS before: {before / 1024:.1f} MB  "
            f"peak during: {peak / 1024:.1f} MB  "
            f"after: {after / 1024:.1f} MB"
        )
        growth = (peak - before) / 1024
        print(
            f"peak growth: {growth:.1f} MB  (target < 30 MB: {'met' if growth < 30 else 'NOT met'})"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
