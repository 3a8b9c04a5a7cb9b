"""Pictures for the demo's offers and events, drawn with Pillow when the demo seeds: no
photo files in the repository, nobody else's work, nothing to license apart from the
project's own code (they are under the project's licence, as this file is).

Each is a simple flat drawing, 1,200 × 900 (posters 900 × 1,200), named in the seed files
as `photo = "drill"`; the seed also gives its description (`photo_alt`).
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw

Draw = ImageDraw.ImageDraw
WIDTH, HEIGHT = 1200, 900


def _backdrop(top: tuple[int, int, int], bottom: tuple[int, int, int], size=(WIDTH, HEIGHT)):
    """A vertical gradient from `top` to `bottom`."""
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    width, height = size
    for y in range(height):
        mix = y / (height - 1)
        colour = tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    return image, draw


def _drill() -> Image.Image:
    image, draw = _backdrop((236, 226, 208), (196, 176, 146))
    draw.rectangle([0, 640, WIDTH, HEIGHT], fill=(150, 110, 70))  # the workbench
    draw.rounded_rectangle([330, 300, 820, 440], radius=50, fill=(200, 40, 40))  # body
    draw.rectangle([820, 345, 1010, 395], fill=(120, 120, 130))  # chuck and bit
    draw.polygon([(1010, 355), (1090, 370), (1010, 385)], fill=(90, 90, 100))
    draw.rounded_rectangle([420, 430, 560, 660], radius=30, fill=(40, 40, 45))  # grip
    draw.rectangle([380, 640, 620, 700], fill=(60, 60, 70))  # battery
    return image


def _apples() -> Image.Image:
    image, draw = _backdrop((170, 210, 120), (90, 150, 70))
    draw.ellipse([180, 560, 1020, 860], fill=(130, 90, 50))  # the basket
    for x, y, colour in (
        (300, 450, (200, 30, 30)),
        (480, 420, (220, 60, 40)),
        (660, 450, (190, 20, 40)),
        (390, 560, (230, 80, 40)),
        (580, 570, (200, 40, 30)),
        (760, 540, (215, 50, 50)),
    ):
        draw.ellipse([x, y, x + 170, y + 160], fill=colour)
        draw.line([(x + 85, y + 10), (x + 95, y - 30)], fill=(90, 60, 30), width=10)
        draw.ellipse([x + 95, y - 35, x + 145, y - 10], fill=(60, 140, 50))
    return image


def _ladder() -> Image.Image:
    image, draw = _backdrop((150, 200, 240), (225, 240, 250))
    draw.rectangle([0, 780, WIDTH, HEIGHT], fill=(110, 160, 80))  # grass
    draw.rectangle([760, 120, 1200, 780], fill=(235, 225, 205))  # a house wall
    draw.line([(430, 820), (640, 90)], fill=(170, 120, 60), width=28)
    draw.line([(610, 840), (820, 110)], fill=(170, 120, 60), width=28)
    for step in range(1, 9):
        t = step / 9
        left = (430 + (640 - 430) * t, 820 + (90 - 820) * t)
        right = (610 + (820 - 610) * t, 840 + (110 - 840) * t)
        draw.line([left, right], fill=(150, 100, 50), width=18)
    return image


def _jars() -> Image.Image:
    image, draw = _backdrop((250, 235, 200), (235, 200, 150))
    draw.rectangle([0, 700, WIDTH, HEIGHT], fill=(160, 110, 70))
    for x, colour in ((200, (170, 30, 60)), (500, (230, 140, 30)), (800, (120, 40, 90))):
        draw.rounded_rectangle([x, 380, x + 220, 710], radius=30, fill=colour)
        draw.rectangle([x + 10, 330, x + 210, 390], fill=(220, 220, 225))  # lid
        draw.rectangle([x + 40, 500, x + 180, 590], fill=(250, 245, 230))  # label
    return image


def _poster() -> Image.Image:
    size = (900, 1200)
    image, draw = _backdrop((255, 200, 90), (240, 110, 80), size)
    draw.ellipse([250, 160, 650, 560], fill=(255, 240, 170))  # the sun
    for n in range(6):  # bunting
        x = 60 + n * 135
        draw.polygon(
            [(x, 640), (x + 110, 640), (x + 55, 740)], fill=((40, 90, 160), (250, 250, 250))[n % 2]
        )
    draw.line([(40, 640), (860, 640)], fill=(60, 60, 60), width=6)
    draw.rectangle([100, 860, 800, 1080], fill=(40, 90, 160))  # tables
    draw.rectangle([140, 1080, 180, 1160], fill=(40, 90, 160))
    draw.rectangle([720, 1080, 760, 1160], fill=(40, 90, 160))
    return image


def _face() -> Image.Image:
    """An avatar: a smiling face on a coloured ground."""
    size = (600, 600)
    image, draw = _backdrop((120, 180, 200), (70, 130, 170), size)
    draw.ellipse([130, 110, 470, 470], fill=(240, 200, 160))
    draw.pieslice([120, 70, 480, 380], 180, 360, fill=(110, 70, 40))  # hair
    draw.ellipse([215, 250, 255, 290], fill=(50, 50, 60))
    draw.ellipse([345, 250, 385, 290], fill=(50, 50, 60))
    draw.arc([230, 300, 370, 410], 20, 160, fill=(160, 60, 60), width=12)
    return image


DRAWINGS: dict[str, Callable[[], Image.Image]] = {
    "drill": _drill,
    "apples": _apples,
    "ladder": _ladder,
    "jars": _jars,
    "poster": _poster,
    "face": _face,
}


def picture(name: str) -> bytes:
    """The drawing `name` as a JPEG (what a phone would upload)."""
    out = io.BytesIO()
    DRAWINGS[name]().save(out, "JPEG", quality=90)
    return out.getvalue()
