"""Forms for projects and scenes (characters and members have their own)."""

from __future__ import annotations

from django import forms

from .models import Project, Scene


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["title", "logline", "aspect_ratio", "fps", "style"]
        widgets = {
            "logline": forms.Textarea(attrs={"rows": 2}),
            "style": forms.Textarea(attrs={"rows": 2}),
            "fps": forms.NumberInput(attrs={"min": 1, "max": 120}),
        }

    def clean_fps(self) -> int:
        fps = self.cleaned_data["fps"]
        if not 1 <= fps <= 120:
            raise forms.ValidationError("Frames per second must be between 1 and 120.")
        return fps


class SceneForm(forms.ModelForm):
    class Meta:
        model = Scene
        fields = ["title", "slugline", "synopsis"]
        widgets = {
            "slugline": forms.TextInput(attrs={"placeholder": "EXT. LIGHTHOUSE - NIGHT"}),
            "synopsis": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_slugline(self) -> str:
        # Sluglines are written in capitals by convention; accept any case and store it that way.
        return self.cleaned_data["slugline"].strip().upper()
