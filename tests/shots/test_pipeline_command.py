"""manage.py generate: the scriptable way to ask for takes (through request_take)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from shots.models import Take, TakeStatus

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_generates_and_waits_for_a_take(shot, owner, allow_generation, celery_worker):
    allow_generation(owner)
    out = io.StringIO()

    call_command(
        "generate",
        str(shot.id),
        "--provider",
        "local",
        "--seconds",
        "1",
        "--size",
        "160x90",
        "--count",
        "2",
        "--wait",
        "--timeout",
        "60",
        stdout=out,
    )

    takes = list(Take.objects.filter(shot=shot))
    assert [t.status for t in takes] == [TakeStatus.SUCCEEDED] * 2
    assert all(t.requested_by == owner and float(t.seconds) == 1 for t in takes)
    assert "Succeeded" in out.getvalue() and takes[0].video.name in out.getvalue()


def test_it_explains_a_refused_request(shot, owner, allow_generation):
    allow_generation(owner)
    with pytest.raises(CommandError, match="from 0.5 s to 120 s"):
        call_command("generate", str(shot.id), "--seconds", "500", "--size", "160x90")
    with pytest.raises(CommandError, match="No shot"):
        call_command("generate", "00000000-0000-0000-0000-000000000000")
    assert not Take.objects.exists()


def test_it_refuses_a_switched_off_model(shot, owner, allow_generation, settings):
    allow_generation(owner)
    settings.DISABLED_MODELS = ["local/animatic"]
    with pytest.raises(CommandError, match="switched off"):
        call_command("generate", str(shot.id), "--seconds", "1", "--size", "160x90")
    assert not Take.objects.exists()
