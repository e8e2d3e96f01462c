"""Takes in the browser: the Generate form, the strip of takes with live status, the player, the
animatic of a scene or of the whole project, and "generate missing takes".

Every view starts with studio.access (404 for outsiders, 403 for a change a reviewer or viewer may
not make); every take is created through shots.renders, never here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling, reswap, retarget, trigger_client_event

from studio.access import get_object_in_project, get_project_for_user
from studio.models import Membership, Project, Scene

from . import renders
from .forms import GenerateForm, default_provider_name
from .models import ACTIVE_STATUSES, Shot, Take, TakeStatus

NO_PROVIDER = "No video provider is switched on for this studio. Ask an administrator."
# The htmx event that tells the page a hold was placed, captured or released: the credit estimate
# and the header's credits badge fetch themselves again.
CREDITS_CHANGED = "credits-changed"


# --- Helpers shared by the views ---------------------------------------------------------------


def _get_take(project: Project, take_id: Any) -> Take:
    """A take of the project's shots, or 404 (takes of other projects are never found)."""
    return get_object_or_404(
        Take.objects.select_related("shot", "shot__project", "parent"),
        id=take_id,
        shot__project=project,
    )


def _credit_estimate_url() -> str | None:
    """The billing estimate partial, when the billing app provides it."""
    try:
        return reverse("credit-estimate")
    except NoReverseMatch:
        return None


def _shot_url(shot: Shot) -> str:
    try:
        return shot.get_absolute_url()
    except NoReverseMatch:
        return reverse("board", args=[shot.project_id])


