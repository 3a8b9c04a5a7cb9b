"""Move, as Mastodon sends it when an account moves house (its MoveSerializer): the old
account as actor and object, the new one as target, to the old account's followers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...models import Actor
from .vocabulary import AS_CONTEXT


def move(old: Actor, target_uri: str, moment: datetime) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{old.uri}#moves/{int(moment.timestamp() * 1000)}",
        "type": "Move",
        "actor": old.uri,
        "object": old.uri,
        "target": target_uri,
    }
