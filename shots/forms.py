"""Forms for shots: the quick form on a board card, the full shot editor, and the Generate form."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from studio import prompts
from studio.images import ImageUploadField
from studio.models import ASPECT_VALUES, Project

from . import providers
from .models import Shot
from .providers import ModelCapabilities

TEXT_FIELDS = ("subject", "action", "environment", "lighting", "dialogue", "notes")


class ShotQuickForm(forms.ModelForm):
    """The few fields a director writes on the board itself; the rest is in the shot editor."""

    class Meta:
        model = Shot
        fields = ["subject", "action", "shot_size", "camera_move", "duration"]
        widgets = {
            "subject": forms.TextInput(attrs={"placeholder": "@Mara at the lamp room door"}),
            "action": forms.Textarea(
                attrs={"rows": 2, "placeholder": "She pushes it open against the wind"}
            ),
            "duration": forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "120"}),
        }


class ShotForm(forms.ModelForm):
    """Every field of a shot, its characters (the project's only) and its panel."""

    panel = ImageUploadField(required=False, widget=forms.FileInput, label="Panel image")
    remove_panel = forms.BooleanField(required=False, label="Remove the panel")

    class Meta:
        model = Shot
        fields = [
            "code",
            "subject",
            "action",
            "environment",
            "lighting",
            "shot_size",
            "angle",
            "camera_move",
            "lens_mm",
            "duration",
            "aspect_ratio",
            "style_override",
            "characters",
            "dialogue",
            "notes",
        ]
        widgets = {
            "subject": forms.Textarea(attrs={"rows": 2}),
            "action": forms.Textarea(attrs={"rows": 3}),
            "environment": forms.Textarea(attrs={"rows": 2}),
            "lighting": forms.Textarea(attrs={"rows": 2}),
            "style_override": forms.Textarea(attrs={"rows": 2}),
            "dialogue": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "characters": forms.CheckboxSelectMultiple,
            "duration": forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "120"}),
            "lens_mm": forms.NumberInput(attrs={"min": "4", "max": "1200", "placeholder": "35"}),
        }

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["characters"].queryset = project.characters.all()
        self.fields["aspect_ratio"].choices = [
            ("", f"Project default ({project.aspect_ratio})"),
            *[c for c in self.fields["aspect_ratio"].choices if c[0]],
        ]
        self.fields["style_override"].widget.attrs["placeholder"] = project.style

    def save(self, commit: bool = True) -> Shot:
        shot = super().save(commit=False)
        clean = self.cleaned_data.get("panel")
        if clean:
            clean.save_into(shot.panel, shot.panel_thumbnail)
        elif self.cleaned_data.get("remove_panel"):
            shot.panel.delete(save=False)
            shot.panel_thumbnail.delete(save=False)
        if commit:
            shot.save()
            self.save_m2m()
            shot.link_mentioned_characters()
        return shot

    def preview_prompt(self) -> str:
        """The prompt these (unsaved) values would compile to; nothing is saved.

        Fields that do not validate yet (a half-typed lens) are left out rather than refused,
        and @Name mentions count as linked, as they will be once the shot is saved.
        """
        self.is_valid()
        data = self.cleaned_data

        def text(name: str) -> str:
            return data.get(name) or ""

        characters = list(self.project.characters.all())
        chosen = {c.id for c in data.get("characters") or []}
        mentioned = prompts.find_mentions(
            " ".join(text(name) for name in TEXT_FIELDS), [c.name for c in characters]
        )
        linked = [c for c in characters if c.id in chosen or c.name in mentioned]
        return prompts.compile_prompt(
            prompts.ShotText(
                subject=text("subject"),
                action=text("action"),
                environment=text("environment"),
                lighting=text("lighting"),
                shot_size=text("shot_size"),
                angle=text("angle"),
                camera_move=text("camera_move"),
                lens_mm=data.get("lens_mm"),
                style=text("style_override") or self.project.style,
            ),
            [prompts.CharacterText(c.name, c.description) for c in linked],
        )


# --- The Generate form: what a provider offers, read from its capabilities --------------------

MAX_TAKES_AT_ONCE = 4


# --- What a provider offers, read from its capabilities ------------------------------------------


@dataclass(frozen=True)
class ModelOffer:
    """The choices one model of one provider allows, as the Generate form shows them."""

    name: str
    label: str
    durations: list[Decimal]  # the allowed lengths in seconds, shortest first
    sizes: list[str]  # "WIDTHxHEIGHT", as request_take takes them
    seed: bool
    max_count: int


def provider_names() -> list[str]:
    return [provider.name for provider in providers.enabled_providers()]


def default_provider_name() -> str | None:
    names = provider_names()
    if not names:
        return None
    return "local" if "local" in names else names[0]


