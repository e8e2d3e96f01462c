"""Shots: added and edited in place on the board, the shot editor, and its live prompt preview.

Every view starts with studio.access; reviewers and viewers may look but their POSTs get 403.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from studio.access import get_object_in_project, get_project_for_user
from studio.models import Project, Scene
from studio.views import board_changed, render_form

from .forms import ShotForm, ShotQuickForm
from .models import Shot, reorder


@login_required
def shot_create(request: HttpRequest, project_id: uuid.UUID, scene_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    scene = get_object_in_project(Scene, project, scene_id)
    form = ShotQuickForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shot = Shot.create_in_scene(scene, **form.cleaned_data)
        shot.link_mentioned_characters()
        return board_changed(request, project, membership, anchor=f"shot-{shot.id}")
    context = {"project": project, "scene": scene, "form": form}
    return render_form(request, "shots/_shot_form.html", context, f"New shot in “{scene.title}”")


@login_required
def shot_edit(request: HttpRequest, project_id: uuid.UUID, shot_id: uuid.UUID) -> HttpResponse:
    """The quick edit on a board card (the full editor is shot_detail)."""
    project, membership = get_project_for_user(request, project_id, edit=True)
    shot = get_object_in_project(Shot, project, shot_id)
    form = ShotQuickForm(request.POST or None, instance=shot)
    if request.method == "POST" and form.is_valid():
        form.save()
        shot.link_mentioned_characters()
        return board_changed(request, project, membership, anchor=f"shot-{shot.id}")
    context = {"project": project, "scene": shot.scene, "shot": shot, "form": form}
    return render_form(request, "shots/_shot_form.html", context, f"Edit shot {shot.code}")


@login_required
@require_POST
def shot_delete(request: HttpRequest, project_id: uuid.UUID, shot_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    shot = get_object_in_project(Shot, project, shot_id)
    code = shot.code
    shot.delete()
    messages.success(request, f"Deleted shot {code}.")
    return board_changed(request, project, membership)


@login_required
@require_POST
def shot_move(request: HttpRequest, project_id: uuid.UUID, shot_id: uuid.UUID) -> HttpResponse:
    """The keyboard alternative to dragging: one place earlier or later, across scene borders."""
    project, membership = get_project_for_user(request, project_id, edit=True)
    shot = get_object_in_project(Shot, project, shot_id)
    step = -1 if request.POST.get("direction") == "earlier" else 1
    new_order = _moved(project, shot, step)
    if new_order:
        reorder(project, shot_order=new_order)
    return board_changed(request, project, membership, anchor=f"shot-{shot.id}")


def _moved(project: Project, shot: Shot, step: int) -> dict[uuid.UUID, list[uuid.UUID]] | None:
    """The shot orders of the scenes a one-place move touches (None when it cannot move).

    Past the first or last shot of its scene, a shot moves to the end of the previous scene or
    the start of the next one.
    """
    scene_ids = list(project.scenes.values_list("id", flat=True))
    order: dict[uuid.UUID, list[uuid.UUID]] = {scene_id: [] for scene_id in scene_ids}
    for scene_id, shot_id in (
        Shot.objects.for_project(project).order_by("position", "id").values_list("scene_id", "id")
    ):
        order[scene_id].append(shot_id)
    ids = order[shot.scene_id]
    index = ids.index(shot.id)
    if 0 <= index + step < len(ids):
        ids[index], ids[index + step] = ids[index + step], ids[index]
        return {shot.scene_id: ids}
    neighbour = scene_ids.index(shot.scene_id) + step
    if not 0 <= neighbour < len(scene_ids):
        return None
    ids.remove(shot.id)
    other = order[scene_ids[neighbour]]
    if step < 0:
        other.append(shot.id)
    else:
        other.insert(0, shot.id)
    return {shot.scene_id: ids, scene_ids[neighbour]: other}


@login_required
def shot_detail(request: HttpRequest, project_id: uuid.UUID, shot_id: uuid.UUID) -> HttpResponse:
    """The shot editor: every field, characters, panel, and the prompt it compiles to."""
    project, membership = get_project_for_user(request, project_id, edit=request.method == "POST")
    shot = get_object_in_project(
        Shot.objects.select_related("scene", "circled_take"), project, shot_id
    )
    form = None
    if membership.can_edit:
        form = ShotForm(request.POST or None, request.FILES or None, instance=shot, project=project)
        if request.method == "POST" and form.is_valid():
            shot = form.save()
            project.touch()
            messages.success(request, f"Shot {shot.code} saved.")
            if not request.htmx:
                return redirect(shot)
            form = ShotForm(instance=shot, project=project)
    context = {
        "project": project,
        "membership": membership,
        "can_edit": membership.can_edit,
        "shot": shot,
        "scene": shot.scene,
        "form": form,
        "prompt": shot.compiled_prompt(),
        "neighbours": _neighbours(project, shot),
    }
    template = "shots/_shot_form_full.html" if request.htmx else "shots/shot_detail.html"
    return render(request, template, context)


def _neighbours(project: Project, shot: Shot) -> dict[str, Shot | None]:
    """The shots before and after this one on the board, for previous/next links."""
    ordered = list(
        Shot.objects.for_project(project)
        .order_by("scene__position", "scene_id", "position", "id")
        .only("id", "code", "project_id")
    )
    index = next(i for i, s in enumerate(ordered) if s.id == shot.id)
    return {
        "previous": ordered[index - 1] if index > 0 else None,
        "next": ordered[index + 1] if index + 1 < len(ordered) else None,
    }


@login_required
@require_POST
def shot_prompt_preview(
    request: HttpRequest, project_id: uuid.UUID, shot_id: uuid.UUID
) -> HttpResponse:
    """The compiled prompt of the editor's unsaved values; nothing is saved."""
    project, _ = get_project_for_user(request, project_id, edit=True)
    shot = get_object_in_project(Shot, project, shot_id)
    form = ShotForm(request.POST, instance=shot, project=project)
    prompt = form.preview_prompt()
    return render(
        request, "shots/_prompt_preview.html", {"project": project, "shot": shot, "prompt": prompt}
    )
