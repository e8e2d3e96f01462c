"""The takes of a shot in the browser: Generate, the strip with live status, retry, cancel, circle,
the player page and "generate missing takes"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from shots.forms import GenerateForm
from shots.models import Take, TakeStatus
from tests.factories import SceneFactory, ShotFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _room_for_several_takes(db):
    """Users here are on the Studio plan, so the Free plan's one-take-at-a-time limit stays out
    of the way (billing has its own tests of plan limits)."""
    from billing.models import Plan

    Plan.objects.update(is_default=False)
    Plan.objects.filter(slug="studio").update(is_default=True)


def make_take(shot, status=TakeStatus.QUEUED, **fields) -> Take:
    """A take as the pipeline leaves it; a succeeded one has a (tiny, fake) video and poster."""
    values = {
        "provider": "local",
        "model": "animatic",
        "prompt": "The keeper climbs the spiral stairs.",
        "seconds": Decimal("3"),
        "width": 640,
        "height": 360,
        "aspect_ratio": "16:9",
        "status": status,
        "number": shot.takes.count() + 1,
        **fields,
    }
    take = Take.objects.create(shot=shot, **values)
    if status == TakeStatus.SUCCEEDED:
        take.video.save("take.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"), save=False)
        take.poster.save("poster.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
        take.duration = float(take.seconds)
        take.result_fps = 24.0
        take.progress = 100
        take.save()
    return take


def panel_url(shot):
    return reverse("takes-panel", args=[shot.project_id, shot.id])


def generate_url(shot):
    return reverse("take-generate", args=[shot.project_id, shot.id])


def take_url(name, take):
    return reverse(name, args=[take.shot.project_id, take.id])


def default_request(shot, **changes) -> dict:
    """What the Generate form posts when the user keeps its defaults."""
    form = GenerateForm(shot)
    data = {name: form.initial[name] for name in ("provider", "model", "seconds", "size", "count")}
    data["project"] = str(shot.project_id)
    return {**data, **changes}


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["owner_client", "editor_client"])
def test_it_shows_the_generate_form_to_owners_and_editors(request, client_name, shot):
    client = request.getfixturevalue(client_name)
    response = client.get(panel_url(shot), **HTMX)
    assert response.status_code == 200
    assert b'id="generate-form"' in response.content
    assert generate_url(shot).encode() in response.content


@pytest.mark.parametrize("client_name", ["reviewer_client", "viewer_client"])
def test_it_shows_takes_but_no_controls_to_reviewers_and_viewers(request, client_name, shot):
    done = make_take(shot, TakeStatus.SUCCEEDED)
    failed = make_take(shot, TakeStatus.FAILED, error="The provider refused the prompt.")
    running = make_take(shot, TakeStatus.RUNNING, progress=40)
    client = request.getfixturevalue(client_name)
    response = client.get(panel_url(shot), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="take-{done.id}"' in body and f'id="take-{running.id}"' in body
    assert "The provider refused the prompt." in body
    assert 'id="generate-form"' not in body
    for name, take in [("take-retry", failed), ("take-cancel", running), ("take-circle", done)]:
        assert take_url(name, take) not in body


def all_urls(project, scene, shot, take):
    return [
        ("get", reverse("takes-panel", args=[project.id, shot.id])),
        ("get", reverse("take-generate-form", args=[project.id, shot.id])),
        ("post", reverse("take-generate", args=[project.id, shot.id])),
        ("get", take_url("take-player", take)),
        ("get", take_url("take-status", take)),
        ("post", take_url("take-retry", take)),
        ("post", take_url("take-cancel", take)),
        ("post", take_url("take-circle", take)),
        ("post", take_url("take-uncircle", take)),
        ("get", reverse("project-animatic", args=[project.id])),
        ("get", reverse("scene-animatic", args=[project.id, scene.id])),
        ("post", reverse("scene-generate-missing", args=[project.id, scene.id])),
    ]


def test_it_is_404_for_outsiders_on_every_url(outsider_client, project, scene, shot):
    take = make_take(shot, TakeStatus.RUNNING)
    for method, url in all_urls(project, scene, shot, take):
        response = getattr(outsider_client, method)(url)
        assert response.status_code == 404, url
    assert Take.objects.count() == 1


def test_it_sends_anonymous_visitors_to_sign_in(client, project, scene, shot):
    take = make_take(shot)
    for method, url in all_urls(project, scene, shot, take):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("client_name", ["reviewer_client", "viewer_client"])
def test_it_refuses_every_change_to_reviewers_and_viewers(request, client_name, scene, shot):
    take = make_take(shot, TakeStatus.SUCCEEDED)
    client = request.getfixturevalue(client_name)
    posts = [
        (generate_url(shot), default_request(shot)),
        (reverse("take-generate-form", args=[shot.project_id, shot.id]), None),
        (take_url("take-retry", take), {}),
        (take_url("take-cancel", take), {}),
        (take_url("take-circle", take), {}),
        (reverse("scene-generate-missing", args=[shot.project_id, scene.id]), {}),
    ]
    for url, data in posts:
        response = client.get(url) if data is None else client.post(url, data)
        assert response.status_code == 403, url
    shot.refresh_from_db()
    assert shot.circled_take is None
    assert Take.objects.count() == 1


def test_it_never_finds_a_take_through_another_project(owner_client, outsider, shot):
    """A member of project A cannot reach a take of project B by putting A's id in the URL."""
    other_shot = ShotFactory()
    other_take = make_take(other_shot, TakeStatus.SUCCEEDED)
    url = reverse("take-circle", args=[shot.project_id, other_take.id])
    assert owner_client.post(url).status_code == 404
    assert (
        owner_client.get(reverse("take-status", args=[shot.project_id, other_take.id])).status_code
        == 404
    )


