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
