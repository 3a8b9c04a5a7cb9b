"""Resolving a URL someone pasted in a search: a remote actor or a remote post, fetched
from its origin and stored (a post as if it had been announced to us)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from activitypub.addressing import host_of

from ..models import Actor, Post
from ..services import inbound
from ..services.errors import RemoteFailure
from .from_as import InvalidDocument, post_from_as

if TYPE_CHECKING:
    from .remote import RemoteActors

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})


async def resolve(remote: RemoteActors, uri: str) -> Actor | Post:
    # A human-readable URL (Mastodon's /@user/123) serves a document with another id:
    # take that id and fetch the document from where it says it lives.
    document = await remote.fetch_document(uri, check_id=False)
    document_id = document.get("id")
    if not isinstance(document_id, str):
        raise RemoteFailure("%(url)s serves no ActivityStreams document", url=uri)
    if document_id != uri:
        document = await remote.fetch_document(document_id)
    kinds = document.get("type")
    kinds = set(kinds) if isinstance(kinds, list) else {kinds}
    if kinds & ACTOR_TYPES and "inbox" in document:
        return await remote.store_actor_document(document, expected_uri=document_id)
    try:
        data = post_from_as(document, categories=remote.config.category_set())
    except InvalidDocument as exc:
        raise RemoteFailure(
            "%(url)s is neither an account nor a post", url=uri, detail=str(exc)
        ) from exc
    author = await remote.actor(data.attributed_to)
    if author.domain != host_of(data.uri):
        raise RemoteFailure("the post is not on its author's server")
    async with remote.db.write() as conn:
        kept = await inbound.keep_remote_post(conn, author, data, solicited=True)
    if kept.post is None:
        raise RemoteFailure("this post cannot be shown", detail=str(kept.reason))
    return kept.post
