"""Shots (and, with generation, their takes and review)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from studio import prompts
from studio.models import AspectRatio, Character, Project, Scene, stored_image_name


class ShotSize(models.TextChoices):
    ECU = "ECU", "Extreme close-up"
    CU = "CU", "Close-up"
    MCU = "MCU", "Medium close-up"
    MS = "MS", "Medium shot"
    MWS = "MWS", "Medium wide shot"
    WS = "WS", "Wide shot"
    EWS = "EWS", "Extreme wide shot"


class Angle(models.TextChoices):
    EYE_LEVEL = "eye_level", "Eye level"
    LOW = "low", "Low angle"
    HIGH = "high", "High angle"
    OVERHEAD = "overhead", "Overhead"
    DUTCH = "dutch", "Dutch angle"


class CameraMove(models.TextChoices):
    STATIC = "static", "Static"
    PAN_LEFT = "pan_left", "Pan left"
    PAN_RIGHT = "pan_right", "Pan right"
    TILT_UP = "tilt_up", "Tilt up"
    TILT_DOWN = "tilt_down", "Tilt down"
    PUSH_IN = "push_in", "Push in"
    PULL_OUT = "pull_out", "Pull out"
    TRUCK_LEFT = "truck_left", "Truck left"
    TRUCK_RIGHT = "truck_right", "Truck right"
    CRANE_UP = "crane_up", "Crane up"
    CRANE_DOWN = "crane_down", "Crane down"
    DRONE = "drone", "Drone"
    HANDHELD = "handheld", "Handheld"
    ZOOM_IN = "zoom_in", "Zoom in"
    ZOOM_OUT = "zoom_out", "Zoom out"
    RACK_FOCUS = "rack_focus", "Rack focus"
    DOLLY_ZOOM = "dolly_zoom", "Dolly zoom"
    TRACKING = "tracking", "Tracking"


def shot_code(scene_number: int, index: int) -> str:
    """The code of the index-th shot (0-based) of a scene: 1A, 1B, … 1Z, 1AA, 1AB, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{scene_number}{letters}"


class ShotQuerySet(models.QuerySet["Shot"]):
    def for_project(self, project: Project) -> ShotQuerySet:
        return self.filter(project=project)

    def for_board(self) -> ShotQuerySet:
        """Everything a board card shows, in a constant number of queries."""
        return (
            self.select_related("scene", "circled_take")
            .prefetch_related("characters")
            .order_by("position", "id")
        )


def _panel_path(instance: Shot, filename: str) -> str:
    return f"projects/{instance.project_id}/panels/{stored_image_name(filename)}"


def _panel_thumb_path(instance: Shot, filename: str) -> str:
    return f"projects/{instance.project_id}/panels/thumbs/{uuid.uuid4().hex}.jpg"


