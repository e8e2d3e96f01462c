"""Shared fixtures: a project with an owner, an editor, a reviewer, a viewer and an outsider."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from studio.models import Role

from .factories import MembershipFactory, ProjectFactory, SceneFactory, ShotFactory, UserFactory

# Each test run gets its own database and Celery queue, so that runs side by side (or a stray
# worker from an earlier run) never take each other's tasks or drop each other's database.
RUN_ID = os.environ.setdefault("STUDIO_TEST_RUN_ID", f"r{os.getpid()}")
os.environ["CELERY_QUEUE"] = f"test-{RUN_ID}"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.conf import settings

    for alias in settings.DATABASES.values():
        if "postgresql" in alias["ENGINE"]:
            alias.setdefault("TEST", {})["NAME"] = f"test_{alias['NAME']}_{RUN_ID}"


@pytest.fixture(scope="session", autouse=True)
def _celery_queue_of_this_run():
    from django.conf import settings

    from studio.celery import app

    settings.CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_QUEUE"]
    app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
    return settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes its files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Users are made by the hundred here; Django's real hasher costs ~0.25 s each (PBKDF2 with a
    million rounds). MD5 makes new hashes; PBKDF2 stays listed so older hashes still check."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def project(db):
    return ProjectFactory(title="The Lighthouse")


def _member(project, username: str, role: str):
    user = UserFactory(username=username)
    MembershipFactory(project=project, user=user, role=role)
    return user


@pytest.fixture
def owner(project):
    return _member(project, "owner", Role.OWNER)


@pytest.fixture
def editor(project):
    return _member(project, "editor", Role.EDITOR)


@pytest.fixture
def reviewer(project):
    return _member(project, "reviewer", Role.REVIEWER)


@pytest.fixture
def viewer(project):
    return _member(project, "viewer", Role.VIEWER)


@pytest.fixture
def outsider(db):
    """A user with a project of their own, and no membership of `project`."""
    user = UserFactory(username="outsider")
    MembershipFactory(user=user, role=Role.OWNER)
    return user


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner) -> Client:
    return _client_for(owner)


@pytest.fixture
def editor_client(editor) -> Client:
    return _client_for(editor)


@pytest.fixture
def reviewer_client(reviewer) -> Client:
    return _client_for(reviewer)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return _client_for(viewer)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return _client_for(outsider)


@pytest.fixture
def scene(project):
    return SceneFactory(project=project, position=0, title="Arrival")


@pytest.fixture
def shot(scene):
    return ShotFactory(scene=scene, code="1A", position=0)


# --- Generation: a real Celery worker, the fake providers, a plan that lets a user generate ----


@pytest.fixture(autouse=True)
def _render_dirs(settings, tmp_path):
    """The local renderer's jobs and the fake providers' state live in the test's own folder."""
    settings.LOCAL_RENDER_DIR = tmp_path / "renders"
    settings.FAKE_PROVIDER_DIR = tmp_path / "fake-provider"


@pytest.fixture
def fake_providers(settings):
    """Register the test providers of tests/fakes/providers.py.

    They are slow, corrupt, failing and crashing providers.
    """
    from .fakes.providers import FAKES

    settings.VIDEO_PROVIDERS = {**settings.VIDEO_PROVIDERS, **FAKES}
    return FAKES


@pytest.fixture
def allow_generation(db):
    """allow_generation(user): put the user on a plan with no limits that get in a test's way."""
    from decimal import Decimal

    from billing.models import Plan, RateCard, Subscription

    def allow(user):
        plan, _ = Plan.objects.get_or_create(
            slug="test-unlimited",
            defaults={
                "name": "Test unlimited",
                "monthly_allowance": 1_000_000,
                "max_resolution": 4320,
                "max_take_seconds": Decimal("120"),
                "max_concurrent_takes": 10_000,
            },
        )
        if not RateCard.objects.exists():  # a transactional test flushed the seeded rate card
            from billing import defaults

            defaults.seed(Plan, RateCard)
        subscription = Subscription.for_user(user)
        subscription.plan, subscription.unlimited = plan, True
        subscription.save()
        for provider in ("slow", "corrupt", "failing", "crashing"):
            for tier in ("480p", "720p", "1080p", "2160p"):
                RateCard.objects.get_or_create(
                    provider=provider, model="*", tier=tier, defaults={"credits_per_second": 1}
                )
        return user

    return allow


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker in this process (threads pool, concurrency 2) on this run's queue.

    Use with @pytest.mark.django_db(transaction=True): the worker's threads have their own
    database connections and only see committed rows.
    """
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from studio.celery import app

    def close_connections(**kwargs):
        # The settings keep connections across tasks (CELERY_DB_REUSE_MAX); here the worker's
        # threads must not leave any open, or the test database cannot be dropped at the end.
        connections.close_all()

    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(app.conf.task_default_queue)
    task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=10,
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_connections)