def _next_url(request: HttpRequest, default: str) -> str:
    """The `next` page posted with a form, when it is one of ours; else `default`."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return default


def _strip_context(project: Project, membership: Membership, shot: Shot, **extra) -> dict:
    takes = shot.takes.select_related("parent").order_by("-number")
    return {
        "project": project,
        "membership": membership,
        "can_edit": membership.can_edit,
        "shot": shot,
        "takes": takes,
        **extra,
    }


def _render_panel(
    request: HttpRequest, project: Project, membership: Membership, shot: Shot, **extra
) -> HttpResponse:
    form = extra.pop("form", None)
    if form is None and membership.can_edit:
        form = GenerateForm(shot)
    context = _strip_context(
        project,
        membership,
        shot,
        panel_loaded=True,
        form=form,
        credit_estimate_url=_credit_estimate_url(),
        **extra,
    )
    template = "shots/takes_page.html" if extra.get("page") else "shots/_takes_panel.html"
    return render(request, template, context)


def _render_strip(
    request: HttpRequest, project: Project, membership: Membership, shot: Shot, error: str = ""
) -> HttpResponse:
    if not request.htmx:
        # A plain form (the player page): back where it came from, with the outcome as a message.
        if error:
            messages.error(request, error)
        return redirect(_next_url(request, _shot_url(shot)))
    context = _strip_context(project, membership, shot, strip_error=error)
    return render(request, "shots/_take_strip.html", context)


def _first_message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The takes panel: Generate form and strip --------------------------------------------------


@login_required
@require_GET
def takes_panel(request: HttpRequest, project_id, shot_id) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id)
    shot = get_object_in_project(Shot, project, shot_id)
    if not request.htmx:
        # The shot page loads this panel with htmx; without it, the panel gets a page of its own.
        extra = {"page": True, "shot_url": _shot_url(shot)}
        return _render_panel(request, project, membership, shot, **extra)
    return _render_panel(request, project, membership, shot)


@login_required
@require_GET
def generate_form(request: HttpRequest, project_id, shot_id) -> HttpResponse:
    """The form again for a new provider or model: its other choices follow what that one allows."""
    project, membership = get_project_for_user(request, project_id, edit=True)
    shot = get_object_in_project(Shot, project, shot_id)
    context = {
        "project": project,
        "shot": shot,
        "form": GenerateForm(shot, request.GET),
        "credit_estimate_url": _credit_estimate_url(),
    }
    return render(request, "shots/_take_generate_form.html", context)


@login_required
@require_POST
def take_generate(request: HttpRequest, project_id, shot_id) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    shot = get_object_in_project(Shot, project, shot_id)
    form = GenerateForm(shot, request.POST, bound=True)
    queued: list[Take] = []
    if form.is_valid():
        try:
            queued = renders.request_take(shot, request.user, **form.request_kwargs())
        except ValidationError as error:
            form.add_error(None, _first_message(error))
    if queued:
        notice = f"Queued {len(queued)} take{'s' if len(queued) != 1 else ''}."
        if not request.htmx:
            messages.success(request, notice)
            return redirect(_shot_url(shot))
        # A fresh form that keeps the choices just made, ready for the next Generate.
        form = GenerateForm(shot, request.POST)
        response = _render_panel(request, project, membership, shot, form=form, notice=notice)
        return trigger_client_event(response, CREDITS_CHANGED)
    if not request.htmx:
        messages.error(
            request, " ".join(str(e) for e in form.non_field_errors()) or "Check the form."
        )
        return redirect(_shot_url(shot))
    return _render_panel(request, project, membership, shot, form=form)


# --- One take: live status, retry, cancel, circle --------------------------------------------


@login_required
@require_GET
def take_status(request: HttpRequest, project_id, take_id) -> HttpResponse:
    """Polled about once a second while the take is active.

    Once the take is terminal the whole card is swapped in once (poster, actions), rendered
    without the polling trigger, so htmx stops asking. A take deleted meanwhile (with its shot)
    tells a member's page to stop polling (286); outsiders still get 404 from the access check.
    """
    project, membership = get_project_for_user(request, project_id)
    try:
        take = _get_take(project, take_id)
    except Http404:
        if request.htmx:
            return HttpResponseStopPolling()
        raise
    context = {"project": project, "shot": take.shot, "take": take, "can_edit": membership.can_edit}
    if take.is_terminal and request.htmx:
        response = render(request, "shots/_take_card.html", context)
        trigger_client_event(response, CREDITS_CHANGED)
        return reswap(retarget(response, f"#take-{take.id}"), "outerHTML")
    return render(request, "shots/_take_status.html", context)


def _retry_or_cancel(request: HttpRequest, project_id, take_id, change) -> HttpResponse:
    """Both move credits (a new hold, or a refund), so the page hears of it."""
    project, membership = get_project_for_user(request, project_id, edit=True)
    take = _get_take(project, take_id)
    error = ""
    try:
        change(take, request.user)
    except ValidationError as exc:
        error = _first_message(exc)
    response = _render_strip(request, project, membership, take.shot, error)
    return trigger_client_event(response, CREDITS_CHANGED) if request.htmx else response


@login_required
@require_POST
def take_retry(request: HttpRequest, project_id, take_id) -> HttpResponse:
    """A new take with the same request, linked to this one as its parent."""
    return _retry_or_cancel(request, project_id, take_id, renders.retry_take)


@login_required
@require_POST
def take_cancel(request: HttpRequest, project_id, take_id) -> HttpResponse:
    return _retry_or_cancel(request, project_id, take_id, renders.cancel_take)


@login_required
@require_POST
def take_circle(request: HttpRequest, project_id, take_id) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    take = _get_take(project, take_id)
    shot = take.shot
    try:
        shot.circle(take)
    except ValidationError as exc:
        return _render_strip(request, project, membership, shot, _first_message(exc))
    project.touch()
    return _render_strip(request, project, membership, shot)


@login_required
@require_POST
def take_uncircle(request: HttpRequest, project_id, take_id) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    take = _get_take(project, take_id)
    shot = take.shot
    shot.uncircle(take)
    project.touch()
    return _render_strip(request, project, membership, shot)


# --- The player ------------------------------------------------------------------------------


def player_numbers(take: Take) -> dict[str, Any]:
    """The fps and frame count the player counts in: the file's own when known."""
    fps = take.result_fps or take.fps or 24
    duration = take.duration if take.duration is not None else float(take.seconds)
    return {"fps": fps, "duration": duration, "frames": max(1, round(duration * fps))}


@login_required
@require_GET
def take_player(request: HttpRequest, project_id, take_id) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id)
    take = _get_take(project, take_id)
    shot = take.shot
    context = {
        "project": project,
        "membership": membership,
        "can_edit": membership.can_edit,
        "shot": shot,
        "take": take,
        "shot_url": _shot_url(shot),
        "siblings": shot.takes.order_by("number"),
        **player_numbers(take),
    }
    return render(request, "shots/take_player.html", context)


# --- The animatic ----------------------------------------------------------------------------


def _playable(take: Take | None) -> bool:
    return bool(take and take.status == TakeStatus.SUCCEEDED and take.video)