# --- The Generate form ------------------------------------------------------------------------


def test_it_offers_only_what_the_provider_and_model_allow(owner_client, shot):
    from shots import providers

    form = GenerateForm(shot)
    provider = providers.get_provider(form.initial["provider"])
    model = provider.capabilities.model(form.initial["model"])
    offered = [value for value, _ in form.fields["seconds"].widget.choices]
    assert [Decimal(v) for v in offered] == [Decimal(str(d)) for d in model.duration_choices()]
    assert [v for v, _ in form.fields["size"].widget.choices] == model.size_choices(
        shot.effective_aspect_ratio
    )


def test_it_offers_the_shots_own_length_when_the_model_takes_any_length(owner_client, shot):
    shot.duration = Decimal("2.5")
    shot.save()
    form = GenerateForm(shot)
    assert form.initial["seconds"] == "2.5"
    assert "2.5" in [value for value, _ in form.fields["seconds"].widget.choices]


def test_it_redraws_the_form_for_another_model_keeping_what_still_fits(owner_client, shot):
    request = default_request(shot, seconds="not a number", size="1x1")
    response = owner_client.get(
        reverse("take-generate-form", args=[shot.project_id, shot.id]), request, **HTMX
    )
    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["provider"] == request["provider"]
    assert form.initial["size"] in [v for v, _ in form.fields["size"].widget.choices]
    assert form.initial["seconds"] in [v for v, _ in form.fields["seconds"].widget.choices]


def test_it_shows_the_credit_estimate_next_to_generate_when_billing_provides_it(owner_client, shot):
    from django.urls import NoReverseMatch

    try:
        estimate = reverse("credit-estimate")
    except NoReverseMatch:
        pytest.skip("the billing estimate is not wired yet")
    body = owner_client.get(panel_url(shot), **HTMX).content.decode()
    assert f'hx-get="{estimate}"' in body


