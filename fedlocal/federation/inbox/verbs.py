"""The one table of what the inbox does with each verb, and the shape every handler has.

A verb's handler has two steps (`VerbHandler`): `prepare` does the network work (fetching
an announced object, the author of a post…) outside any transaction, and `apply` makes the
effect inside the worker's write transaction. Most verbs need no network: their `prepare`
is `nothing_to_prepare`. The modules named after the verbs hold the steps; `HANDLERS`
ties each verb to them, and is all the worker looks at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from . import (
    accept,
    add,
    announce,
    block,
    create,
    delete,
    flag,
    follow,
    interest,
    join,
    leave,
    like,
    move,
    reject,
    remove,
    undo,
    update,
)
from .context import InboxContext


class VerbHandler(Protocol):
    """What the worker calls for one verb (raising `Ignored` or `RetryLater` to say the
    activity has nothing to do here, or must wait)."""

    def prepare(self, ctx: InboxContext) -> Awaitable[Any]:
        """Network work, outside any transaction; its result goes to `apply`."""
        ...

    def apply(self, ctx: InboxContext, conn: AsyncConnection, prepared: Any) -> Awaitable[None]:
        """The effect, inside the worker's write transaction."""
        ...


async def nothing_to_prepare(ctx: InboxContext) -> None:
    return None


@dataclass(frozen=True)
class Verb:
    """A VerbHandler made of a verb module's two functions."""

    apply: Callable[[InboxContext, AsyncConnection, Any], Awaitable[None]]
    prepare: Callable[[InboxContext], Awaitable[Any]] = nothing_to_prepare


HANDLERS: Mapping[str, VerbHandler] = {
    "Follow": Verb(follow.apply),
    "Accept": Verb(accept.apply),
    "Reject": Verb(reject.apply),
    "Undo": Verb(undo.apply),
    "Create": Verb(create.apply, create.prepare),
    "Update": Verb(update.apply, update.prepare),
    "Delete": Verb(delete.apply),
    "Announce": Verb(announce.apply, announce.prepare),
    "Join": Verb(join.apply),
    "Leave": Verb(leave.apply),
    # FEP-0837's Offer of an Agreement: someone is interested in one of our listings.
    "Offer": Verb(interest.apply),
    "Like": Verb(like.apply),
    "Block": Verb(block.apply),
    # A pin or unpin (Mastodon's featured collection), kept for linked neighbours'
    # organisations only.
    "Add": Verb(add.apply, add.prepare),
    "Remove": Verb(remove.apply),
    # A report of our accounts and posts from another server.
    "Flag": Verb(flag.apply),
    # An account moved to another server: its followers here follow the new one.
    "Move": Verb(move.apply, move.prepare),
}
