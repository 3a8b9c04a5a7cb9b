"""OAuth2 records (the Mastodon client API's applications, codes and tokens) and scopes.

Kept beside `models.py` rather than in it: they concern only the client API. Scopes follow
Mastodon's: `read`, `write`, `follow`, `push`, `profile` and the `read:*` / `write:*`
subdivisions; `follow` is the legacy name for the follow, block and mute parts of both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

READ_PARTS = (
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
)
WRITE_PARTS = (
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
)
TOP_SCOPES = ("read", "write", "follow", "push", "profile")
FOLLOW_PARTS = (
    "read:blocks",
    "read:follows",
    "read:mutes",
    "write:blocks",
    "write:follows",
    "write:mutes",
)
# Mastodon's admin API scopes: never granted by `read` or `write`, and useful only to
# staff (the admin endpoints answer 403 to anyone else's token).
ADMIN_PARTS = ("accounts", "reports", "domain_blocks")
ADMIN_SCOPES = (
    "admin:read",
    "admin:write",
    *(f"admin:read:{p}" for p in ADMIN_PARTS),
    *(f"admin:write:{p}" for p in ADMIN_PARTS),
)
VALID_SCOPES = frozenset(
    TOP_SCOPES
    + tuple(f"read:{p}" for p in READ_PARTS)
    + tuple(f"write:{p}" for p in WRITE_PARTS)
    + ADMIN_SCOPES
)
DEFAULT_SCOPES = ("read",)


def parse_scopes(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Scopes from a space-separated string (or `+`-joined, as some clients send) or a list,
    in order, without repeats."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.replace("+", " ").split()
    else:
        items = [part for item in value for part in str(item).replace("+", " ").split()]
    return tuple(dict.fromkeys(items))


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    return [scope for scope in scopes if scope not in VALID_SCOPES]


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """Every scope these grant: `read` grants all `read:*`, `follow` its six parts,
    `admin:read` all `admin:read:*` (and likewise for `write`)."""
    granted: set[str] = set()
    for scope in scopes:
        granted.add(scope)
        if scope == "read":
            granted.update(f"read:{p}" for p in READ_PARTS)
        elif scope == "write":
            granted.update(f"write:{p}" for p in WRITE_PARTS)
        elif scope == "follow":
            granted.update(FOLLOW_PARTS)
        elif scope in ("admin:read", "admin:write"):
            granted.update(f"{scope}:{p}" for p in ADMIN_PARTS)
    return frozenset(granted)


def covers(granted: Iterable[str], requested: Iterable[str]) -> bool:
    """Whether `granted` scopes include everything `requested` ones do."""
    have = expand(granted)
    return all(scope in have for scope in expand(requested))


@dataclass(frozen=True)
class OAuthApp:
    id: int
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    client_id: str
    client_secret_hash: str
    created_at: datetime


@dataclass(frozen=True)
class AuthorizationCode:
    id: int
    application_id: int
    account_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    code_challenge_method: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class AccessToken:
    id: int
    application_id: int
    account_id: int | None
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