def model_offers(provider_name: str, shot: Shot) -> list[ModelOffer]:
    """Each enabled model of the provider with the durations and sizes it allows for the shot."""
    provider = providers.get_provider(provider_name)
    return [
        ModelOffer(
            name=model.name,
            label=model.label or model.name,
            durations=_durations_for(model, shot.duration),
            sizes=model.size_choices(shot.effective_aspect_ratio) or model.size_choices(),
            seed=model.seed,
            max_count=min(model.max_count, MAX_TAKES_AT_ONCE),
        )
        for model in providers.enabled_models(provider)
    ]


def _durations_for(model: ModelCapabilities, shot_seconds: Decimal) -> list[Decimal]:
    """The model's durations; a model that takes any length in a range also offers the shot's."""
    durations = {Decimal(str(d)) for d in model.duration_choices()}
    if not model.durations and model.min_seconds <= shot_seconds <= model.max_seconds:
        durations.add(shot_seconds.normalize())
    return sorted(durations)


def nearest_duration(durations: list[Decimal], seconds: Decimal) -> Decimal:
    return min(durations, key=lambda d: (abs(d - seconds), d))


def size_for_aspect(sizes: list[str], aspect_ratio: str) -> str:
    """The first size whose shape is closest to the shot's aspect ratio."""
    target = ASPECT_VALUES.get(aspect_ratio, 16 / 9)

    def distance(size: str) -> float:
        width, height = (int(part) for part in size.split("x"))
        return abs(width / height - target)

    return min(sizes, key=distance)


def _decimal_text(value: Decimal) -> str:
    """4 -> "4", 2.50 -> "2.5": the values of the duration choices."""
    return format(value.normalize(), "f")


# --- The Generate form -----------------------------------------------------------------------


class GenerateForm(forms.Form):
    """Provider, model, duration and size limited to what the chosen provider and model allow.

    `selection` (the current GET or POST values) picks the provider and model whose choices are
    offered; a value that the new choice does not allow falls back to the default for the shot.
    """

    # The choices only guide the user: request_take() is the one judge of what a provider allows,
    # and its message (naming what is allowed) is shown in place.
    provider = forms.CharField(widget=forms.Select)
    model = forms.CharField(widget=forms.Select)
    seconds = forms.DecimalField(label="Duration", widget=forms.Select)
    size = forms.CharField(widget=forms.Select)
    count = forms.IntegerField(
        label="Takes", min_value=1, max_value=MAX_TAKES_AT_ONCE, initial=1, widget=forms.Select
    )
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        widget=forms.NumberInput(attrs={"placeholder": "random"}),
    )

    def __init__(self, shot: Shot, selection: Any = None, *, bound: bool = False) -> None:
        selection = selection or {}
        names = provider_names()
        provider = selection.get("provider")
        if provider not in names:
            provider = default_provider_name()
        offers = model_offers(provider, shot) if provider else []
        offer = next((o for o in offers if o.name == selection.get("model")), None)
        offer = offer or (offers[0] if offers else None)

        initial = {"provider": provider, "model": offer.name if offer else None, "count": 1}
        if offer:
            seconds = _parse_decimal(selection.get("seconds"))
            if seconds not in offer.durations:
                seconds = nearest_duration(offer.durations, shot.duration)
            initial["seconds"] = _decimal_text(seconds)
            size = selection.get("size")
            if size not in offer.sizes and offer.sizes:
                size = size_for_aspect(offer.sizes, shot.effective_aspect_ratio)
            initial["size"] = size
        max_count = offer.max_count if offer else 1
        if selection.get("count") in {str(n) for n in range(1, max_count + 1)}:
            initial["count"] = int(selection["count"])
        if selection.get("seed"):
            initial["seed"] = selection.get("seed")

        super().__init__(data=selection if bound else None, initial=initial)
        self.shot = shot
        self.offer = offer
        durations = offer.durations if offer else []
        sizes = offer.sizes if offer else []
        self.fields["provider"].widget.choices = [(name, name) for name in names]
        self.fields["model"].widget.choices = [(o.name, o.label) for o in offers]
        self.fields["seconds"].widget.choices = [
            (_decimal_text(d), f"{_decimal_text(d)} s") for d in durations
        ]
        self.fields["size"].widget.choices = [(s, s.replace("x", " × ")) for s in sizes]
        self.fields["count"].widget.choices = [(n, str(n)) for n in range(1, max_count + 1)]
        if not (offer and offer.seed):
            del self.fields["seed"]

    def default_request(self) -> dict[str, Any] | None:
        """One take as the form first offers it (the shot's own length and shape), or None when
        the default provider offers no model."""
        if self.offer is None:
            return None
        return {
            "provider": self.initial["provider"],
            "model": self.initial["model"],
            "seconds": Decimal(self.initial["seconds"]),
            "size": self.initial["size"],
            "count": 1,
        }

    def request_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "provider": data["provider"],
            "model": data["model"],
            "seconds": data["seconds"],
            "size": data["size"],
            "seed": data.get("seed"),
            "count": data["count"],
        }


def _parse_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
