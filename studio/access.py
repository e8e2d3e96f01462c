"""Who may see and change what. Every view and every partial starts here.

A project the user is not a member of does not exist for them (404, never 403, so its existence is
not leaked). Members who may not change it (reviewers, viewers) get 403 on a change.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import Membership, Project


def get_membership(request: HttpRequest, project_id: uuid.UUID | str) -> Membership:
    """The signed-in user's membership of the project, or 404."""
    if not request.user.is_authenticated:
        raise Http404("No such project.")
    membership = (
        Membership.objects.select_related("project")
        .filter(project_id=project_id, user=request.user)
        .first()
    )
    if membership is None:
        raise Http404("No such project.")
    return membership


def get_project_for_user(
    request: HttpRequest, project_id: uuid.UUID | str, *, edit: bool = False, owner: bool = False
) -> tuple[Project, Membership]:
    """The project and the user's membership.

    404 for outsiders; 403 for a change their role may not make.
    """
    membership = get_membership(request, project_id)
    if owner and not membership.is_owner:
        raise PermissionDenied("Only the project's owners can do that.")
    if edit and not membership.can_edit:
        raise PermissionDenied("Your role on this project cannot change it.")
    return membership.project, membership


def get_object_in_project(model, project: Project, object_id: uuid.UUID | str, **lookups):
    """An object of the project by id, or 404 (objects of other projects are never found)."""
    return get_object_or_404(model, project=project, id=object_id, **lookups)
