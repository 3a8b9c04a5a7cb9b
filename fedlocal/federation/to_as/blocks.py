"""Block and its Undo, as Mastodon sends them (its BlockSerializer): the blocker as actor,
the blocked actor's id as object, addressed to nobody else."""

from __future__ import annotations

from typing import Any

from ...models import Actor, Block
from .vocabulary import AS_CONTEXT


def _block(blocker: Actor, target: Actor, block_row: Block) -> dict[str, Any]:
    return {"id": block_row.uri, "type": "Block", "actor": blocker.uri, "object": target.uri}


def block(blocker: Actor, target: Actor, block_row: Block) -> dict[str, Any]:
    return {"@context": AS_CONTEXT, **_block(blocker, target, block_row)}


def undo_block(blocker: Actor, target: Actor, block_row: Block) -> dict[str, Any]:
    """Unblock: an Undo embedding the Block (its id is the Block's plus `/undo`)."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{block_row.uri}/undo",
        "type": "Undo",
        "actor": blocker.uri,
        "object": _block(blocker, target, block_row),
    }
