"""The instance documents (v1 and v2), the `version` clients gate features on, and the
small site-wide answers (rules, custom emojis…).

The version is `4.3.0 (compatible; fedlocal X.Y.Z)`: Mastodon.py and masto.js read the
part before the first space as Mastodon's API level, and at 4.3 and later also expect
`api_versions.mastodon` in v2 (interop.md §9, §11).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .. import __version__
from ..config import Config
from ..services import instance, media, push
from . import entity_types as E
from . import present
from .auth import Call, endpoint
from .empty import png

MASTODON_API_LEVEL = "4.3.0"
API_VERSIONS = {"mastodon": 2}
VERSION = f"{MASTODON_API_LEVEL} (compatible; fedlocal {__version__})"
SOURCE_URL = "https://github.com/fedlocal/fedlocal"


def _statuses_configuration(call: Call) -> dict[str, Any]:
    return {
        "max_characters": call.config.post_max_characters,
        "max_media_attachments": media.MAX_ATTACHMENTS,
        "characters_reserved_per_url": 23,
    }


def _media_configuration(call: Call) -> dict[str, Any]:
    """Pictures only: no video or audio is taken."""
    return {
        "supported_mime_types": list(media.SUPPORTED_TYPES),
        "image_size_limit": call.config.media_max_bytes,
        "image_matrix_limit": call.config.media_max_pixels,
        "video_size_limit": 0,
        "video_frame_rate_limit": 0,
        "video_matrix_limit": 0,
        "description_limit": media.DESCRIPTION_LIMIT,
    }


def _polls_configuration() -> dict[str, Any]:
    # Polls are not supported: no option is accepted.
    return {
        "max_options": 0,
        "max_characters_per_option": 0,
        "min_expiration": 300,
        "max_expiration": 2629746,
    }


def _streaming_url(call: Call) -> str:
    base = call.config.base_url
    return (
        "wss://" + base[len("https://") :]
        if base.startswith("https://")
        else ("ws://" + base[len("http://") :])
    )


def _description(call: Call) -> str:
    return call.config.description or call.config.name


THUMBNAIL = "/instance/thumbnail.png"
# A generated picture in the web app's colours (Mastodon's default is its mascot).
THUMBNAIL_PNG = png(1200, 630, (0x2F, 0x5D, 0x50))


async def thumbnail(request: Request) -> Response:
    return Response(
        THUMBNAIL_PNG, media_type="image/png", headers={"Cache-Control": "max-age=86400"}
    )


async def health(request: Request) -> Response:
    """Mastodon's `/health`: the process answers (no database work, for load balancers)."""
    return PlainTextResponse("OK")


async def _contact(call: Call) -> E.Account | None:
    found = await instance.contact_account(call.ctx)
    return present.account(call, found) if found is not None else None


@endpoint(who="optional")
async def instance_v1(call: Call):
    counts = await instance.counts(call.ctx)
    config = call.config
    return {
        "uri": config.domain,
        "title": config.name,
        "short_description": _description(call),
        "description": _description(call),
        "email": config.contact_email,
        "version": VERSION,
        "urls": {"streaming_api": _streaming_url(call)},
        "stats": {
            "user_count": counts.users,
            "status_count": counts.local_posts,
            "domain_count": counts.domains,
        },
        "thumbnail": config.base_url + THUMBNAIL,
        "languages": list(config.languages),
        "registrations": _sign_up_open(config),
        "approval_required": _approval_required(config),
        "invites_enabled": config.signup_mode == "invite",
        "configuration": {
            "accounts": {"max_featured_tags": 0},
            "statuses": _statuses_configuration(call),
            "media_attachments": _media_configuration(call),
            "polls": _polls_configuration(),
        },
        "contact_account": await _contact(call),
        "rules": [],
    }


def _sign_up_open(config: Config) -> bool:
    """Whether anyone may sign up (`POST /api/v1/accounts`), approved later or not: as
    Mastodon, only an invitation-only instance is closed."""
    return config.signup_mode != "invite"


def _approval_required(config: Config) -> bool:
    """Sign-ups wait for an admin in `approval` mode and in any mode this API does not
    know (services/signup.py treats them so)."""
    return config.signup_mode not in ("open", "invite")


@endpoint(who="optional")
async def instance_v2(call: Call):
    counts = await instance.counts(call.ctx)
    config = call.config
    return {
        "domain": config.domain,
        "title": config.name,
        "version": VERSION,
        "source_url": SOURCE_URL,
        "description": _description(call),
        "usage": {"users": {"active_month": counts.users}},
        "thumbnail": {
            "url": config.base_url + THUMBNAIL,
            "blurhash": None,
            "versions": {"@1x": config.base_url + THUMBNAIL},
        },
        "icon": [],
        "languages": list(config.languages),
        "configuration": {
            "urls": {
                "streaming": _streaming_url(call),
                "status": None,
                "about": f"{config.base_url}/about",
                "privacy_policy": None,
                "terms_of_service": None,
            },
            "vapid": {"public_key": await push.vapid_public_key(call.ctx)},
            "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
            "statuses": _statuses_configuration(call),
            "media_attachments": _media_configuration(call),
            "polls": _polls_configuration(),
            "translation": {"enabled": False},
            "limited_federation": config.federation_mode == "allowlist",
        },
        "registrations": {
            "enabled": _sign_up_open(config),
            "approval_required": _approval_required(config),
            "message": None,
            "min_age": None,
            "reason_required": False,
            "url": None,
        },
        "api_versions": API_VERSIONS,
        "contact": {"email": config.contact_email, "account": await _contact(call)},
        "rules": [],
    }


@endpoint(who="optional")
async def extended_description(call: Call):
    return {"updated_at": None, "content": _description(call)}