def animatic_sequence(project: Project, shots: list[Shot]) -> dict[str, Any]:
    """The shots as one timeline in the project's frame rate.

    A shot with a finished circled take plays that take for the take's length; any other shot holds
    its panel (or a card with its code and text) for the shot's duration. Starts and lengths are
    whole frames, so the playhead and the timecode agree everywhere.
    """
    fps = project.fps or 24
    segments = []
    frame = 0
    previous_scene = None
    for shot in shots:
        take = shot.circled_take if _playable(shot.circled_take) else None
        if take is not None:
            seconds = take.duration if take.duration is not None else float(take.seconds)
        else:
            seconds = float(shot.duration)
        frames = max(1, round(seconds * fps))
        segments.append(
            {
                "shot": str(shot.id),
                "code": shot.code,
                "scene": shot.scene.title,
                "scene_start": shot.scene_id != previous_scene,
                "subject": shot.subject,
                "action": shot.action,
                "dialogue": shot.dialogue,
                "start_frame": frame,
                "frames": frames,
                "start": frame / fps,
                "duration": frames / fps,
                "kind": "video" if take else ("panel" if shot.panel else "card"),
                "take": take.number if take else None,
                "video": take.video.url if take else None,
                "poster": take.poster.url if take and take.poster else None,
                "panel": shot.panel.url if shot.panel else None,
                "url": _shot_url(shot),
            }
        )
        frame += frames
        previous_scene = shot.scene_id
    for segment in segments:
        # Where the segment sits on the timeline bar, in percent (the server draws the bar).
        segment["left"] = round(100 * segment["start_frame"] / frame, 4) if frame else 0
        segment["width"] = round(100 * segment["frames"] / frame, 4) if frame else 0
    return {"fps": fps, "frames": frame, "duration": frame / fps, "segments": segments}


def _animatic_shots(project: Project, scene: Scene | None) -> list[Shot]:
    shots = Shot.objects.for_project(project).select_related("scene", "circled_take")
    if scene is not None:
        return list(shots.filter(scene=scene).order_by("position", "id"))
    return list(shots.order_by("scene__position", "scene_id", "position", "id"))


def _render_animatic(
    request: HttpRequest, project: Project, membership: Membership, scene: Scene | None
) -> HttpResponse:
    context = {
        "project": project,
        "membership": membership,
        "can_edit": membership.can_edit,
        "scene": scene,
        "scenes": project.scenes.order_by("position", "id"),
        "sequence": animatic_sequence(project, _animatic_shots(project, scene)),
    }
    return render(request, "shots/animatic.html", context)


@login_required
@require_GET
def project_animatic(request: HttpRequest, project_id) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id)
    return _render_animatic(request, project, membership, None)


@login_required
@require_GET
def scene_animatic(request: HttpRequest, project_id, scene_id) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id)
    scene = get_object_in_project(Scene, project, scene_id)
    return _render_animatic(request, project, membership, scene)


# --- Generate missing takes for a scene ------------------------------------------------------


def shots_missing_takes(scene: Scene):
    """Shots with no finished take and none on its way (a failed take counts as missing)."""
    alive = [*ACTIVE_STATUSES, TakeStatus.SUCCEEDED]
    return (
        scene.shots.exclude(takes__status__in=alive)
        .select_related("project")
        .order_by("position", "id")
    )


@login_required
@require_POST
def scene_generate_missing(request: HttpRequest, project_id, scene_id) -> HttpResponse:
    """One take with the default provider for every shot of the scene that has none yet."""
    project, membership = get_project_for_user(request, project_id, edit=True)
    scene = get_object_in_project(Scene, project, scene_id)
    back = _next_url(request, reverse("scene-animatic", args=[project.id, scene.id]))
    if default_provider_name() is None:
        messages.error(request, NO_PROVIDER)
        return redirect(back)
    queued = 0
    refused: list[str] = []
    for shot in shots_missing_takes(scene):
        request_kwargs = GenerateForm(shot).default_request()
        if request_kwargs is None:
            refused.append(f"{shot.code}: no model of the default provider is switched on")
            continue
        try:
            queued += len(renders.request_take(shot, request.user, **request_kwargs))
        except ValidationError as exc:
            refused.append(f"{shot.code}: {_first_message(exc)}")
    if queued:
        messages.success(
            request, f"Queued {queued} take{'s' if queued != 1 else ''} for {scene.title}."
        )
    elif not refused:
        messages.info(request, f"Every shot of {scene.title} already has a take.")
    if refused:
        messages.error(request, "Not queued: " + "; ".join(refused))
    return redirect(back)