def test_it_queues_the_takes_asked_for(owner_client, owner, shot):
    response = owner_client.post(generate_url(shot), default_request(shot, count="2"), **HTMX)
    assert response.status_code == 200
    takes = list(shot.takes.order_by("number"))
    assert [t.number for t in takes] == [1, 2]
    assert all(t.requested_by == owner for t in takes)
    body = response.content.decode()
    assert "Queued 2 takes." in body
    for take in takes:
        assert f'id="take-{take.id}-status"' in body
        assert 'hx-trigger="every 1s"' in body


def test_it_shows_a_refused_request_in_place_and_queues_nothing(owner_client, shot):
    response = owner_client.post(generate_url(shot), default_request(shot, seconds="999"), **HTMX)
    assert response.status_code == 200
    assert shot.takes.count() == 0
    body = response.content.decode()
    assert 'class="form-errors"' in body
    assert "999" in body  # the pipeline's message names the refused value and what is allowed


def test_it_refuses_more_than_four_takes_at_once(owner_client, shot):
    response = owner_client.post(generate_url(shot), default_request(shot, count="5"), **HTMX)
    assert shot.takes.count() == 0
    assert "field-error" in response.content.decode()


def test_it_redirects_back_to_the_shot_without_htmx(owner_client, shot):
    response = owner_client.post(generate_url(shot), default_request(shot))
    assert response.status_code == 302
    assert shot.takes.count() == 1


def test_it_says_so_when_no_provider_is_switched_on(owner_client, settings, shot):
    settings.LOCAL_PROVIDER_ENABLED = False
    body = owner_client.get(panel_url(shot), **HTMX).content.decode()
    assert "No video provider is switched on" in body
    assert generate_url(shot) not in body


def test_the_panel_has_a_page_of_its_own_without_htmx(viewer_client, shot):
    take = make_take(shot, TakeStatus.SUCCEEDED)
    response = viewer_client.get(panel_url(shot))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body and f'id="take-{take.id}"' in body


# --- Live status ------------------------------------------------------------------------------