class Shot(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="shots")
    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="shots")
    position = models.PositiveIntegerField(default=0)
    code = models.CharField(
        max_length=12, blank=True, help_text='e.g. "1A"; assigned automatically.'
    )

    subject = models.TextField(
        blank=True, help_text="Who or what we see. Write @Name for a character."
    )
    action = models.TextField(blank=True)
    environment = models.TextField(blank=True)
    lighting = models.TextField(blank=True)
    shot_size = models.CharField(max_length=4, choices=ShotSize.choices, default=ShotSize.MS)
    angle = models.CharField(max_length=10, choices=Angle.choices, default=Angle.EYE_LEVEL)
    camera_move = models.CharField(
        max_length=12, choices=CameraMove.choices, default=CameraMove.STATIC
    )
    lens_mm = models.PositiveSmallIntegerField(
        "lens (mm)",
        null=True,
        blank=True,
        validators=[MinValueValidator(4), MaxValueValidator(1200)],
    )
    style_override = models.TextField(
        blank=True, help_text="Replaces the project's style for this shot only."
    )
    duration = models.DecimalField(
        "duration (seconds)",
        max_digits=6,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("120"))],
    )
    aspect_ratio = models.CharField(
        "aspect ratio override", max_length=8, choices=AspectRatio.choices, blank=True
    )
    dialogue = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    panel = models.ImageField(upload_to=_panel_path, blank=True)
    panel_thumbnail = models.ImageField(upload_to=_panel_thumb_path, blank=True)
    characters = models.ManyToManyField(Character, blank=True, related_name="shots")
    circled_take = models.ForeignKey(
        "Take",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The take chosen for the cut.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShotQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["scene", "position"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration__gte=Decimal("0.5"), duration__lte=Decimal("120")),
                name="shot_duration_between_half_second_and_two_minutes",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code or '?'} {self.subject[:40]}".strip()

    def get_absolute_url(self) -> str:
        return reverse("shot-detail", args=[self.project_id, self.id])

    @property
    def effective_aspect_ratio(self) -> str:
        return self.aspect_ratio or self.project.aspect_ratio

    @property
    def effective_style(self) -> str:
        return self.style_override or self.project.style

    def compiled_prompt(self) -> str:
        """The exact text sent to a provider. Uses prefetched characters when present."""
        return prompts.compile_prompt(
            prompts.ShotText(
                subject=self.subject,
                action=self.action,
                environment=self.environment,
                lighting=self.lighting,
                shot_size=self.shot_size,
                angle=self.angle,
                camera_move=self.camera_move,
                lens_mm=self.lens_mm,
                style=self.effective_style,
            ),
            [prompts.CharacterText(c.name, c.description) for c in self.characters.all()],
        )

    def mentioned_characters(self) -> list[Character]:
        """The project's characters named as @Name in any of the shot's text fields."""
        text = " ".join(
            [self.subject, self.action, self.environment, self.lighting, self.dialogue, self.notes]
        )
        names = prompts.find_mentions(text, [c.name for c in self.project.characters.all()])
        return list(self.project.characters.filter(name__in=names))

    def link_mentioned_characters(self) -> None:
        """Writing @Name in a text field links that character (links are only ever added here)."""
        mentioned = self.mentioned_characters()
        if mentioned:
            self.characters.add(*mentioned)

    def circle(self, take: Take) -> None:
        """Choose the take for the cut; it replaces the take circled before (one per shot)."""
        if take.shot_id != self.id or not take.can_circle:
            raise ValidationError("Only a finished take can be circled.")
        self.circled_take = take
        self.save(update_fields=["circled_take", "updated_at"])

    def uncircle(self, take: Take) -> None:
        """Take the circle off this take (nothing happens if another take is circled)."""
        if self.circled_take_id == take.id:
            self.circled_take = None
            self.save(update_fields=["circled_take", "updated_at"])

    @classmethod
    @transaction.atomic
    def create_in_scene(cls, scene: Scene, **fields) -> Shot:
        """A new shot at the end of the scene, with the next free code."""
        top = scene.shots.aggregate(top=Max("position"))["top"]
        position = 0 if top is None else top + 1
        shot = cls(project=scene.project, scene=scene, position=position, **fields)
        if not shot.code:
            scene_number = scene.project.scenes.filter(position__lt=scene.position).count() + 1
            taken = set(scene.shots.values_list("code", flat=True))
            index = scene.shots.count()
            while shot_code(scene_number, index) in taken:
                index += 1
            shot.code = shot_code(scene_number, index)
        shot.full_clean(exclude=["panel", "panel_thumbnail"])
        shot.save()
        return shot


def renumber_shots(project: Project) -> int:
    """Give every shot the code of its place on the board (1A, 1B, 2A…). Returns shots changed."""
    changed = []
    with transaction.atomic():
        scenes = list(project.scenes.order_by("position", "id"))
        shots = Shot.objects.filter(project=project).order_by("position", "id")
        by_scene: dict[uuid.UUID, list[Shot]] = {}
        for shot in shots:
            by_scene.setdefault(shot.scene_id, []).append(shot)
        for number, scene in enumerate(scenes, start=1):
            for index, shot in enumerate(by_scene.get(scene.id, [])):
                code = shot_code(number, index)
                if shot.code != code:
                    shot.code = code
                    changed.append(shot)
        Shot.objects.bulk_update(changed, ["code"])
    if changed:
        project.touch()
    return len(changed)


