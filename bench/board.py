"""Board rendering: SQL queries and median server time for boards of 10, 100 and 1,000 shots.

Run:  make bench
 or:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/studio .venv/bin/python bench/board.py

It creates a throwaway test database (test_<name>), builds three projects, renders each board
through Django's test client (the whole view + template stack, no network) and prints one line a
board. The query count must not grow with the number of shots.
"""

from __future__ import annotations

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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from shots.models import CameraMove, Shot, ShotSize  # noqa: E402
from studio.models import Character, Membership, Project, Role, Scene  # noqa: E402

SIZES = (10, 100, 1000)
RUNS = 15


def build_board(user, shots: int) -> Project:
    project = Project.objects.create(title=f"Board of {shots}", style="35mm film, subtle grain")
    Membership.objects.create(project=project, user=user, role=Role.OWNER)
    characters = [
        Character.objects.create(project=project, name=name, description=f"{name}, as always.")
        for name in ("Mara", "Tom", "Ines")
    ]
    scene_count = max(1, shots // 10)
    scenes = Scene.objects.bulk_create(
        Scene(project=project, position=i, title=f"Scene {i + 1}", slugline="EXT. SEA - NIGHT")
        for i in range(scene_count)
    )
    sizes, moves = list(ShotSize.values), list(CameraMove.values)
    made = Shot.objects.bulk_create(
        Shot(
            project=project,
            scene=scenes[i % scene_count],
            position=i // scene_count,
            code=f"{i % scene_count + 1}-{i // scene_count}",
            subject="@Mara",
            action="climbs the stairs",
            shot_size=sizes[i % len(sizes)],
            camera_move=moves[i % len(moves)],
            duration=Decimal("2.5"),
        )
        for i in range(shots)
    )
    through = Shot.characters.through
    through.objects.bulk_create(
        through(shot_id=shot.id, character_id=characters[i % 3].id) for i, shot in enumerate(made)
    )
    return project


def measure(client: Client, project: Project) -> tuple[int, float, int]:
    url = project.get_absolute_url()
    client.get(url)  # warm up templates and the connection
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    query_count = len(queries.captured_queries)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return query_count, statistics.median(times) * 1000, len(response.content)


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_{old_name}_bench_board"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        user = get_user_model().objects.create_user("bench", password="bench-password-1")
        client = Client()
        client.force_login(user)
        print(f"board render on {connection.vendor}, median of {RUNS} runs")
        print(f"{'shots':>6} {'queries':>8} {'median ms':>10} {'html KB':>8}")
        for size in SIZES:
            project = build_board(user, size)
            queries, median_ms, html_bytes = measure(client, project)
            print(f"{size:>6} {queries:>8} {median_ms:>10.1f} {html_bytes / 1024:>8.0f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
