"""Test pictures made with Pillow (no binary files in the repository)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

# EXIF tag numbers.
ORIENTATION = 0x0112
GPS_IFD = 0x8825
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4


def picture(
    size: tuple[int, int] = (640, 480),
    *,
    kind: str = "JPEG",
    mode: str = "RGB",
    colour: tuple[int, ...] = (180, 90, 30),
    **save: object,
) -> bytes:
    """A picture of two colours (left half `colour`, right half its inverse)."""
    image = Image.new(mode, size, colour)
    inverse = tuple(255 - c for c in colour[:3]) + tuple(colour[3:])
    image.paste(Image.new(mode, (size[0] // 2, size[1]), inverse), (size[0] // 2, 0))
    out = io.BytesIO()
    image.save(out, kind, **save)
    return out.getvalue()


def photo_with_gps(size: tuple[int, int] = (640, 480), *, orientation: int = 1) -> bytes:
    """A JPEG whose EXIF says where it was taken (48.6493 N, 2.0257 W) and how to turn it."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[GPS_LATITUDE_REF] = "N"
    gps[GPS_LATITUDE] = (48.0, 38.0, 57.5)
    gps[GPS_LONGITUDE_REF] = "W"
    gps[GPS_LONGITUDE] = (2.0, 1.0, 32.5)
    return picture(size, exif=exif.tobytes())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width × height` pixels with almost no data: a decompression
    bomb's header (Pillow reads the size before any pixel)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


def read_back(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
