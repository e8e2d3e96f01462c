"""request_take: the one door a take comes through."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shots import renders
from shots.models import Take, TakeStatus
from tests.factories import ShotFactory, UserFactory, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_plan(allow_generation, owner):
    allow_generation(owner)


@pytest.fixture(autouse=True)
def _no_queue(settings, monkeypatch):
    """Nothing runs here: we only look at what was created and what would be queued."""
    queued = []
    monkeypatch.setattr(
        renders,
        "_enqueue_on_commit",
        lambda name, take_id, countdown=None: queued.append((name, str(take_id))),
    )
    return queued


def test_it_creates_numbered_takes_with_a_full_snapshot(shot, owner):
    shot.camera_move = "push_in"
    shot.save()
    takes = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=4, size="640x360", count=2
    )

    assert [t.number for t in takes] == [1, 2]
    take = Take.objects.get(id=takes[0].id)
    assert take.status == TakeStatus.QUEUED
    assert take.prompt == shot.compiled_prompt()
    assert take.seconds == Decimal("4.00")
    assert (take.width, take.height, take.fps) == (640, 360, 24)
    assert take.aspect_ratio == "16:9"
    assert take.seed is not None and takes[1].seed is not None
    assert take.params["camera_move"] == "push_in"
    assert take.requested_by == owner
    assert take.deadline_at is not None


def test_it_queues_each_take_on_commit(shot, owner, _no_queue):
    takes = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=2, size="320x180", count=3
    )
    assert sorted(_no_queue) == sorted(("submit_take", str(t.id)) for t in takes)


def test_it_numbers_on_after_existing_takes(shot, owner):
    renders.request_take(shot, owner, provider="local", model="animatic", seconds=2, size="320x180")
    [take] = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=2, size="320x180"
    )
    assert take.number == 2


def test_it_snapshots_the_panel_as_reference(shot, owner):
    shot.panel = png_upload()
    shot.save()
    [take] = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=2, size="320x180"
    )
    assert take.reference_image == shot.panel.name


def test_consecutive_seeds_for_a_batch_with_a_seed(shot, owner):
    takes = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=2, size="320x180", seed=7, count=3
    )
    assert [t.seed for t in takes] == [7, 8, 9]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seconds": 121}, "from 0.5 s to 120 s"),
        ({"size": "641x360"}, "even numbers"),
        ({"size": "7680x4320"}, "at most 3840x3840"),
        ({"size": "big"}, "WIDTHxHEIGHT"),
        ({"count": 5}, "1 to 4 takes"),
        ({"model": "sora-2"}, 'no model "sora-2"'),
        ({"provider": "nope"}, 'no provider "nope"'),
    ],
)
def test_it_refuses_what_the_provider_cannot_do(shot, owner, _no_queue, kwargs, message):
    request = {"provider": "local", "model": "animatic", "seconds": 2, "size": "320x180", **kwargs}
    with pytest.raises(ValidationError) as error:
        renders.request_take(shot, owner, **request)
    assert message in " ".join(error.value.messages)
    assert not Take.objects.exists()
    assert _no_queue == []


def test_a_provider_switched_off_refuses_new_takes(shot, owner, settings, _no_queue):
    settings.LOCAL_PROVIDER_ENABLED = False
    with pytest.raises(ValidationError, match="switched off"):
        renders.request_take(
            shot, owner, provider="local", model="animatic", seconds=2, size="320x180"
        )
    assert not Take.objects.exists()


def test_a_model_switched_off_refuses_new_takes(shot, owner, settings, _no_queue):
    settings.DISABLED_MODELS = ["local/animatic"]
    with pytest.raises(ValidationError, match='"animatic" of "local" is switched off'):
        renders.request_take(
            shot, owner, provider="local", model="animatic", seconds=2, size="320x180"
        )
    assert not Take.objects.exists()


def test_the_billing_check_refuses_before_anything_is_created(shot, owner, monkeypatch, _no_queue):
    from billing import ledger

    def refuse(user, **request):
        assert request["width"] == 320 and request["count"] == 2
        raise ValidationError("Not enough credits.")

    monkeypatch.setattr(ledger, "check_take_request", refuse)
    with pytest.raises(ValidationError, match="Not enough credits"):
        renders.request_take(
            shot, owner, provider="local", model="animatic", seconds=2, size="320x180", count=2
        )
    assert not Take.objects.exists()


def test_credits_are_held_for_each_take_inside_the_transaction(shot, owner, monkeypatch):
    from billing import ledger

    held = []
    monkeypatch.setattr(ledger, "hold_for_take", lambda take: held.append(take.number))
    renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=2, size="320x180", count=2
    )
    assert held == [1, 2]


def test_retry_makes_a_child_with_the_same_request(shot, owner):
    [take] = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=3, size="320x180", seed=5
    )
    take.mark_failed("The provider fell over.")
    shot.subject = "Someone else entirely"
    shot.save()

    child = renders.retry_take(take, owner)

    assert child.parent == take and child.number == 2
    assert child.prompt == take.prompt
    assert (child.seconds, child.size, child.seed, child.model) == (
        take.seconds,
        take.size,
        5,
        "animatic",
    )


def test_only_finished_takes_can_be_retried(shot, owner):
    [take] = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=3, size="320x180"
    )
    assert take.can_cancel and not take.can_retry
    with pytest.raises(ValidationError):
        renders.retry_take(take, owner)


def test_cancel_stops_an_active_take_and_releases_its_credits(shot, owner, monkeypatch):
    from billing import ledger

    released = []
    monkeypatch.setattr(ledger, "release_for_take", lambda take, reason="": released.append(reason))
    [take] = renders.request_take(
        shot, owner, provider="local", model="animatic", seconds=3, size="320x180"
    )

    renders.cancel_take(take, owner)

    take.refresh_from_db()
    assert take.status == TakeStatus.CANCELED and take.finished_at is not None
    assert released == ["Canceled by owner."]
    with pytest.raises(ValidationError):
        renders.cancel_take(take, owner)
    assert len(released) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_number_takes_without_gaps_or_clashes(_no_queue, allow_generation):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    shot = ShotFactory()
    user = UserFactory()
    allow_generation(user)
    errors = []

    def ask():
        try:
            renders.request_take(
                shot, user, provider="local", model="animatic", seconds=1, size="160x90", count=2
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Take.objects.filter(shot=shot).values_list("number", flat=True)) == list(
        range(1, 13)
    )
