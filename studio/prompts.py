"""The prompt compiler: a shot's structured fields, its characters and the style -> one prompt.

Pure functions, no ORM. The seed formula, in this order:

    subject and action. characters. environment. lighting. camera. style.

Every character linked to the shot is written out with its canonical description word for word,
in the same words in every shot, so a video model sees the same person each time. `@Name` in a
text field is written as the plain name. Empty fields leave nothing behind: no dangling commas,
no double spaces, no empty sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SHOT_SIZES = {
    "ECU": "extreme close-up",
    "CU": "close-up",
    "MCU": "medium close-up",
    "MS": "medium shot",
    "MWS": "medium wide shot",
    "WS": "wide shot",
    "EWS": "extreme wide shot",
}
ANGLES = {
    "eye_level": "eye-level",
    "low": "low-angle",
    "high": "high-angle",
    "overhead": "overhead",
    "dutch": "dutch-angle",
}
MOVES = {
    "static": "static camera",
    "pan_left": "slow pan left",
    "pan_right": "slow pan right",
    "tilt_up": "slow tilt up",
    "tilt_down": "slow tilt down",
    "push_in": "slow push in",
    "pull_out": "slow pull out",
    "truck_left": "camera trucks left",
    "truck_right": "camera trucks right",
    "crane_up": "crane up",
    "crane_down": "crane down",
    "drone": "aerial drone shot, slowly rising and pushing forward",
    "handheld": "handheld camera",
    "zoom_in": "slow zoom in",
    "zoom_out": "slow zoom out",
    "rack_focus": "rack focus",
    "dolly_zoom": "dolly zoom",
    "tracking": "tracking shot",
}


@dataclass(frozen=True)
class ShotText:
    subject: str = ""
    action: str = ""
    environment: str = ""
    lighting: str = ""
    shot_size: str = ""
    angle: str = ""
    camera_move: str = ""
    lens_mm: int | None = None
    style: str = ""


@dataclass(frozen=True)
class CharacterText:
    name: str
    description: str


_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_PUNCT = re.compile(r"([,;:])\s*(?=[,;:.])|\.(\s*\.)+")
_MENTION = re.compile(r"@([\w][\w'\-]*(?:\s[\w][\w'\-]*)?)", re.UNICODE)


def normalise(text: str) -> str:
    """One line, single spaces, no space before punctuation, no doubled separators."""
    text = _SPACE.sub(" ", text or "").strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_PUNCT.sub(lambda m: "." if m.group(0).startswith(".") else "", text)
    return text.strip(" ,;:")


def strip_mentions(text: str) -> str:
    """`@Mara climbs` -> `Mara climbs`."""
    return re.sub(r"@(?=\w)", "", text or "")


def find_mentions(text: str, names: Iterable[str]) -> set[str]:
    """The names (as given) mentioned as @Name in text; case-insensitive, longest name wins."""
    found: set[str] = set()
    lowered = (text or "").lower()
    for name in sorted(names, key=len, reverse=True):
        pattern = r"@" + re.escape(name.lower()) + r"(?![\w])"
        if re.search(pattern, lowered):
            found.add(name)
            lowered = re.sub(pattern, " ", lowered)
    return found


def sentence(text: str) -> str:
    """A clause as a sentence: normalised, capitalised, ending with one full stop."""
    text = normalise(strip_mentions(text))
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!?":
        text += "."
    return text


def camera_phrase(shot_size: str, angle: str, camera_move: str, lens_mm: int | None) -> str:
    """e.g. "low-angle medium shot, slow push in, 35 mm lens"."""
    size = SHOT_SIZES.get(shot_size, "")
    angle_words = ANGLES.get(angle, "")
    framing = " ".join(part for part in (angle_words, size) if part)
    if angle_words and not size:
        framing = f"{angle_words} shot"
    parts = [framing, MOVES.get(camera_move, ""), f"{lens_mm} mm lens" if lens_mm else ""]
    return ", ".join(part for part in parts if part)


def character_sentence(characters: Sequence[CharacterText]) -> str:
    """Each character with its canonical description, in name order, word for word."""
    described = []
    for character in sorted(characters, key=lambda c: c.name.lower()):
        description = _SPACE.sub(" ", character.description or "").strip().rstrip(".")
        described.append(f"{character.name}: {description}" if description else character.name)
    return sentence("; ".join(described))


def compile_prompt(shot: ShotText, characters: Sequence[CharacterText] = ()) -> str:
    subject_and_action = " ".join(
        part for part in (normalise(shot.subject).rstrip("."), normalise(shot.action)) if part
    )
    parts = [
        sentence(subject_and_action),
        character_sentence(characters),
        sentence(shot.environment),
        sentence(shot.lighting),
        sentence(camera_phrase(shot.shot_size, shot.angle, shot.camera_move, shot.lens_mm)),
        sentence(shot.style),
    ]
    return " ".join(part for part in parts if part)
