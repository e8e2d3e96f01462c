"""Character sheets and project members: their forms and views.

Characters: a list, a sheet per character (canonical description, reference images, the shots it
appears in), create, edit in place, delete after asking. Editors and owners change them; reviewers
and viewers only look.

Members: everyone on the project sees who else is on it; only owners add people by username,
change roles and remove people, and a project always keeps at least one owner.

htmx requests get the fragment (`_name.html`, which carries its own id) instead of the page;
form errors come back with status 200 so htmx swaps them in place.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .access import get_object_in_project, get_project_for_user
from .images import ImageUploadField
from .models import Character, CharacterImage, Membership, Project, Role

User = get_user_model()


# --- Forms ------------------------------------------------------------------------------------


class CharacterForm(forms.ModelForm):
    class Meta:
        model = Character
        fields = ["name", "description"]
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": "Mara", "autocomplete": "off"}),
            "description": forms.Textarea(
                attrs={
                    "rows": 5,
                    "placeholder": "A woman in her late forties, weathered sun-lined face, grey "
                    "eyes, dark hair in a loose braid; tall and wiry; a heavy navy oilskin coat "
                    "over a cream fisherman's sweater.",
                }
            ),
        }
        labels = {"description": "Canonical description"}
        help_texts = {
            "name": "Write @Name in a shot to link this character.",
            "description": "Face, build and wardrobe. Inserted word for word into every prompt "
            "this character appears in.",
        }

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.instance.project = project

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if "@" in name:
            raise ValidationError("Leave out the @: it is what you type before the name in a shot.")
        # The database refuses duplicates too (a constraint on lower(name)); this says it kindly.
        taken = (
            Character.objects.for_project(self.project)
            .filter(name__iexact=name)
            .exclude(pk=self.instance.pk)
        )
        if taken.exists():
            raise ValidationError(self.taken_message(name))
        return name

    @staticmethod
    def taken_message(name: str) -> str:
        return f"There is already a character called “{name}” in this project."

    def save_unique(self) -> Character | None:
        """Save, or None with the error on the name when someone saved that name a moment ago
        (between clean_name's check and the insert; the database constraint decides)."""
        try:
            with transaction.atomic():
                return self.save()
        except IntegrityError:
            self.add_error("name", self.taken_message(self.cleaned_data["name"]))
            return None


class ReferenceImagesForm(forms.Form):
    images = ImageUploadField(
        multiple=True,
        label="Add reference images",
        help_text="JPEG, PNG, WebP or GIF; up to 20 MB and 40 megapixels each. Several at once.",
    )


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


# --- Membership rules --------------------------------------------------------------------------


def _other_owners(membership: Membership) -> list[Membership]:
    """The project's other owners, locked until the end of the transaction (two owners demoting
    each other at the same moment must not leave the project with none)."""
    return list(
        Membership.objects.select_for_update()
        .filter(project_id=membership.project_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
    )


@transaction.atomic
def change_role(membership: Membership, role: str) -> None:
    if membership.is_owner and role != Role.OWNER and not _other_owners(membership):
        raise ValidationError("A project needs an owner: make someone else owner first.")
    membership.role = role
    membership.save(update_fields=["role"])


@transaction.atomic
def remove_member(membership: Membership) -> None:
    if membership.is_owner and not _other_owners(membership):
        raise ValidationError("The last owner cannot be removed: make someone else owner first.")
    membership.delete()


# --- Character views ---------------------------------------------------------------------------


def _fragment(request: HttpRequest) -> bool:
    """An htmx request that swaps a fragment (a boosted link or form wants the whole page)."""
    return bool(request.htmx) and not request.htmx.boosted


def _characters_of(project: Project):
    return (
        Character.objects.for_project(project)
        .annotate(shot_count=Count("shots", distinct=True))
        .prefetch_related("images")
    )


def _appearances(character: Character):
    """The shots the character appears in, in board order."""
    return character.shots.select_related("scene", "project").order_by(
        "scene__position", "position", "id"
    )


def _character_url(character: Character) -> str:
    return reverse("character-detail", args=[character.project_id, character.id])


def _delete_files(*images: CharacterImage) -> None:
    """Remove stored files once the rows are really gone."""
    names = [f.name for image in images for f in (image.image, image.thumbnail) if f]
    storage = CharacterImage._meta.get_field("image").storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@login_required
def character_list(request: HttpRequest, project_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id)
    form = CharacterForm(project=project) if membership.can_edit else None
    return render(
        request,
        "studio/characters/list.html",
        {
            "project": project,
            "membership": membership,
            "characters": _characters_of(project),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def character_create(request: HttpRequest, project_id: uuid.UUID) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    form = CharacterForm(request.POST or None, project=project)
    character = form.save_unique() if request.method == "POST" and form.is_valid() else None
    if character is not None:
        project.touch()
        if _fragment(request):
            character = _characters_of(project).get(pk=character.pk)
            context = {
                "project": project,
                "membership": membership,
                "character": character,
                "form": CharacterForm(project=project),
            }
            return render(request, "studio/characters/_character_created.html", context)
        messages.success(request, f"{character.name} was added. Add reference images below.")
        return redirect(_character_url(character))
    context = {"project": project, "membership": membership, "form": form}
    if _fragment(request):
        return render(request, "studio/characters/_character_form.html", context)
    return render(request, "studio/characters/form.html", context)


@login_required
def character_detail(
    request: HttpRequest, project_id: uuid.UUID, character_id: uuid.UUID
) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id)
    character = get_object_in_project(Character, project, character_id)
    context = {"project": project, "membership": membership, "character": character}
    if _fragment(request):  # "Cancel" in the in-place editor: the text as it stands
        return render(request, "studio/characters/_character_text.html", context)
    context |= {
        "shots": _appearances(character),
        "images": character.images.all(),
        "image_form": ReferenceImagesForm() if membership.can_edit else None,
    }
    return render(request, "studio/characters/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def character_edit(
    request: HttpRequest, project_id: uuid.UUID, character_id: uuid.UUID
) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    character = get_object_in_project(Character, project, character_id)
    form = CharacterForm(request.POST or None, instance=character, project=project)
    context = {"project": project, "membership": membership, "character": character, "form": form}
    if request.method == "POST" and form.is_valid() and form.save_unique():
        project.touch()
        if _fragment(request):
            return render(request, "studio/characters/_character_text.html", context)
        messages.success(request, f"{character.name} was saved.")
        return redirect(_character_url(character))
    if form.errors:
        # The sheet around the form must keep showing the saved name, not the refused one.
        character.refresh_from_db(fields=["name", "description"])
    if _fragment(request):
        return render(request, "studio/characters/_character_text_form.html", context)
    return render(request, "studio/characters/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def character_delete(
    request: HttpRequest, project_id: uuid.UUID, character_id: uuid.UUID
) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    character = get_object_in_project(Character, project, character_id)
    if request.method == "POST":
        with transaction.atomic():
            _delete_files(*character.images.all())
            character.delete()
        project.touch()
        messages.success(request, f"{character.name} was deleted.")
        return redirect("character-list", project.id)
    context = {
        "project": project,
        "membership": membership,
        "character": character,
        "shot_count": character.shots.count(),
    }
    return render(request, "studio/characters/delete.html", context)


def _images_response(request, project, membership, character, form, *, saved: bool) -> HttpResponse:
    if _fragment(request):
        context = {
            "project": project,
            "membership": membership,
            "character": character,
            "images": character.images.all(),
            "image_form": form,
        }
        return render(request, "studio/characters/_character_images.html", context)
    if saved:
        return redirect(_character_url(character))
    # Without htmx, a refused upload shows the whole sheet with the error next to the field.
    context = {
        "project": project,
        "membership": membership,
        "character": character,
        "shots": _appearances(character),
        "images": character.images.all(),
        "image_form": form,
    }
    return render(request, "studio/characters/detail.html", context)


@login_required
@require_POST
def character_image_add(
    request: HttpRequest, project_id: uuid.UUID, character_id: uuid.UUID
) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    character = get_object_in_project(Character, project, character_id)
    form = ReferenceImagesForm(request.POST, request.FILES)
    saved = form.is_valid()
    if saved:
        with transaction.atomic():
            for clean in form.cleaned_data["images"]:
                reference = CharacterImage(
                    character=character, width=clean.width, height=clean.height
                )
                clean.save_into(reference.image, reference.thumbnail)
                reference.save()
        project.touch()
        form = ReferenceImagesForm()
    return _images_response(request, project, membership, character, form, saved=saved)


@login_required
@require_POST
def character_image_delete(
    request: HttpRequest, project_id: uuid.UUID, character_id: uuid.UUID, image_id: uuid.UUID
) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, edit=True)
    character = get_object_in_project(Character, project, character_id)
    reference = get_object_or_404(CharacterImage, character=character, id=image_id)
    with transaction.atomic():
        _delete_files(reference)
        reference.delete()
    project.touch()
    return _images_response(
        request, project, membership, character, ReferenceImagesForm(), saved=True
    )


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
    if _fragment(request):
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
    if _fragment(request):
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
        change_role(member, form.cleaned_data["role"])
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
    if _fragment(request):
        return _members_response(request, project, membership)
    return redirect("members", project.id)


@login_required
@require_POST
def member_remove(request: HttpRequest, project_id: uuid.UUID, username: str) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id, owner=True)
    member = _member_of(project, username)
    leaving = member.pk == membership.pk
    try:
        remove_member(member)
    except ValidationError as error:
        return _members_response(
            request, project, membership, errors={member.pk: error.messages[0]}
        )
    if leaving:
        messages.success(request, f"You left {project.title}.")
        return _leave(request, reverse("project-list"))
    messages.success(request, f"{member.user.username} was removed from the project.")
    if _fragment(request):
        return _members_response(request, project, membership)
    return redirect("members", project.id)


def _leave(request: HttpRequest, url: str) -> HttpResponse:
    """A full page load to `url` (htmx swaps nothing when one's own access has changed)."""
    return HttpResponseClientRedirect(url) if _fragment(request) else redirect(url)
