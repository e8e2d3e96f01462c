"""`manage.py demo`: the demo login and the project "The Lighthouse", ready to play with.

Idempotent: every object is looked up by its natural key (username, project title and owner,
character name, scene title, shot code) and only created when missing, so a second run adds
nothing. Panels and character references are drawn with Pillow (_demo_sketches.py: storyboard
sketches in greys with one amber accent) and go through the same upload checks and thumbnails as
a user's upload (studio.images.clean_image).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image

from shots.models import Shot
from studio.images import clean_image
from studio.models import Character, CharacterImage, Project, Role, Scene

from ._demo_sketches import draw_panel, draw_portrait

USERNAME = "director"
PASSWORD = "storyboard"  # noqa: S105 - the published demo login, printed on purpose
TITLE = "The Lighthouse"
LOGLINE = (
    "On the last night before the light is automated, a keeper pulls a stranger from the sea "
    "and learns he was sent to switch her lamp off for good."
)
STYLE = "Shot on 35mm film, anamorphic lens, subtle film grain, muted teal and amber palette"

CHARACTERS = {
    "Mara": (
        "A woman in her late forties with a weathered, sun-lined face, grey eyes and dark hair "
        "streaked with silver, worn in a loose braid; tall and wiry; a heavy navy oilskin coat "
        "with brass buttons over a cream fisherman's sweater, and black rubber boots."
    ),
    "Tomas": (
        "A gaunt young man in his mid-twenties with a short dark beard, a cut above his left "
        "eyebrow and salt-crusted black curls; slight build; a torn grey knit cap and a soaked "
        "charcoal pea coat over a striped shirt, his bare hands raw from the cold."
    ),
}


@dataclass
class DemoShot:
    code: str
    drawing: str
    fields: dict = field(default_factory=dict)


SCENES: list[tuple[str, str, str, list[DemoShot]]] = [
    (
        "The Last Watch",
        "EXT./INT. LIGHTHOUSE - DUSK",
        "A storm gathers as Mara climbs the tower to light the lamp for the last time.",
        [
            DemoShot(
                "1A",
                "headland",
                dict(
                    subject="The lighthouse on its black rock",
                    action="stands against a bruised sky as the first squall rolls in off the sea",
                    environment="a bare headland, heavy swell breaking white on the rocks below",
                    lighting="last blue light of dusk, the lantern room still dark",
                    shot_size="EWS",
                    angle="high",
                    camera_move="drone",
                    lens_mm=24,
                    duration=Decimal("6"),
                    notes="Establishing. Hold on the dark lantern room before we cut inside.",
                ),
            ),
            DemoShot(
                "1B",
                "stairs",
                dict(
                    subject="@Mara",
                    action="climbs the spiral iron stairs two at a time, a tin of oil in one hand",
                    environment="inside the tower, whitewashed walls sweating with damp",
                    lighting="one caged bulkhead lamp, hard railing shadows rising up the wall",
                    shot_size="MS",
                    angle="low",
                    camera_move="tilt_up",
                    lens_mm=28,
                    duration=Decimal("4"),
                ),
            ),
            DemoShot(
                "1C",
                "lamp",
                dict(
                    subject="@Mara's weathered hands",
                    action="strike a match and touch it to the mantle; the lamp flares",
                    environment="the lantern room, brass fittings and the great ribbed glass lens",
                    lighting="match light, then warm lamplight blooming through the lens",
                    shot_size="CU",
                    angle="eye_level",
                    camera_move="push_in",
                    lens_mm=50,
                    duration=Decimal("3.5"),
                    dialogue="MARA: (to the lamp) One more night, old girl.",
                ),
            ),
            DemoShot(
                "1D",
                "beam",
                dict(
                    subject="The beam",
                    action="swings out over the black water for the first time, cutting the rain",
                    environment="the open sea past the gallery railing, whitecaps to the horizon",
                    lighting="a hard amber beam against a teal night",
                    shot_size="WS",
                    angle="eye_level",
                    camera_move="pan_right",
                    lens_mm=35,
                    duration=Decimal("5"),
                ),
            ),
        ],
    ),
    (
        "The Wreck",
        "EXT. ROCKS BELOW THE LIGHTHOUSE - NIGHT",
        "The beam finds a boat breaking on the rocks. Mara goes down with a lantern and hauls a "
        "half-drowned sailor out of the surf.",
        [
            DemoShot(
                "2A",
                "wreck",
                dict(
                    subject="A small fishing boat",
                    action="heels over and breaks apart on the rocks as the beam sweeps across it",
                    environment="jagged rocks at the foot of the cliff, surf exploding over them",
                    lighting="darkness, then the beam every few seconds",
                    shot_size="WS",
                    angle="high",
                    camera_move="static",
                    lens_mm=40,
                    duration=Decimal("4"),
                ),
            ),
            DemoShot(
                "2B",
                "surf",
                dict(
                    subject="@Tomas",
                    action="clings to a rock, goes under a wave, surfaces gasping and reaches up",
                    environment="chest-deep in foaming surf",
                    lighting="lit only when the beam passes, a rim of light on his wet hair",
                    shot_size="MCU",
                    angle="eye_level",
                    camera_move="handheld",
                    lens_mm=50,
                    duration=Decimal("3"),
                    dialogue="TOMAS: Help! Up here - help!",
                ),
            ),
            DemoShot(
                "2C",
                "cliff",
                dict(
                    subject="@Mara, lantern held high",
                    action="picks her way down the cliff path toward the water, coat snapping",
                    environment="a narrow stone path cut into the cliff, rain driving sideways",
                    lighting="swinging lantern light, the beam passing overhead",
                    shot_size="MWS",
                    angle="eye_level",
                    camera_move="tracking",
                    lens_mm=35,
                    duration=Decimal("5"),
                ),
            ),
            DemoShot(
                "2D",
                "rescue",
                dict(
                    subject="@Mara",
                    action="hauls @Tomas out of the surf by his collar; they fall onto the shingle",
                    environment="the shingle beach under the cliff, foam running back around them",
                    lighting="the lantern on the stones, the beam sweeping overhead",
                    shot_size="MS",
                    angle="dutch",
                    camera_move="handheld",
                    lens_mm=28,
                    duration=Decimal("4"),
                    dialogue="MARA: I've got you. Breathe.",
                ),
            ),
        ],
    ),
    (
        "The Keeper's Room",
        "INT. KEEPER'S QUARTERS - NIGHT",
        "By the stove, Tomas wakes and tells her why he came.",
        [
            DemoShot(
                "3A",
                "stove",
                dict(
                    subject="@Tomas, wrapped in a grey blanket",
                    action="wakes with a start in a chair by the iron stove",
                    environment="a low whitewashed room, nets and oilskins on hooks, a kettle",
                    lighting="amber firelight from the stove door, cold teal through the window",
                    shot_size="MS",
                    angle="eye_level",
                    camera_move="static",
                    lens_mm=35,
                    duration=Decimal("4"),
                ),
            ),
            DemoShot(
                "3B",
                "confession",
                dict(
                    subject="@Tomas",
                    action="looks up at her, ashamed, turning the cap in his hands",
                    environment="the stove beside him, the room falling away into shadow",
                    lighting="firelight on one side of his face, the other side in darkness",
                    shot_size="CU",
                    angle="eye_level",
                    camera_move="rack_focus",
                    lens_mm=85,
                    duration=Decimal("5"),
                    dialogue=(
                        "TOMAS: They sent me to shut it down. The light. "
                        "After tonight there's no keeper."
                    ),
                ),
            ),
            DemoShot(
                "3C",
                "window",
                dict(
                    subject="@Mara",
                    action="listens, still, then turns to the window as the beam sweeps past",
                    environment="the dark window behind her, rain running down the glass",
                    lighting="the beam crossing her face, then firelight again",
                    shot_size="MCU",
                    angle="eye_level",
                    camera_move="push_in",
                    lens_mm=50,
                    duration=Decimal("4.5"),
                    dialogue="MARA: Then it burns till morning.",
                ),
            ),
        ],
    ),
]


class Command(BaseCommand):
    help = "Create (once) the demo login and the demo project 'The Lighthouse'."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            director, created_user = self._director()
            project = self._project(director)
            characters = self._characters(project)
            shots_created = self._board(project, characters)
        summary = "created" if (created_user or shots_created) else "already there, nothing added"
        self.stdout.write(self.style.SUCCESS(f"Demo project “{TITLE}”: {summary}."))
        self.stdout.write(
            f"Demo login (for trying the studio only, never on a real install): "
            f"{USERNAME} / {PASSWORD}  ->  {settings.SITE_URL}/"
        )

    def _director(self):
        director, created = get_user_model().objects.get_or_create(
            username=USERNAME,
            defaults={
                "first_name": "Demo",
                "last_name": "Director",
                "email": "director@example.com",
            },
        )
        if created:
            director.set_password(PASSWORD)
            director.save(update_fields=["password"])
        return director, created

    def _project(self, director) -> Project:
        project = Project.objects.filter(
            title=TITLE, memberships__user=director, memberships__role=Role.OWNER
        ).first()
        if project is None:
            project = Project.objects.create(
                title=TITLE,
                logline=LOGLINE,
                aspect_ratio="16:9",
                fps=24,
                style=STYLE,
                created_by=director,
            )
            project.add_member(director, Role.OWNER)
        return project

    def _characters(self, project: Project) -> dict[str, Character]:
        characters = {}
        for name, description in CHARACTERS.items():
            character, _ = Character.objects.get_or_create(
                project=project, name=name, defaults={"description": description}
            )
            if not character.images.exists():
                clean = clean_image(_png(draw_portrait(name)))
                reference = CharacterImage(
                    character=character,
                    width=clean.width,
                    height=clean.height,
                    caption=f"{name}: face, build and wardrobe",
                )
                clean.save_into(reference.image, reference.thumbnail)
                reference.save()
            characters[name] = character
        return characters

    def _board(self, project: Project, characters: dict[str, Character]) -> int:
        created = 0
        for position, (title, slugline, synopsis, shots) in enumerate(SCENES):
            scene, _ = Scene.objects.get_or_create(
                project=project,
                title=title,
                defaults={"position": position, "slugline": slugline, "synopsis": synopsis},
            )
            for demo in shots:
                shot = Shot.objects.filter(scene=scene, code=demo.code).first()
                if shot is None:
                    shot = Shot.create_in_scene(scene, code=demo.code, **demo.fields)
                    shot.link_mentioned_characters()
                    created += 1
                if not shot.panel:
                    clean = clean_image(_png(draw_panel(demo)))
                    clean.save_into(shot.panel, shot.panel_thumbnail)
                    shot.save(update_fields=["panel", "panel_thumbnail"])
        if created:
            project.touch()
        return created


def _png(img: Image.Image) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "PNG", compress_level=1)  # lossless and fast; clean_image re-encodes it
    return buffer.getvalue()
