"""Storyboard sketches for `manage.py demo`, drawn with Pillow: greys, one amber accent, the
shot code in a corner. Used only by the demo command."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFilter, ImageFont

if TYPE_CHECKING:
    from .demo import DemoShot


# Marker-style panels: flat grey washes, near-black shapes, sketchy doubled outlines, one amber
# accent for every light source, camera-move arrows where a storyboard artist would draw them,
# and the shot code in the top-left corner. Deterministic (seeded by the shot code).

W, H = 1280, 720
INK = (24, 26, 30)
AMBER = (240, 166, 60)
WHITE = (236, 236, 232)


def grey(level: int) -> tuple[int, int, int]:
    return (level, level, level + 4)


RAIN, FOAM = grey(170), grey(150)


def soften(mask: Image.Image, radius: float) -> Image.Image:
    """A wide Gaussian blur, done at a quarter of the size (the result is smooth either way)."""
    small = mask.resize((mask.width // 4, mask.height // 4), Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(radius / 4))
    return small.resize(mask.size, Image.Resampling.BILINEAR)


class Sketch:
    def __init__(self, seed: str, size: tuple[int, int] = (W, H)) -> None:
        self.img = Image.new("RGB", size, grey(120))
        self.draw = ImageDraw.Draw(self.img)
        self.rng = random.Random(seed)
        self.w, self.h = size

    # Washes and lines.

    def gradient(self, box, top: int, bottom: int) -> None:
        x0, y0, x1, y1 = box
        for y in range(y0, y1):
            t = (y - y0) / max(1, y1 - y0 - 1)
            self.draw.line([(x0, y), (x1, y)], fill=grey(round(top + (bottom - top) * t)))

    def jitter(self, points, amount: float = 2.5):
        return [
            (x + self.rng.uniform(-amount, amount), y + self.rng.uniform(-amount, amount))
            for x, y in points
        ]

    def stroke(self, points, fill=INK, width: int = 3, passes: int = 2) -> None:
        for _ in range(passes):
            self.draw.line(self.jitter(points), fill=fill, width=width, joint="curve")

    def shape(self, points, fill=INK, outline=INK) -> None:
        self.draw.polygon(points, fill=fill)
        self.stroke(points + points[:1], fill=outline, width=2, passes=1)

    def glow(self, center, radius: int, colour=AMBER, strength: float = 0.85) -> None:
        mask = Image.new("L", self.img.size, 0)
        x, y = center
        ImageDraw.Draw(mask).ellipse(
            (x - radius, y - radius, x + radius, y + radius), fill=round(255 * strength)
        )
        self.tint(colour, soften(mask, radius / 2))

    def beam(self, origin, angle: float, spread: float, length: int, strength: float = 0.5) -> None:
        x, y = origin
        a, b = math.radians(angle - spread / 2), math.radians(angle + spread / 2)
        points = [
            origin,
            (x + length * math.cos(a), y + length * math.sin(a)),
            (x + length * math.cos(b), y + length * math.sin(b)),
        ]
        mask = Image.new("L", self.img.size, 0)
        ImageDraw.Draw(mask).polygon(points, fill=round(255 * strength))
        self.tint(AMBER, soften(mask, 6))

    def tint(self, colour, mask: Image.Image) -> None:
        """Lay a colour over the picture, as strongly as the mask says."""
        self.img.paste(colour, (0, 0, *self.img.size), mask)

    def rain(self, count: int = 160, slant: float = 0.35, colour=RAIN) -> None:
        for _ in range(count):
            x, y = self.rng.uniform(-100, self.w), self.rng.uniform(0, self.h)
            length = self.rng.uniform(18, 40)
            self.draw.line([(x, y), (x + length * slant, y + length)], fill=colour, width=1)

    def waves(self, top: int, bottom: int, colour=FOAM, count: int = 70) -> None:
        for _ in range(count):
            y = self.rng.uniform(top, bottom)
            x = self.rng.uniform(-40, self.w)
            span = 20 + 60 * (y - top) / max(1, bottom - top)
            self.draw.arc((x, y, x + span, y + span / 3), 200, 340, fill=colour, width=2)

    def clouds(self, bottom: int, count: int = 9) -> None:
        for _ in range(count):
            x, y = self.rng.uniform(-100, self.w), self.rng.uniform(-40, bottom)
            rx, ry = self.rng.uniform(120, 260), self.rng.uniform(30, 60)
            layer = Image.new("L", self.img.size, 0)
            ImageDraw.Draw(layer).ellipse((x - rx, y - ry, x + rx, y + ry), fill=110)
            self.tint(grey(58), soften(layer, 18))

    # Things.

    def lighthouse(self, base_x: int, base_y: int, height: int, lit: bool) -> tuple[int, int]:
        bottom, top = height * 0.16, height * 0.10
        tower = [
            (base_x - bottom, base_y),
            (base_x - top, base_y - height),
            (base_x + top, base_y - height),
            (base_x + bottom, base_y),
        ]
        self.shape(tower, fill=grey(200), outline=INK)
        for band in (0.3, 0.62):  # two dark bands
            y0, y1 = base_y - height * band, base_y - height * (band + 0.12)
            half0 = bottom - (bottom - top) * band
            half1 = bottom - (bottom - top) * (band + 0.12)
            self.draw.polygon(
                [
                    (base_x - half0, y0),
                    (base_x - half1, y1),
                    (base_x + half1, y1),
                    (base_x + half0, y0),
                ],
                fill=grey(60),
            )
        gallery_y = base_y - height
        self.draw.rectangle(
            (base_x - top * 1.6, gallery_y - 8, base_x + top * 1.6, gallery_y), fill=INK
        )
        lantern = (base_x - top * 0.9, gallery_y - height * 0.16, base_x + top * 0.9, gallery_y - 8)
        self.draw.rectangle(lantern, fill=AMBER if lit else grey(90), outline=INK, width=3)
        self.draw.polygon(
            [
                (base_x - top * 1.1, lantern[1]),
                (base_x, lantern[1] - height * 0.08),
                (base_x + top * 1.1, lantern[1]),
            ],
            fill=INK,
        )
        return base_x, round((lantern[1] + lantern[3]) / 2)

    def figure(
        self,
        x: float,
        feet_y: float,
        height: float,
        colour=INK,
        braid: bool = False,
        cap: bool = False,
        lean: float = 0.0,
    ) -> tuple[float, float]:
        """A standing silhouette in a long coat; returns the position of the hand."""
        head = height * 0.13
        neck_y = feet_y - height + head * 2
        shoulders = height * 0.14
        hem = height * 0.17
        dx = lean * height
        body = [
            (x - shoulders + dx, neck_y + head * 0.3),
            (x + shoulders + dx, neck_y + head * 0.3),
            (x + hem, feet_y - height * 0.22),
            (x - hem, feet_y - height * 0.22),
        ]
        self.shape(body, fill=colour, outline=colour)
        for side in (-1, 1):
            self.stroke(
                [(x + side * hem * 0.45, feet_y - height * 0.23), (x + side * hem * 0.5, feet_y)],
                fill=colour,
                width=max(3, round(height / 22)),
                passes=1,
            )
        hx, hy = x + dx * 1.2, neck_y - head * 0.6
        self.draw.ellipse((hx - head, hy - head * 1.15, hx + head, hy + head), fill=colour)
        if braid:
            self.stroke(
                [
                    (hx + head * 0.6, hy),
                    (hx + head * 1.1, hy + head * 1.6),
                    (hx + head * 0.9, hy + head * 2.6),
                ],
                fill=colour,
                width=max(3, round(head / 3)),
            )
        if cap:
            self.draw.pieslice(
                (hx - head * 1.05, hy - head * 1.5, hx + head * 1.05, hy + head * 0.5),
                180,
                360,
                fill=colour,
            )
        return x + shoulders + dx + height * 0.08, neck_y + height * 0.28

    def bust(
        self, x: float, y: float, size: float, colour=INK, braid=False, cap=False, facing: int = 1
    ) -> None:
        """Head and shoulders, in profile-ish three quarters; (x, y) is the centre of the head."""
        head = size
        shoulders = [
            (x - head * 2.6, self.h + 10),
            (x - head * 2.2, y + head * 1.9),
            (x - head * 0.6, y + head * 1.2),
            (x + head * 0.7, y + head * 1.2),
            (x + head * 2.3, y + head * 1.9),
            (x + head * 2.8, self.h + 10),
        ]
        self.shape(shoulders, fill=colour, outline=colour)
        self.draw.ellipse((x - head, y - head * 1.2, x + head, y + head * 1.1), fill=colour)
        nose = x + facing * head * 0.98
        self.draw.polygon(
            [
                (nose, y - head * 0.2),
                (nose + facing * head * 0.22, y + head * 0.25),
                (nose, y + head * 0.35),
            ],
            fill=colour,
        )
        if braid:
            self.stroke(
                [
                    (x - facing * head * 0.7, y + head * 0.3),
                    (x - facing * head * 1.1, y + head * 1.5),
                    (x - facing * head * 0.9, y + head * 2.4),
                ],
                fill=colour,
                width=round(head / 4),
            )
        if cap:
            self.draw.pieslice(
                (x - head * 1.08, y - head * 1.75, x + head * 1.08, y + head * 0.4),
                180,
                360,
                fill=colour,
            )

    def rim(self, x: float, y: float, size: float, start: int, end: int, colour=AMBER) -> None:
        self.draw.arc(
            (x - size, y - size * 1.2, x + size, y + size * 1.1),
            start,
            end,
            fill=colour,
            width=max(3, round(size / 12)),
        )

    def rocks(self, baseline: int, count: int, height: int, colour=INK) -> None:
        x = -40
        while x < self.w and count:
            width = self.rng.uniform(120, 260)
            peak = baseline - self.rng.uniform(height * 0.4, height)
            self.shape(
                [
                    (x, baseline + 40),
                    (x + width * 0.25, peak + 20),
                    (x + width * 0.5, peak),
                    (x + width * 0.8, peak + 30),
                    (x + width, baseline + 40),
                ],
                fill=colour,
                outline=colour,
            )
            x += width * self.rng.uniform(0.7, 1.1)
            count -= 1

    def surf(self, y: int, count: int = 14) -> None:
        """Broken white water: clumps of small overlapping blobs, softened, thinning upwards."""
        mask = Image.new("L", self.img.size, 0)
        draw = ImageDraw.Draw(mask)
        for _ in range(count):
            cx, spread = self.rng.uniform(0, self.w), self.rng.uniform(30, 80)
            for _ in range(14):
                x = cx + self.rng.uniform(-spread, spread)
                dy = self.rng.uniform(0, spread * 0.8)
                r = self.rng.uniform(4, 16) * (1 - dy / (spread * 1.2))
                draw.ellipse(
                    (x - r, y - dy - r * 0.7, x + r, y - dy + r * 0.7), fill=round(230 - dy * 1.5)
                )
        self.tint(grey(225), mask.filter(ImageFilter.GaussianBlur(2)))

    # Storyboard notation.

    def arrow(self, start, end, colour=WHITE, width: int = 6) -> None:
        self.draw.line([start, end], fill=colour, width=width)
        angle = math.atan2(end[1] - start[1], end[0] - start[0])
        head = 22
        left = (end[0] - head * math.cos(angle - 0.5), end[1] - head * math.sin(angle - 0.5))
        right = (end[0] - head * math.cos(angle + 0.5), end[1] - head * math.sin(angle + 0.5))
        self.draw.polygon([end, left, right], fill=colour)

    def move(self, camera_move: str) -> None:
        m = 70
        corners = [(m, m), (self.w - m, m), (m, self.h - m), (self.w - m, self.h - m)]
        if camera_move in ("push_in", "pull_out"):
            for cx, cy in corners:
                inner = (
                    cx + (90 if cx < self.w / 2 else -90),
                    cy + (55 if cy < self.h / 2 else -55),
                )
                self.arrow((cx, cy), inner) if camera_move == "push_in" else self.arrow(
                    inner, (cx, cy)
                )
        elif camera_move == "tilt_up":
            self.arrow((self.w - 90, self.h - 150), (self.w - 90, 150))
        elif camera_move in ("pan_right", "tracking"):
            self.arrow((self.w / 2 - 180, self.h - 60), (self.w / 2 + 180, self.h - 60))

    def finish(self, code: str, caption: str) -> Image.Image:
        noise = Image.effect_noise(self.img.size, 40).convert("RGB")
        img = Image.blend(self.img, noise, 0.07)
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 0, self.w - 1, self.h - 1), outline=INK, width=6)
        big, small = ImageFont.load_default(size=38), ImageFont.load_default(size=20)
        box = draw.textbbox((0, 0), code, font=big)
        draw.rectangle((14, 14, 14 + box[2] + 28, 14 + box[3] + 22), fill=INK)
        draw.text((28, 22), code, font=big, fill=WHITE)
        draw.text(
            (22, self.h - 40), caption, font=small, fill=WHITE, stroke_width=3, stroke_fill=INK
        )
        return img


def _headland(s: Sketch) -> None:
    horizon = 400
    s.gradient((0, 0, W, horizon), 70, 140)
    s.clouds(260)
    s.gradient((0, horizon, W, H), 85, 40)
    s.waves(horizon + 10, H, count=110)
    s.shape(
        [(560, H), (640, 500), (760, 440), (900, 430), (1010, 470), (1120, 560), (1180, H)],
        fill=INK,
    )
    s.lighthouse(850, 445, 300, lit=False)
    s.surf(H - 120, 10)
    s.stroke([(0, horizon), (W, horizon)], fill=grey(160), width=2, passes=1)


def _stairs(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 150, 60)
    for step in range(9):  # the spiral: arcs rising up the tower
        y = H - 40 - step * 82
        s.draw.arc((200, y - 60, 1080, y + 60), 10, 170, fill=INK, width=5)
        s.draw.line([(260 + step * 6, y), (260 + step * 6, y - 50)], fill=grey(40), width=3)
    s.glow((640, 40), 70)
    s.draw.rectangle((615, 20, 665, 60), outline=INK, width=4)
    s.figure(560, 640, 560, lean=0.04, braid=True)


def _lamp(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 45, 25)
    s.glow((620, 330), 260, strength=0.75)
    for radius in range(60, 330, 34):  # the ribs of the fresnel lens
        s.draw.arc(
            (620 - radius, 330 - radius, 620 + radius, 330 + radius),
            200,
            340,
            fill=grey(30),
            width=4,
        )
    s.glow((620, 330), 70, colour=(255, 226, 160), strength=1.0)
    hand = [
        (760, H),
        (790, 520),
        (850, 470),
        (930, 455),
        (960, 480),
        (900, 520),
        (930, 560),
        (880, H),
    ]
    s.shape(hand, fill=INK)
    s.stroke([(930, 458), (1010, 410)], fill=grey(180), width=5, passes=1)  # the match
    s.glow((1012, 406), 26, strength=1.0)
    s.shape([(260, H), (300, 560), (400, 520), (470, 540), (430, 600), (380, H)], fill=INK)


def _beam(s: Sketch) -> None:
    horizon = 330
    s.gradient((0, 0, W, horizon), 55, 95)
    s.clouds(200, 6)
    s.gradient((0, horizon, W, H), 70, 30)
    s.waves(horizon + 5, H, count=120)
    s.beam((120, 230), 8, 10, 1500, strength=0.65)
    s.rain(220)
    s.draw.rectangle((0, 560, W, 580), fill=INK)
    for x in range(40, W, 150):
        s.draw.rectangle((x, 580, x + 14, H), fill=INK)


def _wreck(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 60, 35)
    s.waves(0, H, colour=grey(110), count=160)
    s.beam((W + 200, -200), 140, 12, 1700, strength=0.45)
    s.rocks(620, 8, 200)
    s.rocks(H + 20, 6, 120, colour=grey(15))
    hull = [(520, 330), (760, 270), (800, 320), (560, 410)]
    s.shape(hull, fill=grey(190))
    s.stroke([(640, 310), (600, 130)], width=6, passes=1)  # the broken mast
    s.surf(420, 16)


def _surf(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 40, 70)
    s.shape(
        [(0, 380), (300, 250), (560, 320), (760, 200), (1000, 300), (W, 260), (W, H), (0, H)],
        fill=grey(62),
    )
    s.bust(640, 380, 110, cap=True, facing=-1)
    s.rim(640, 380, 110, 200, 330)
    s.shape([(900, H), (960, 470), (1040, 430), (1100, 460), (1050, 520), (1010, H)], fill=INK)
    s.surf(650, 18)
    s.rain(120)


def _cliff(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 50, 30)
    s.beam((W + 100, 20), 175, 8, 1600, strength=0.4)
    s.shape([(0, 250), (420, 330), (900, 520), (W, 600), (W, H), (0, H)], fill=grey(25))
    s.stroke([(0, 300), (440, 380), (920, 570), (W, 640)], fill=grey(110), width=4)
    hand = s.figure(620, 470, 330, lean=-0.05, braid=True)
    s.stroke([hand, (hand[0] + 30, hand[1] - 70)], width=5, passes=1)
    s.glow((hand[0] + 34, hand[1] - 84), 60, strength=0.9)
    s.rain(260, slant=0.6)


def _rescue(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 45, 90)
    s.beam((-200, -100), 25, 9, 1800, strength=0.4)
    s.shape([(0, 470), (W, 430), (W, H), (0, H)], fill=grey(70))
    for _ in range(120):  # shingle
        x, y = s.rng.uniform(0, W), s.rng.uniform(460, H)
        s.draw.ellipse((x, y, x + 9, y + 5), fill=grey(40))
    s.surf(470, 12)
    s.figure(520, 560, 380, lean=0.12, braid=True)
    s.shape([(640, 560), (700, 470), (900, 460), (960, 520), (760, 580)], fill=INK)  # Tomas, down
    s.draw.ellipse((900, 445, 980, 510), fill=INK)
    s.glow((330, 600), 55, strength=0.95)
    s.img = s.img.rotate(-8, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=grey(40))
    s.draw = ImageDraw.Draw(s.img)


def _stove(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 95, 70)
    s.draw.rectangle((0, 560, W, H), fill=grey(50))
    s.draw.rectangle((120, 140, 400, 420), fill=grey(45), outline=INK, width=8)  # window
    s.draw.line([(260, 140), (260, 420)], fill=INK, width=6)
    s.draw.line([(120, 280), (400, 280)], fill=INK, width=6)
    s.shape([(880, 330), (1080, 330), (1080, 600), (880, 600)], fill=INK)  # the stove
    s.draw.rectangle((900, 0, 940, 330), fill=INK)
    s.glow((980, 470), 120, strength=0.8)
    s.draw.rectangle((930, 430, 1030, 510), fill=AMBER)
    s.shape([(480, 620), (500, 360), (600, 300), (720, 330), (780, 620)], fill=grey(35))
    s.draw.ellipse((575, 215, 675, 320), fill=INK)
    s.rim(625, 268, 50, 300, 420)
    for x in (1150, 1200):  # oilskins on hooks
        s.shape(
            [(x, 120), (x + 30, 150), (x + 40, 400), (x - 40, 400), (x - 30, 150)], fill=grey(60)
        )


def _confession(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 30, 20)
    s.glow((1150, 500), 360, strength=0.55)
    s.bust(600, 330, 170, facing=1)
    s.rim(600, 330, 170, 290, 440)
    s.draw.ellipse((790, 600, 900, 660), fill=grey(60))  # the cap in his hands


def _window(s: Sketch) -> None:
    s.gradient((0, 0, W, H), 80, 55)
    s.draw.rectangle((640, 60, 1160, 560), fill=grey(35), outline=INK, width=10)
    s.beam((1400, 200), 180, 6, 900, strength=0.55)
    s.draw.line([(900, 60), (900, 560)], fill=INK, width=8)
    for _ in range(40):  # rain on the glass
        x, y = s.rng.uniform(650, 1150), s.rng.uniform(70, 540)
        s.draw.line([(x, y), (x + 2, y + s.rng.uniform(10, 30))], fill=grey(120), width=2)
    s.bust(420, 330, 150, braid=True, facing=1)
    s.rim(420, 330, 150, 300, 400)


DRAWINGS: dict[str, Callable[[Sketch], None]] = {
    "headland": _headland,
    "stairs": _stairs,
    "lamp": _lamp,
    "beam": _beam,
    "wreck": _wreck,
    "surf": _surf,
    "cliff": _cliff,
    "rescue": _rescue,
    "stove": _stove,
    "confession": _confession,
    "window": _window,
}


def draw_panel(demo: DemoShot) -> Image.Image:
    sketch = Sketch(demo.code)
    DRAWINGS[demo.drawing](sketch)
    sketch.move(demo.fields.get("camera_move", "static"))
    size = demo.fields.get("shot_size", "")
    move = demo.fields.get("camera_move", "static").replace("_", " ").upper()
    return sketch.finish(demo.code, f"{size} · {move} · {demo.fields.get('duration')}s")


def draw_portrait(name: str) -> Image.Image:
    """A character reference: a three-quarter bust on a pale ground, lit from one side."""
    sketch = Sketch(name, size=(768, 1024))
    sketch.gradient((0, 0, 768, 1024), 205, 165)
    sketch.glow((700, 250), 300, strength=0.35)
    is_mara = name == "Mara"
    sketch.bust(384, 430, 150, colour=grey(40), braid=is_mara, cap=not is_mara, facing=1)
    sketch.rim(384, 430, 150, 300, 410)
    sketch.draw.rectangle((0, 0, 767, 1023), outline=INK, width=6)
    font = ImageFont.load_default(size=40)
    box = sketch.draw.textbbox((0, 0), name.upper(), font=font)
    sketch.draw.rectangle((18, 18, 18 + box[2] + 32, 18 + box[3] + 24), fill=INK)
    sketch.draw.text((34, 28), name.upper(), font=font, fill=WHITE)
    return sketch.img
