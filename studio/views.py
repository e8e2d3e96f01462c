"""Projects and the board: the project list, project settings, scenes, reordering, renumbering.

Every view starts with studio.access. The same view serves a full page and, for htmx requests,
the fragment that changed: after any change on the board that fragment is the board body
(`studio/_scenes.html`, id "board-body"), re-rendered in a constant number of queries.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from shots.models import Shot, renumber_shots, reorder

from .access import get_object_in_project, get_project_for_user
from .forms import ProjectForm, SceneForm
from .models import Membership, Project, Role, Scene

# --- The board --------------------------------------------------------------------------------


def board_context(project: Project, membership: Membership) -> dict:
    """Scenes with their shots, numbers and running times: three queries whatever the size.

    Scene numbers come from enumeration and running times are summed here, so no query is made
    per scene or per shot.
    """
    scenes = list(project.scenes.all())
    shot_url = {
        name: _url_for_each(name, project.id)
        for name in ("shot-detail", "shot-edit", "shot-move", "shot-delete")
    }
    character_url = _url_for_each("character-detail", project.id)
    by_scene: dict[uuid.UUID, list[Shot]] = defaultdict(list)
    for shot in Shot.objects.for_project(project).for_board():
        shot.project = project  # the card reads the project's aspect ratio: no query per shot
        shot.urls = {name.removeprefix("shot-"): url(shot.id) for name, url in shot_url.items()}
        shot.board_characters = list(shot.characters.all())
        for character in shot.board_characters:
            character.url = character_url(character.id)
        by_scene[shot.scene_id].append(shot)
    total = Decimal(0)
    for number, scene in enumerate(scenes, start=1):
        scene.number = number
        scene.board_shots = by_scene[scene.id]
        scene.running_time = sum((s.duration for s in scene.board_shots), Decimal(0))
        total += scene.running_time
    return {
        "project": project,
        "membership": membership,
        "can_edit": membership.can_edit,
        "scenes": scenes,
        "shot_count": sum(len(s.board_shots) for s in scenes),
        "running_time": total,
    }


def _url_for_each(name: str, project_id: uuid.UUID) -> Callable[[uuid.UUID], str]:
    """The URL `name` for any object id of the project: reversed once, the id put in per object.

    A board of 1,000 shots has several thousand links; reverse() for each was a quarter of the
    render time. A URL name that does not exist (yet) gives empty links, shown as plain text.
    """
    placeholder = str(uuid.UUID(int=0))
    try:
        pattern = reverse(name, args=[project_id, placeholder])
    except NoReverseMatch:
        return lambda object_id: ""
    return lambda object_id: pattern.replace(placeholder, str(object_id))


def render_board_body(
    request: HttpRequest, project: Project, membership: Membership
) -> HttpResponse:
    """The board body, retargeted so that a form anywhere on the board can answer with it."""
    response = render(request, "studio/_scenes.html", board_context(project, membership))
    return reswap(retarget(response, "#board-body"), "outerHTML")


def board_changed(
    request: HttpRequest, project: Project, membership: Membership, anchor: str = ""
) -> HttpResponse:
    """What a successful change answers: the new board body for htmx, else back to the board."""
    project.touch()
    if request.htmx:
        return render_board_body(request, project, membership)
    return redirect(project.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def render_form(request: HttpRequest, fragment: str, context: dict, title: str) -> HttpResponse:
    """A form fragment for htmx, or the same fragment on a page of its own without htmx."""
    context = {**context, "fragment": fragment, "title": title}
    template = fragment if request.htmx else "studio/_scene_page.html"
    return render(request, template, context)


@login_required
@require_GET
def board(request: HttpRequest, project_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id)
    template = "studio/_scenes.html" if request.htmx else "studio/board.html"
    return render(request, template, board_context(project, membership))


# --- Projects ---------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    first_panel = (
        Shot.objects.filter(project=OuterRef("pk"))
        .exclude(panel_thumbnail="")
        .order_by("scene__position", "position")
        .values("panel_thumbnail")[:1]
    )
    projects = (
        Project.objects.for_user(request.user)
        .with_counts()
        .annotate(cover=Subquery(first_panel))
        .order_by("-updated_at")
    )
    roles = dict(Membership.objects.filter(user=request.user).values_list("project_id", "role"))
    projects = list(projects)
    for project in projects:
        project.my_role = roles.get(project.id)
        project.cover_url = default_storage.url(project.cover) if project.cover else ""
    return render(request, "studio/project_list.html", {"projects": projects})


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            project = form.save(commit=False)
            project.created_by = request.user
            project.save()
            project.add_member(request.user, Role.OWNER)
        messages.success(
            request, f"Created “{project.title}”. Add a first scene to start the board."
        )
        return redirect(project)
    return render(request, "studio/project_form.html", {"form": form})


@login_required
def project_edit(request: HttpRequest, project_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=request.method == "POST")
    if not membership.can_edit:
        # Reviewers and viewers may read the settings but get no form to change them.
        return render(
            request, "studio/project_form.html", {"project": project, "membership": membership}
        )
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Project settings saved.")
        return redirect(project)
    return render(
        request,
        "studio/project_form.html",
        {"form": form, "project": project, "membership": membership},
    )


# --- Scenes -----------------------------------------------------------------------------------


@login_required
def scene_create(request: HttpRequest, project_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    form = SceneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scene = form.save(commit=False)
        scene.project = project
        scene.position = project.next_scene_position()
        scene.save()
        return board_changed(request, project, membership, anchor=f"scene-{scene.id}")
    context = {"project": project, "form": form}
    return render_form(request, "studio/_scene_form.html", context, "New scene")


@login_required
def scene_edit(request: HttpRequest, project_id: uuid.UUID, scene_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    scene = get_object_in_project(Scene, project, scene_id)
    form = SceneForm(request.POST or None, instance=scene)
    if request.method == "POST" and form.is_valid():
        form.save()
        return board_changed(request, project, membership, anchor=f"scene-{scene.id}")
    context = {"project": project, "form": form, "scene": scene}
    return render_form(request, "studio/_scene_form.html", context, f"Edit scene “{scene.title}”")


@login_required
@require_POST
def scene_delete(request: HttpRequest, project_id: uuid.UUID, scene_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    scene = get_object_in_project(Scene, project, scene_id)
    title = scene.title
    scene.delete()
    messages.success(request, f"Deleted scene “{title}” and its shots.")
    return board_changed(request, project, membership)


@login_required
@require_POST
def scene_move(request: HttpRequest, project_id: uuid.UUID, scene_id: uuid.UUID) -> HttpResponse:
    """The keyboard alternative to dragging a scene: one place earlier or later."""
    project, membership = get_project_for_user(request, project_id, edit=True)
    scene = get_object_in_project(Scene, project, scene_id)
    step = -1 if request.POST.get("direction") == "earlier" else 1
    order = list(project.scenes.values_list("id", flat=True))
    index = order.index(scene.id)
    target = index + step
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        reorder(project, scene_order=order)
    return board_changed(request, project, membership, anchor=f"scene-{scene.id}")


# --- Order and numbering ----------------------------------------------------------------------


def _uuids(values: list[str]) -> list[uuid.UUID]:
    return [uuid.UUID(value) for value in values]


@login_required
@require_POST
def board_reorder(request: HttpRequest, project_id: uuid.UUID) -> HttpResponse:
    """Save the order the board shows after a drag and drop.

    POST `scene` = every scene id in the new order, and for each scene `shots-<scene id>` = the
    ids of the shots that now stand in it, in order. Anything that is not the project's is
    refused with 400 and nothing is saved.
    """
    project, membership = get_project_for_user(request, project_id, edit=True)
    try:
        scene_order = _uuids(request.POST.getlist("scene"))
        shot_order = {
            scene_id: _uuids(request.POST.getlist(f"shots-{scene_id}")) for scene_id in scene_order
        }
        reorder(project, scene_order=scene_order, shot_order=shot_order)
    except ValueError as error:
        return HttpResponseBadRequest(f"This order cannot be saved: {error}")
    return board_changed(request, project, membership)


@login_required
@require_POST
def board_renumber(request: HttpRequest, project_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    changed = renumber_shots(project)
    if changed:
        messages.success(request, f"Renumbered {changed} shot{'s' if changed != 1 else ''}.")
    else:
        messages.info(request, "Every shot already has the code of its place.")
    if request.htmx:
        return render_board_body(request, project, membership)
    return redirect(project)