def reorder(
    project: Project,
    scene_order: list[uuid.UUID] | None = None,
    shot_order: dict[uuid.UUID, list[uuid.UUID]] | None = None,
) -> None:
    """Save a new order from the board's drag and drop.

    `scene_order` lists the project's scene ids in their new order; `shot_order` maps a scene id
    to the ids of the shots that now stand in it, in order (a shot dragged across scenes moves).
    Ids that are not the project's raise ValueError and nothing is saved.
    """
    with transaction.atomic():
        if scene_order is not None:
            scenes = {s.id: s for s in project.scenes.select_for_update()}
            if set(scene_order) != set(scenes):
                raise ValueError("The scene order must list every scene of the project once.")
            for position, scene_id in enumerate(scene_order):
                scenes[scene_id].position = position
            Scene.objects.bulk_update(scenes.values(), ["position"])
        if shot_order:
            scene_ids = set(project.scenes.values_list("id", flat=True))
            if not set(shot_order) <= scene_ids:
                raise ValueError("Unknown scene.")
            all_ids = [shot_id for ids in shot_order.values() for shot_id in ids]
            if len(all_ids) != len(set(all_ids)):
                raise ValueError("A shot can only stand in one place.")
            shots = {
                s.id: s
                for s in Shot.objects.filter(project=project, id__in=all_ids).select_for_update()
            }
            if len(shots) != len(all_ids):
                raise ValueError("Unknown shot.")
            for scene_id, ids in shot_order.items():
                for position, shot_id in enumerate(ids):
                    shots[shot_id].scene_id = scene_id
                    shots[shot_id].position = position
            Shot.objects.bulk_update(shots.values(), ["scene", "position"])
    project.touch()


class TakeStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SUBMITTED = "submitted", "Submitted"
    RUNNING = "running", "Running"
    DOWNLOADING = "downloading", "Downloading"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


ACTIVE_STATUSES = (
    TakeStatus.QUEUED,
    TakeStatus.SUBMITTED,
    TakeStatus.RUNNING,
    TakeStatus.DOWNLOADING,
)
TERMINAL_STATUSES = (TakeStatus.SUCCEEDED, TakeStatus.FAILED, TakeStatus.CANCELED)


def _take_path(instance: Take, filename: str) -> str:
    return f"projects/{instance.shot.project_id}/takes/{instance.id}/{filename}"


class TakeQuerySet(models.QuerySet["Take"]):
    def active(self) -> TakeQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


