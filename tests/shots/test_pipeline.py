"""The pipeline end to end, with a real Celery worker on Redis and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from billing import ledger
from shots import media, renders
from shots.models import Take, TakeStatus
from tests.factories import png_upload
from tests.fakes import providers as fakes

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(takes, timeout: float = 20.0):
    ids = [t.id for t in takes]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = list(Take.objects.filter(id__in=ids, status__in=["succeeded", "failed", "canceled"]))
        if len(done) == len(ids):
            return sorted(done, key=lambda t: t.number)
        time.sleep(0.1)
    left = Take.objects.filter(id__in=ids).exclude(status__in=["succeeded", "failed", "canceled"])
    raise AssertionError(
        f"not finished after {timeout} s: {[(t.number, t.status, t.error) for t in left]}"
    )


def stored_files(project) -> list[str]:
    root = f"projects/{project.id}/takes"
    if not default_storage.exists(root):
        return []
    out = []
    for folder in default_storage.listdir(root)[0]:
        out += default_storage.listdir(f"{root}/{folder}")[1]
    return out


@pytest.fixture
def director(owner, allow_generation):
    return allow_generation(owner)


@pytest.fixture
def settled(monkeypatch):
    """Counts the billing calls while still making them."""
    calls = {"capture": [], "release": []}
    capture, release = ledger.capture_for_take, ledger.release_for_take

    def counted_capture(take):
        calls["capture"].append(take.id)
        return capture(take)

    def counted_release(take, reason=""):
        calls["release"].append((take.id, reason))
        return release(take, reason)

    monkeypatch.setattr(ledger, "capture_for_take", counted_capture)
    monkeypatch.setattr(ledger, "release_for_take", counted_release)
    return calls


def test_a_local_take_is_rendered_stored_and_probed(shot, director, celery_worker, settled):
    shot.camera_move = "push_in"
    shot.save()
    [take] = renders.request_take(
        shot, director, provider="local", model="animatic", seconds=1, size="160x90"
    )

    [take] = wait_for([take])

    assert take.status == TakeStatus.SUCCEEDED, take.error
    assert take.progress == 100 and take.finished_at and take.started_at
    assert (take.result_width, take.result_height, take.result_fps) == (160, 90, 24)
    assert take.duration == pytest.approx(1.0, abs=0.05)
    assert take.codec == "h264" and not take.has_audio
    assert take.video.name.startswith(f"projects/{shot.project_id}/takes/{take.id}/")
    assert take.bytes == default_storage.size(take.video.name) > 0
    with default_storage.open(take.poster.name) as fh:
        assert Image.open(fh).size == (160, 90)
    with default_storage.open(take.thumbnail.name) as fh:
        assert Image.open(fh).format == "JPEG"
    assert media.probe_video(default_storage.path(take.video.name)).frames == 24
    assert take.submits == 1 and take.lease_until is None
    assert settled == {"capture": [take.id], "release": []}
    assert take.can_circle and not take.can_cancel
    client = Client()
    client.force_login(director)
    response = client.get(take.video.url, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206 and response["Content-Type"] == "video/mp4"
    assert client.get(take.poster.url).status_code == 200


def test_the_panel_is_what_moves(shot, director, celery_worker):
    shot.panel = png_upload(width=64, height=36)
    shot.save()
    [take] = renders.request_take(
        shot, director, provider="local", model="animatic", seconds=0.5, size="160x90"
    )
    [take] = wait_for([take])
    with default_storage.open(take.poster.name) as fh:
        red, green, blue = Image.open(fh).convert("RGB").getpixel((80, 45))
    assert red > 200 and green < 60 and blue < 60  # the factory's panel is red


def test_a_slow_provider_is_polled_until_done(
    shot, director, fake_providers, celery_worker, settings
):
    settings.FAKE_LATENCY = 1.5
    settings.FAKE_FIRST_POLL = 0.5  # the first look finds them running
    takes = renders.request_take(
        shot, director, provider="slow", model="slow-1", seconds=1, size="160x90", count=2
    )
    time.sleep(0.8)
    running = Take.objects.get(id=takes[0].id)
    assert running.status in (TakeStatus.SUBMITTED, TakeStatus.RUNNING)
    assert 0 <= running.progress < 100

    done = wait_for(takes)

    assert [t.status for t in done] == ["succeeded", "succeeded"]
    assert sorted(fakes.creates()) == sorted(str(t.id) for t in takes)
    assert all(t.polls >= 2 for t in done)


def test_a_permanent_provider_error_fails_the_take_at_once(
    shot, director, fake_providers, celery_worker, settled
):
    [take] = renders.request_take(
        shot, director, provider="failing", model="refused", seconds=1, size="160x90"
    )
    [take] = wait_for([take], timeout=5)
    assert take.status == TakeStatus.FAILED
    assert take.error == "Your prompt was flagged by the provider's safety system."
    assert take.submits == 1
    assert settled["release"] == [(take.id, take.error)] and settled["capture"] == []
    assert take.can_retry


def test_transient_errors_are_retried(shot, director, fake_providers, celery_worker, settings):
    settings.FAKE_TRANSIENT_ERRORS = 2
    [take] = renders.request_take(
        shot, director, provider="failing", model="flaky", seconds=1, size="160x90"
    )
    [take] = wait_for([take], timeout=15)
    assert take.status == TakeStatus.SUCCEEDED, take.error
    assert take.submits == 3
    assert fakes.creates() == [str(take.id)]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("garbage", "not a readable video"),
        ("truncated", "truncated"),
        ("empty", "empty file"),
        ("short", "0.50 s of video for a 2 s take"),
    ],
)
def test_a_bad_file_fails_the_take_and_stores_nothing(
    shot, director, fake_providers, celery_worker, settled, model, message
):
    [take] = renders.request_take(
        shot, director, provider="corrupt", model=model, seconds=2, size="160x90"
    )
    [take] = wait_for([take])
    assert take.status == TakeStatus.FAILED
    assert message in take.error
    assert not take.video and not take.poster
    assert stored_files(shot.project) == []
    assert len(settled["release"]) == 1 and settled["capture"] == []


def test_cancel_while_the_provider_works(
    shot, director, fake_providers, celery_worker, settings, settled
):
    settings.FAKE_LATENCY = 2  # its first poll comes while we wait below, and finds it canceled
    [take] = renders.request_take(
        shot, director, provider="slow", model="slow-1", seconds=1, size="160x90"
    )
    end = time.monotonic() + 5
    while not Take.objects.get(id=take.id).provider_job_id and time.monotonic() < end:
        time.sleep(0.05)
    take.refresh_from_db()

    renders.cancel_take(take, director)

    assert take.status == TakeStatus.CANCELED and take.error == "Canceled by owner."
    job_canceled = fakes.state_dir() / "jobs" / f"{take.provider_job_id}.canceled"
    end = time.monotonic() + 5
    while not job_canceled.exists() and time.monotonic() < end:
        time.sleep(0.05)
    assert job_canceled.exists()  # the provider was told
    time.sleep(2.5)  # a poll comes and finds the take canceled: nothing changes
    take.refresh_from_db()
    assert take.status == TakeStatus.CANCELED
    assert len(settled["release"]) == 1


def test_a_take_past_its_deadline_fails_with_a_clear_message(
    shot, director, fake_providers, celery_worker, settings
):
    settings.FAKE_LATENCY = 60
    settings.TAKE_DEADLINE_SECONDS = 1
    [take] = renders.request_take(
        shot, director, provider="slow", model="slow-1", seconds=1, size="160x90"
    )
    time.sleep(1.2)

    assert renders.sweep_takes()["timed_out"] == 1

    take.refresh_from_db()
    assert take.status == TakeStatus.FAILED
    assert take.error.startswith("Timed out: the take was not finished")


def test_the_sweeper_redrives_a_take_whose_message_was_lost(
    shot, director, celery_worker, settings, monkeypatch
):
    monkeypatch.setattr(
        renders, "_enqueue_on_commit", lambda *args, **kwargs: None
    )  # the message is lost
    [take] = renders.request_take(
        shot, director, provider="local", model="animatic", seconds=0.5, size="160x90"
    )
    time.sleep(0.5)
    assert Take.objects.get(id=take.id).status == TakeStatus.QUEUED
    settings.TAKE_STALE_SECONDS = 0

    assert renders.sweep_takes()["redriven"] == 1

    [take] = wait_for([take])
    assert take.status == TakeStatus.SUCCEEDED


def test_a_switched_off_provider_still_finishes_takes_in_flight(
    shot, director, fake_providers, celery_worker, settings
):
    settings.FAKE_LATENCY = 1
    [take] = renders.request_take(
        shot, director, provider="slow", model="slow-1", seconds=1, size="160x90"
    )
    settings.SLOW_PROVIDER_ENABLED = False
    [take] = wait_for([take])
    assert take.status == TakeStatus.SUCCEEDED
