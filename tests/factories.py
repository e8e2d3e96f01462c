"""Factories for every model the tests touch. Images are tiny Pillow PNGs."""

from __future__ import annotations

import io
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shots.models import Shot
from studio.models import Character, Membership, Project, Role, Scene


def png_bytes(width: int = 1, height: int = 1, color: str = "red", fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, fmt)
    return buffer.getvalue()


def png_upload(name: str = "panel.png", width: int = 8, height: int = 8) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(width, height), content_type="image/png")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("storyboard")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    title = factory.Sequence(lambda n: f"Project {n}")
    logline = "A keeper and a storm."
    style = "Shot on 35mm film, anamorphic lens, subtle film grain"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class SceneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scene

    project = factory.SubFactory(ProjectFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Scene {n}")
    slugline = "EXT. LIGHTHOUSE - NIGHT"


class CharacterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Character

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Character{n}")
    description = "A woman in her forties, weathered face, grey wool coat."


class ShotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shot

    scene = factory.SubFactory(SceneFactory)
    project = factory.SelfAttribute("scene.project")
    position = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"1{chr(65 + n % 26)}{n}")
    subject = "The keeper"
    action = "climbs the spiral stairs"
    environment = "inside the lighthouse tower"
    lighting = "cold moonlight"
    duration = Decimal("3.0")
