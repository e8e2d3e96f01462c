"""Forms for shots: the quick form on a board card and the full shot editor."""

from __future__ import annotations

from django import forms

from studio import prompts
from studio.images import ImageUploadField
from studio.models import Project

from .models import Shot

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
