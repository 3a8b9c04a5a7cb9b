"""Well-formed answers for what Mastodon apps ask at start-up and this server does not
have: empty lists, default preferences, and the default avatar."""

from __future__ import annotations

import struct
import zlib

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .auth import Call, endpoint
from .entities import DEFAULT_AVATAR, DEFAULT_HEADER

EMPTY_LISTS: dict[str, str | None] = {
    "/api/v1/announcements": "read",
    "/api/v1/suggestions": "read",
    "/api/v2/suggestions": "read",
    "/api/v1/featured_tags": "read:accounts",
    "/api/v1/endorsements": "read:accounts",
    "/api/v1/scheduled_statuses": "read:statuses",
}
PUBLIC_EMPTY_LISTS = (
    "/api/v1/custom_emojis",
    "/api/v1/trends",
    "/api/v1/trends/tags",
    "/api/v1/trends/statuses",
    "/api/v1/trends/links",
    "/api/v1/instance/rules",
    "/api/v1/instance/peers",
    "/api/v1/instance/activity",
    "/api/v1/directory",
)


def _empty_list(scope: str | None):
    @endpoint(scope)
    async def handler(call: Call):
        return []

    return handler


@endpoint(who="none")
async def public_empty_list(call: Call):
    return []


@endpoint("read:accounts")
async def preferences(call: Call):
    return {
        "posting:default:visibility": "public",
        "posting:default:sensitive": False,
        "posting:default:language": call.account.locale or call.config.default_language,
        "posting:default:quote_policy": "nobody",
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
        "reading:autoplay:gifs": False,
    }


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, made here rather than shipped as a file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


AVATAR_PNG = png(120, 120, (0x8C, 0x93, 0xAB))
HEADER_PNG = png(150, 50, (0xD9, 0xE1, 0xE8))


async def avatar(request: Request) -> Response:
    return Response(AVATAR_PNG, media_type="image/png", headers={"Cache-Control": "max-age=86400"})


async def header(request: Request) -> Response:
    return Response(HEADER_PNG, media_type="image/png", headers={"Cache-Control": "max-age=86400"})


routes = [
    *(Route(path, _empty_list(scope), methods=["GET"]) for path, scope in EMPTY_LISTS.items()),
    *(Route(path, public_empty_list, methods=["GET"]) for path in PUBLIC_EMPTY_LISTS),
    Route("/api/v1/preferences", preferences, methods=["GET"]),
    Route(DEFAULT_AVATAR, avatar, methods=["GET"]),
    Route(DEFAULT_HEADER, header, methods=["GET"]),
]