def test_an_active_take_keeps_polling(viewer_client, shot):
    take = make_take(shot, TakeStatus.RUNNING, progress=37)
    response = viewer_client.get(take_url("take-status", take), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in body
    assert 'aria-valuenow="37"' in body and "width: 37%" in body


@pytest.mark.parametrize("status", [TakeStatus.SUCCEEDED, TakeStatus.FAILED, TakeStatus.CANCELED])
def test_a_finished_take_stops_polling_and_swaps_its_whole_card_once(viewer_client, shot, status):
    take = make_take(
        shot, status, error="Out of memory at the provider." if status == "failed" else ""
    )
    response = viewer_client.get(take_url("take-status", take), **HTMX)
    body = response.content.decode()
    assert "hx-trigger" not in body
    assert response["HX-Retarget"] == f"#take-{take.id}"
    assert response["HX-Reswap"] == "outerHTML"
    assert f'id="take-{take.id}"' in body
    if status == TakeStatus.FAILED:
        assert "Out of memory at the provider." in body
    if status == TakeStatus.SUCCEEDED:
        assert take.poster.url in body


def test_a_deleted_take_tells_a_members_page_to_stop_polling(viewer_client, outsider_client, shot):
    take = make_take(shot, TakeStatus.RUNNING)
    url = take_url("take-status", take)
    take.delete()
    assert viewer_client.get(url, **HTMX).status_code == 286
    assert viewer_client.get(url).status_code == 404
    assert outsider_client.get(url, **HTMX).status_code == 404


def test_the_status_of_a_finished_take_renders_without_polling_outside_htmx(viewer_client, shot):
    take = make_take(shot, TakeStatus.SUCCEEDED)
    body = viewer_client.get(take_url("take-status", take)).content.decode()
    assert "hx-trigger" not in body and "Succeeded" in body


def test_it_escapes_the_provider_error(viewer_client, shot):
    take = make_take(shot, TakeStatus.FAILED, error="<script>alert(1)</script>")
    body = viewer_client.get(panel_url(shot), **HTMX).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert take.error


# --- Circle -----------------------------------------------------------------------------------


def test_circling_a_take_marks_it_for_the_cut(editor_client, shot):
    take = make_take(shot, TakeStatus.SUCCEEDED)
    response = editor_client.post(take_url("take-circle", take), **HTMX)
    shot.refresh_from_db()
    assert shot.circled_take == take
    body = response.content.decode()
    assert "is-circled" in body and take_url("take-uncircle", take) in body


def test_circling_another_take_replaces_the_first(editor_client, shot):
    first = make_take(shot, TakeStatus.SUCCEEDED)
    second = make_take(shot, TakeStatus.SUCCEEDED)
    editor_client.post(take_url("take-circle", first), **HTMX)
    editor_client.post(take_url("take-circle", second), **HTMX)
    shot.refresh_from_db()
    assert shot.circled_take == second


def test_uncircling_leaves_the_shot_without_a_circled_take(editor_client, shot):
    take = make_take(shot, TakeStatus.SUCCEEDED)
    editor_client.post(take_url("take-circle", take), **HTMX)
    editor_client.post(take_url("take-uncircle", take), **HTMX)
    shot.refresh_from_db()
    assert shot.circled_take is None


def test_uncircling_a_take_that_is_not_circled_keeps_the_circled_one(editor_client, shot):
    circled = make_take(shot, TakeStatus.SUCCEEDED)
    other = make_take(shot, TakeStatus.SUCCEEDED)
    editor_client.post(take_url("take-circle", circled), **HTMX)
    editor_client.post(take_url("take-uncircle", other), **HTMX)
    shot.refresh_from_db()
    assert shot.circled_take == circled


@pytest.mark.parametrize("status", [TakeStatus.RUNNING, TakeStatus.FAILED])
def test_only_a_finished_take_can_be_circled(editor_client, shot, status):
    take = make_take(shot, status)
    response = editor_client.post(take_url("take-circle", take), **HTMX)
    shot.refresh_from_db()
    assert shot.circled_take is None
    assert "Only a finished take can be circled." in response.content.decode()


def test_the_player_page_circles_and_goes_back_to_the_player(editor_client, shot):
    take = make_take(shot, TakeStatus.SUCCEEDED)
    player = take_url("take-player", take)
    assert take_url("take-circle", take) in editor_client.get(player).content.decode()
    response = editor_client.post(take_url("take-circle", take), {"next": player})
    assert response.status_code == 302 and response["Location"] == player
    shot.refresh_from_db()
    assert shot.circled_take == take
    assert take_url("take-uncircle", take) in editor_client.get(player).content.decode()


def test_the_player_page_has_no_circle_button_for_viewers(viewer_client, shot):
    take = make_take(shot, TakeStatus.SUCCEEDED)
    assert (
        take_url("take-circle", take)
        not in viewer_client.get(take_url("take-player", take)).content.decode()
    )


# --- Retry and cancel -------------------------------------------------------------------------


def test_retry_asks_again_with_the_same_request_as_a_child_take(owner_client, owner, shot):
    owner_client.post(generate_url(shot), default_request(shot))
    failed = shot.takes.get()
    Take.objects.filter(id=failed.id).update(status=TakeStatus.FAILED, error="Timed out.")
    response = owner_client.post(take_url("take-retry", failed), **HTMX)
    assert response.status_code == 200
    child = shot.takes.get(number=2)
    assert child.parent == failed
    assert (child.provider, child.model, child.seconds, child.width, child.height) == (
        failed.provider,
        failed.model,
        failed.seconds,
        failed.width,
        failed.height,
    )
    assert f'id="take-{child.id}"' in response.content.decode()
    assert "Retry of take 1" in response.content.decode()


def test_cancel_stops_an_active_take(owner_client, shot):
    owner_client.post(generate_url(shot), default_request(shot))
    take = shot.takes.get()
    response = owner_client.post(take_url("take-cancel", take), **HTMX)
    take.refresh_from_db()
    assert response.status_code == 200
    assert take.status == TakeStatus.CANCELED
    assert f'id="take-{take.id}-status"' in response.content.decode()


# --- The player page --------------------------------------------------------------------------


def test_the_player_counts_in_the_files_frame_rate(viewer_client, shot):
    take = make_take(shot, TakeStatus.SUCCEEDED, seconds=Decimal("2"))
    Take.objects.filter(id=take.id).update(result_fps=25.0, duration=2.0)
    response = viewer_client.get(take_url("take-player", take))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-fps="25.0"' in body and 'data-frames="50"' in body
    assert f'src="{take.video.url}"' in body
    assert "js/player.js" in body


def test_the_player_of_an_unfinished_take_shows_its_status(viewer_client, shot):
    take = make_take(shot, TakeStatus.RUNNING, progress=12)
    body = viewer_client.get(take_url("take-player", take)).content.decode()
    assert "<video" not in body
    assert 'aria-valuenow="12"' in body


# --- Generate missing takes -------------------------------------------------------------------


def test_generate_missing_queues_one_take_for_each_shot_without_one(owner_client, scene):
    with_take = ShotFactory(scene=scene, position=0)
    make_take(with_take, TakeStatus.SUCCEEDED)
    in_flight = ShotFactory(scene=scene, position=1)
    make_take(in_flight, TakeStatus.RUNNING)
    only_failed = ShotFactory(scene=scene, position=2)
    make_take(only_failed, TakeStatus.FAILED)
    bare = ShotFactory(scene=scene, position=3)
    other_scene_shot = ShotFactory(scene=SceneFactory(project=scene.project, position=1))

    url = reverse("scene-generate-missing", args=[scene.project_id, scene.id])
    response = owner_client.post(url, follow=True)

    assert response.status_code == 200
    assert with_take.takes.count() == 1 and in_flight.takes.count() == 1
    assert only_failed.takes.count() == 2 and bare.takes.count() == 1
    assert other_scene_shot.takes.count() == 0
    assert "Queued 2 takes for Arrival." in response.content.decode()


def test_generate_missing_says_so_when_nothing_is_missing(owner_client, scene, shot):
    make_take(shot, TakeStatus.SUCCEEDED)
    url = reverse("scene-generate-missing", args=[scene.project_id, scene.id])
    response = owner_client.post(url, follow=True)
    assert shot.takes.count() == 1
    assert "already has a take" in response.content.decode()


def test_generate_missing_says_so_when_no_provider_is_switched_on(
    owner_client, settings, scene, shot
):
    settings.LOCAL_PROVIDER_ENABLED = False
    url = reverse("scene-generate-missing", args=[scene.project_id, scene.id])
    response = owner_client.post(url, follow=True)
    assert shot.takes.count() == 0
    assert "No video provider is switched on" in response.content.decode()


def test_generate_missing_goes_back_only_to_a_local_page(owner_client, scene):
    url = reverse("scene-generate-missing", args=[scene.project_id, scene.id])
    response = owner_client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("scene-animatic", args=[scene.project_id, scene.id])


# --- The page learns when credits move -----------------------------------------------------------


def test_queueing_a_take_tells_the_page_that_credits_changed(owner_client, shot):
    response = owner_client.post(generate_url(shot), default_request(shot), **HTMX)
    assert response.status_code == 200
    assert shot.takes.count() == 1
    assert response["HX-Trigger"] == '{"credits-changed": {}}'


def test_a_take_that_finishes_tells_the_page_that_credits_changed(owner_client, shot):
    running = make_take(shot, TakeStatus.RUNNING, progress=40)
    assert "HX-Trigger" not in owner_client.get(take_url("take-status", running), **HTMX)
    done = make_take(shot, TakeStatus.SUCCEEDED)
    response = owner_client.get(take_url("take-status", done), **HTMX)
    assert response["HX-Trigger"] == '{"credits-changed": {}}'


def test_the_credits_badge_fetches_itself_again_when_credits_change(owner_client):
    response = owner_client.get(reverse("header-credits"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="header-credits"' in body
    assert 'hx-trigger="credits-changed from:body"' in body
