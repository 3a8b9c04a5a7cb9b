"""What services need from the federation layer, as interfaces.

`fedlocal.federation` implements these; `fedlocal.app` (and the CLI) plug the
implementations into the ServiceContext. This keeps the arrows one way: federation calls
services, services only know these protocols.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from .outgoing import News


class Outbox(Protocol):
    """Queues what our actors tell other servers."""

    async def send(self, conn: AsyncConnection, news: News) -> None:
        """Render `news` and queue it for every inbox it concerns, inside the caller's
        transaction, so a change and the activity telling it commit together or not at
        all. News about a local-only post goes nowhere."""

    def wake(self) -> None:
        """Tell an in-process delivery worker that new work is committed."""


class Remote(Protocol):
    """Finds and caches remote actors."""

    async def actor(self, uri: str, *, refresh: bool = False) -> Actor: ...

    async def actor_by_handle(self, handle: str) -> Actor: ...

    async def fetch_document(self, uri: str, *, check_id: bool = True) -> dict[str, Any]:
        """An ActivityStreams document, fetched signed through the guarded client."""

    async def resolve(self, uri: str) -> Actor | Post:
        """What a URL names: a remote actor, or a remote post (kept as if announced to
        us), fetched and stored; RemoteFailure when it is neither."""

    async def instance_actor(self, domain: str) -> Actor:
        """The server-level actor of another instance (for neighbour links)."""

    async def fetch_media(self, url: str, *, max_bytes: int) -> bytes:
        """A picture's bytes from another server, through the guarded, signed client,
        at most `max_bytes`; RemoteFailure for anything else (a private address, too
        large, not an image, no answer)."""

    async def instance_groups(self, domain: str) -> list[Actor]:
        """The groups another fedlocal instance lists (NodeInfo `metadata.groups`),
        fetched and stored; none when it lists none or cannot be reached."""
