"""Flag: a report sent on to the reported account's server, in Mastodon's shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .vocabulary import AS_CONTEXT


def flag(
    instance_uri: str, report_uri: str, account_uri: str, post_uris: Sequence[str], comment: str
) -> dict[str, Any]:
    """From our instance actor, never the resident who reported; `object` lists the
    account first, then its posts (Mastodon's FlagSerializer); `content` is the comment."""
    return {
        "@context": AS_CONTEXT,
        "id": report_uri,
        "type": "Flag",
        "actor": instance_uri,
        "content": comment,
        "object": [account_uri, *post_uris],
    }
