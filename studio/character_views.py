"""Character sheets: their forms and views.

A list, a sheet per character (canonical description, reference images, the shots it appears
in), create, edit in place, delete after asking. Editors and owners change them; reviewers and
viewers only look.

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

from .access import get_object_in_project, get_project_for_user
from .images import ImageUploadField
from .models import Character, CharacterImage, Project

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


# --- Character views ---------------------------------------------------------------------------


def wants_fragment(request: HttpRequest) -> bool:
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
        if wants_fragment(request):
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
    if wants_fragment(request):
        return render(request, "studio/characters/_character_form.html", context)
    return render(request, "studio/characters/form.html", context)


@login_required
def character_detail(
    request: HttpRequest, project_id: uuid.UUID, character_id: uuid.UUID
) -> HttpResponse:
    project, membership = get_project_for_user(request, project_id)
    character = get_object_in_project(Character, project, character_id)
    context = {"project": project, "membership": membership, "character": character}
    if wants_fragment(request):  # "Cancel" in the in-place editor: the text as it stands
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
        if wants_fragment(request):
            return render(request, "studio/characters/_character_text.html", context)
        messages.success(request, f"{character.name} was saved.")
        return redirect(_character_url(character))
    if form.errors:
        # The sheet around the form must keep showing the saved name, not the refused one.
        character.refresh_from_db(fields=["name", "description"])
    if wants_fragment(request):
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
    if wants_fragment(request):
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
