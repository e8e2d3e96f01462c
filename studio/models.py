"""Projects, their members, scenes and characters: the structure the board hangs off."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse


class AspectRatio(models.TextChoices):
    WIDE = "16:9", "16:9 (widescreen)"
    VERTICAL = "9:16", "9:16 (vertical)"
    SQUARE = "1:1", "1:1 (square)"
    ACADEMY = "4:3", "4:3 (academy)"
    SCOPE = "2.39:1", "2.39:1 (anamorphic scope)"


ASPECT_VALUES: dict[str, float] = {
    "16:9": 16 / 9,
    "9:16": 9 / 16,
    "1:1": 1.0,
    "4:3": 4 / 3,
    "2.39:1": 2.39,
}


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    REVIEWER = "reviewer", "Reviewer"
    VIEWER = "viewer", "Viewer"


EDIT_ROLES = frozenset({Role.OWNER, Role.EDITOR})


class ProjectQuerySet(models.QuerySet["Project"]):
    def for_user(self, user) -> ProjectQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def with_counts(self) -> ProjectQuerySet:
        # Subqueries, not joins: joining scenes and shots together would multiply the sum of
        # durations by the number of scenes.
        from shots.models import Shot

        def per_project(queryset, aggregate):
            return Subquery(
                queryset.filter(project=OuterRef("pk"))
                .order_by()
                .values("project")
                .annotate(value=aggregate)
                .values("value")
            )

        return self.annotate(
            scene_count=Coalesce(per_project(Scene.objects.all(), Count("id")), 0),
            shot_count=Coalesce(per_project(Shot.objects.all(), Count("id")), 0),
            running_time=per_project(Shot.objects.all(), Sum("duration")),
        )


class Project(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    logline = models.TextField(blank=True)
    aspect_ratio = models.CharField(
        max_length=8, choices=AspectRatio.choices, default=AspectRatio.WIDE
    )
    fps = models.PositiveSmallIntegerField("frames per second", default=24)
    style = models.TextField(
        blank=True,
        help_text="Appended to every prompt, e.g. "
        '"Shot on 35mm film, anamorphic lens, subtle film grain".',
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("board", args=[self.id])

    def touch(self) -> None:
        """Mark the project as edited now (the project list sorts by last edit)."""
        Project.objects.filter(pk=self.pk).update(updated_at=models.functions.Now())

    def role_of(self, user) -> str | None:
        membership = self.memberships.filter(user=user).first()
        return membership.role if membership else None

    def add_member(self, user, role: str) -> Membership:
        membership, _ = Membership.objects.update_or_create(
            project=self, user=user, defaults={"role": role}
        )
        return membership

    def next_scene_position(self) -> int:
        top = self.scenes.aggregate(top=Max("position"))["top"]
        return 0 if top is None else top + 1


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user")
        ]
        ordering = ["role", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.project}"

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    def _other_owners(self) -> list[Membership]:
        """The project's other owners, locked until the end of the transaction (two owners
        demoting each other at the same moment must not leave the project with none)."""
        return list(
            Membership.objects.select_for_update()
            .filter(project_id=self.project_id, role=Role.OWNER)
            .exclude(pk=self.pk)
        )

    @transaction.atomic
    def change_role(self, role: str) -> None:
        if self.is_owner and role != Role.OWNER and not self._other_owners():
            raise ValidationError("A project needs an owner: make someone else owner first.")
        self.role = role
        self.save(update_fields=["role"])

    @transaction.atomic
    def remove(self) -> None:
        """Take the member off the project; the last owner cannot be removed."""
        if self.is_owner and not self._other_owners():
            raise ValidationError(
                "The last owner cannot be removed: make someone else owner first."
            )
        self.delete()


class Scene(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="scenes")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    slugline = models.CharField(
        max_length=200, blank=True, help_text='e.g. "EXT. LIGHTHOUSE - NIGHT"'
    )
    synopsis = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["project", "position"])]

    def __str__(self) -> str:
        return self.title


class CharacterQuerySet(models.QuerySet["Character"]):
    def for_project(self, project: Project) -> CharacterQuerySet:
        return self.filter(project=project)


class Character(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="characters")
    name = models.CharField(max_length=80)
    description = models.TextField(
        help_text="Canonical description of face, build and wardrobe. Inserted word for word "
        "into every prompt the character appears in."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CharacterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "project", models.functions.Lower("name"), name="character_name_unique_in_project"
            )
        ]

    def __str__(self) -> str:
        return self.name


def stored_image_name(filename: str) -> str:
    """A fresh name for a cleaned image: studio.images keeps PNG where there is transparency,
    JPEG otherwise, and the name says which."""
    extension = ".png" if filename.lower().endswith(".png") else ".jpg"
    return f"{uuid.uuid4().hex}{extension}"


def _reference_path(instance: CharacterImage, filename: str) -> str:
    return f"projects/{instance.character.project_id}/characters/{stored_image_name(filename)}"


def _reference_thumb_path(instance: CharacterImage, filename: str) -> str:
    return f"projects/{instance.character.project_id}/characters/thumbs/{uuid.uuid4().hex}.jpg"


class CharacterImage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=_reference_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to=_reference_thumb_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Reference of {self.character}"