class Take(models.Model):
    """One generation of a shot by one provider: its full request, its progress and its result.

    Created only by shots.renders.request_take(). The request fields are a snapshot taken when the
    take was asked for, so a take can be reproduced from its record alone.
    """

    Status = TakeStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="takes")
    number = models.PositiveIntegerField(help_text="1, 2, 3… per shot.")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    requested_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="takes"
    )

    # The request, snapshotted.
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=80)
    prompt = models.TextField()
    seconds = models.DecimalField(max_digits=6, decimal_places=2)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    aspect_ratio = models.CharField(max_length=8)
    fps = models.PositiveSmallIntegerField(default=24)
    seed = models.BigIntegerField(null=True, blank=True)
    audio = models.BooleanField(default=False)
    reference_image = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)

    # Progress.
    status = models.CharField(
        max_length=12, choices=TakeStatus.choices, default=TakeStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    provider_job_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The result.
    video = models.FileField(upload_to=_take_path, blank=True, max_length=300)
    poster = models.ImageField(upload_to=_take_path, blank=True, max_length=300)
    thumbnail = models.ImageField(upload_to=_take_path, blank=True, max_length=300)
    duration = models.FloatField(null=True, blank=True)
    result_width = models.PositiveIntegerField(null=True, blank=True)
    result_height = models.PositiveIntegerField(null=True, blank=True)
    result_fps = models.FloatField(null=True, blank=True)
    codec = models.CharField(max_length=40, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    has_audio = models.BooleanField(default=False)

    # The pipeline's bookkeeping (shots/renders.py). `lease_until` is held by the worker running a
    # step, so a re-delivered message and the sweeper never run the same step twice at once;
    # `next_check_at` is when the pipeline plans to look again (the sweeper re-drives takes left
    # behind it); `submits` counts the times the provider was asked to create the take.
    submits = models.PositiveSmallIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)

    objects = TakeQuerySet.as_manager()

    class Meta:
        ordering = ["shot", "number"]
        constraints = [
            models.UniqueConstraint(fields=["shot", "number"], name="one_take_number_per_shot"),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="take_progress_at_most_100"
            ),
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.shot.code} take {self.number}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    # --- What the UI asks (documented at the top of shots/renders.py) ----------------------

    @property
    def is_succeeded(self) -> bool:
        return self.status == TakeStatus.SUCCEEDED

    @property
    def can_cancel(self) -> bool:
        return self.is_active

    @property
    def can_retry(self) -> bool:
        return self.status in (TakeStatus.FAILED, TakeStatus.CANCELED)

    @property
    def can_circle(self) -> bool:
        return self.status == TakeStatus.SUCCEEDED and bool(self.video)

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def status_text(self) -> str:
        """One short line for the strip: 'Running 40%', 'Failed: <why>', 'Succeeded'."""
        if self.status in (TakeStatus.RUNNING, TakeStatus.DOWNLOADING):
            return f"{self.get_status_display()} {self.progress}%"
        if self.status == TakeStatus.FAILED and self.error:
            return f"Failed: {self.error}"
        return self.get_status_display()

    def request_snapshot(self) -> dict:
        """The request as asked for: enough to ask for the same take again."""
        return {
            "provider": self.provider,
            "model": self.model,
            "seconds": float(self.seconds),
            "size": self.size,
            "seed": self.seed,
        }

    # --- State changes: conditional updates, so two workers never both win ----------------

    def _transition(self, from_statuses, **changes) -> bool:
        """Move the take on only if it still stands in one of from_statuses. Returns who won."""
        won = Take.objects.filter(id=self.id, status__in=list(from_statuses)).update(**changes)
        if won:
            for name, value in changes.items():
                if not hasattr(value, "resolve_expression"):
                    setattr(self, name, value)
        return bool(won)

    @classmethod
    def claim(cls, take_id, statuses, *, lease_seconds: float, **changes) -> Take | None:
        """Take the lease on a take's current step if it stands in `statuses` and no one else
        holds it (saving `changes` with it): the take, freshly read, or None (someone else has
        it, or it moved on)."""
        now = timezone.now()
        won = (
            cls.objects.filter(id=take_id, status__in=list(statuses))
            .filter(models.Q(lease_until__isnull=True) | models.Q(lease_until__lt=now))
            .update(lease_until=now + timedelta(seconds=lease_seconds), **changes)
        )
        return cls.objects.select_related("shot").filter(id=take_id).first() if won else None

    def mark_failed(self, reason: str) -> bool:
        """Fail an active take with a sentence for the user and release its credits (once)."""
        return self._end_unfinished(TakeStatus.FAILED, reason)

    def mark_canceled(self, reason: str = "Canceled.") -> bool:
        return self._end_unfinished(TakeStatus.CANCELED, reason)

    def _end_unfinished(self, status: str, reason: str) -> bool:
        """End an active take without a result; only the first caller wins and refunds."""
        from billing import ledger

        with transaction.atomic():
            won = self._transition(
                ACTIVE_STATUSES,
                status=status,
                error=reason[:2000],
                finished_at=timezone.now(),
                lease_until=None,
                next_check_at=None,
            )
            if won:
                ledger.release_for_take(self, reason)
        return won
