"""Project members: everyone on the project sees who else is on it; only owners add people by
username, change roles and remove people, and a project always keeps at least one owner
(Membership.change_role and Membership.remove say no otherwise).

htmx requests get the fragment (`_members.html`, which carries its own id) instead of the page;
form errors come back with status 200 so htmx swaps them in place.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .access import get_project_for_user
from .character_views import wants_fragment
from .models import Membership, Project, Role

User = get_user_model()


# --- Forms ---------------------------------------------------------------------------------------


class AddMemberForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "username"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_username(self):
        username = self.cleaned_data["username"].strip().lstrip("@")
        user = User.objects.filter(username=username).first()
        if user is None:
            # Django usernames are case-sensitive; accept another case when it is unambiguous.
            matches = list(User.objects.filter(username__iexact=username)[:2])
            user = matches[0] if len(matches) == 1 else None
        if user is None or not user.is_active:
            raise ValidationError(f"There is no user called “{username}”. Check the spelling.")
        existing = self.project.memberships.filter(user=user).first()
        if existing:
            role = existing.get_role_display().lower()
            raise ValidationError(
                f"{user.username} is already on this project as {role}; change their role below."
            )
        return user


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


# --- Member views ------------------------------------------------------------------------------


def _members_response(
    request: HttpRequest,
    project: Project,
    membership: Membership,
    *,
    form: AddMemberForm | None = None,
    errors: dict[int, str] | None = None,
) -> HttpResponse:
    members = list(project.memberships.select_related("user").order_by("user__username"))
    order = {role: index for index, role in enumerate(Role.values)}
    members.sort(key=lambda m: (order[m.role], m.user.username.lower()))
    for member in members:
        member.error = (errors or {}).get(member.pk, "")
    if form is None and membership.is_owner:
        form = AddMemberForm(project=project)
    context = {
        "project": project,
        "membership": membership,
        "members": members,
        "form": form,
        "roles": Role.choices,
    }
    if wants_fragment(request):
        return render(request, "studio/_members.html", context | {"fragment": True})
    return render(request, "studio/members.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, project_id: uuid.UUID) -> HttpResponse:
    """The list for every member; on POST (owners only) add a member by username."""
    project, membership = get_project_for_user(request, project_id, owner=request.method == "POST")
    if request.method != "POST":
        return _members_response(request, project, membership)
    form = AddMemberForm(request.POST, project=project)
    if not form.is_valid():
        return _members_response(request, project, membership, form=form)
    added = project.add_member(form.cleaned_data["username"], form.cleaned_data["role"])
    messages.success(
        request, f"{added.user.username} joined as {added.get_role_display().lower()}."
    )
    if wants_fragment(request):
        return _members_response(request, project, membership)
    return redirect("members", project.id)


def _member_of(project: Project, username: str) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), project=project, user__username=username
    )


@login_required
@require_POST
def member_role(request: HttpRequest, project_id: uuid.UUID, username: str) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, owner=True)
    member = _member_of(project, username)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose one of the roles.")
        member.change_role(form.cleaned_data["role"])
    except ValidationError as error:
        return _members_response(
            request, project, membership, errors={member.pk: error.messages[0]}
        )
    role = member.get_role_display().lower()
    if member.pk == membership.pk and not member.is_owner:
        # You stepped down: reload, so the page stops offering what only owners can do.
        messages.success(request, f"You are now {role} on this project.")
        return _leave(request, reverse("members", args=[project.id]))
    messages.success(request, f"{member.user.username} is now {role}.")
    if wants_fragment(request):
        return _members_response(request, project, membership)
    return redirect("members", project.id)


@login_required
@require_POST
def member_remove(request: HttpRequest, project_id: uuid.UUID, username: str) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, owner=True)
    member = _member_of(project, username)
    leaving = member.pk == membership.pk
    try:
        member.remove()
    except ValidationError as error:
        return _members_response(
            request, project, membership, errors={member.pk: error.messages[0]}
        )
    if leaving:
        messages.success(request, f"You left {project.title}.")
        return _leave(request, reverse("project-list"))
    messages.success(request, f"{member.user.username} was removed from the project.")
    if wants_fragment(request):
        return _members_response(request, project, membership)
    return redirect("members", project.id)


def _leave(request: HttpRequest, url: str) -> HttpResponse:
    """A full page load to `url` (htmx swaps nothing when one's own access has changed)."""
    return HttpResponseClientRedirect(url) if wants_fragment(request) else redirect(url)
