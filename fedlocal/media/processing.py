"""Turn an uploaded picture into what we store and send: decoded under a pixel limit,
turned upright, resized, re-encoded without any of its metadata, with a thumbnail, its
dimensions and its BlurHash.

Why each step:
- The type is read from the bytes, never from a name or a declared type: a file whose
  extension lies is judged by what it is, and SVG (a document that can carry script),
  GIF, TIFF and everything else is refused before Pillow parses anything.
- The size in pixels is checked from the header, before the pixels are decoded: a
  decompression bomb (a few KB that would unpack to gigabytes) is refused for the cost of
  reading its header.
- JPEGs are decoded at a reduced scale when the output is smaller (`Image.draft`): a
  12-megapixel photo is decoded at a quarter of its pixels.
- EXIF orientation is applied to the pixels, then every piece of metadata is dropped:
  EXIF (GPS position above all: a photo taken at home gives the address away), XMP,
  IPTC, comments, ICC profiles. The output is a new image made from pixels only.
- Opaque pictures are re-encoded as JPEG (every client and server reads it); pictures
  with transparency as WebP, which keeps it at a fraction of PNG's size.

Everything here is synchronous and CPU-bound: the services run it in a worker thread,
a few at a time (`services.media`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from . import blurhash

# Pillow (and its C libraries) is loaded by the first picture, not by every process that
# imports the services: a server that never receives one does not carry it.
if TYPE_CHECKING:
    from PIL import Image

ACCEPTED_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
# Pillow's format names for the types we accept: Image.open tries no other decoder.
_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
BLURHASH_SIDE = 32
JPEG_QUALITY = 85
WEBP_QUALITY = 85


@dataclass(frozen=True)
class Limits:
    """How large an upload may be, and the sizes we make of it."""

    max_bytes: int = 16 * 1024 * 1024
    # Mastodon's `image_matrix_limit` (7680 × 4320): larger pictures are refused unread.
    max_pixels: int = 33_177_600
    # Longest side of the stored picture and of its thumbnail.
    size: int = 1600
    thumbnail_size: int = 400


@dataclass(frozen=True)
class Rendition:
    """One encoded picture: its bytes, type and dimensions."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return "webp" if self.content_type == "image/webp" else "jpg"


@dataclass(frozen=True)
class Processed:
    """An upload made ready: the picture, its thumbnail, its BlurHash."""

    original: Rendition
    small: Rendition
    blurhash: str
    # The type the upload was (the type we read, not the one declared).
    source_type: str


class Refused(Exception):
    """A file we do not take; `reason` names why (for the caller's wording), `message`
    says it in plain English."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


NOT_A_PICTURE = Refused(
    "unsupported", "this file is not a picture we accept: send a JPEG, PNG, WebP or HEIC photo"
)


def sniff(data: bytes) -> str | None:
    """The picture type the bytes begin with, if it is one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return None


@cache
def heic_supported() -> bool:
    """Whether HEIC photos (iPhones') can be read: pillow-heif registers its decoder with
    Pillow on first use, not at import."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def process(data: bytes, limits: Limits | None = None) -> Processed:
    """The upload `data` made ready to store, or Refused (see the module docstring)."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise Refused("too_large", f"this file is larger than {_megabytes(limits.max_bytes)} MB")
    source_type = sniff(data)
    if source_type is None:
        raise NOT_A_PICTURE
    if source_type == "image/heic" and not heic_supported():
        raise Refused("unsupported", "HEIC photos are not supported here: send a JPEG instead")
    formats = ["HEIF"] if source_type == "image/heic" else [_PILLOW_FORMATS[source_type]]
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            width, height = image.size
            if width * height > limits.max_pixels or width < 1 or height < 1:
                raise _too_many_pixels(limits)
            picture = _decoded(image, limits.size)
    except Image.DecompressionBombError:
        raise _too_many_pixels(limits) from None
    except UnidentifiedImageError:
        raise NOT_A_PICTURE from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow's ways of saying the data ends early or contradicts itself.
        raise Refused("damaged", "this picture is damaged or incomplete") from None
    original = _encoded(picture)
    small_picture = _fitted(picture, limits.thumbnail_size)
    small = _encoded(small_picture)
    return Processed(original, small, _blurhash_of(small_picture), source_type)


def _too_many_pixels(limits: Limits) -> Refused:
    megapixels = limits.max_pixels // 1_000_000
    return Refused("too_many_pixels", f"this picture has more than {megapixels} million pixels")


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


def _decoded(image: Image.Image, size: int) -> Image.Image:
    """The pixels at most `size` on their longest side, upright, in RGB or RGBA, and
    nothing else (no `info`, no EXIF). Shrunk first: every later copy is of the small
    picture."""
    from PIL import Image, ImageOps

    if image.format == "JPEG":
        # Decode at the smallest scale still at least `size` on its longest side.
        width, height = image.size
        scale = min(1.0, size / max(width, height))
        image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    image.load()
    # The resized copy keeps the file's EXIF in `info` for exif_transpose to read.
    upright = ImageOps.exif_transpose(_fitted(image, size))
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    if has_alpha and converted.getchannel("A").getextrema() == (255, 255):
        converted = converted.convert("RGB")  # an alpha channel nothing uses
    # A new image from the pixels alone: nothing of the file's metadata can follow it.
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return clean


def _fitted(image: Image.Image, size: int) -> Image.Image:
    """`image` at most `size` on its longest side (itself when it is already)."""
    from PIL import Image

    width, height = image.size
    if max(width, height) <= size:
        return image
    scale = size / max(width, height)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encoded(image: Image.Image) -> Rendition:
    out = io.BytesIO()
    if image.mode == "RGBA":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        content_type = "image/webp"
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        content_type = "image/jpeg"
    return Rendition(out.getvalue(), content_type, image.width, image.height)


def _blurhash_of(image: Image.Image) -> str:
    from PIL import Image

    tiny = image.convert("RGB")
    tiny.thumbnail((BLURHASH_SIDE, BLURHASH_SIDE), Image.Resampling.BILINEAR)
    raw = tiny.tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3], strict=True))
    x, y = (4, 3) if tiny.width >= tiny.height else (3, 4)
    return blurhash.encode(pixels, tiny.width, tiny.height, x_components=x, y_components=y)
