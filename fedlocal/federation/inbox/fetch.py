"""Getting an activity's object: embedded, or fetched from its origin."""

from __future__ import annotations

from typing import Any

from activitypub.addressing import id_of
from activitypub.fetch_errors import FetchStatusError, FetchTransportError

from ...models import Actor, RemotePostData
from ...services.errors import Forbidden, RemoteFailure
from ..from_as import InvalidDocument, post_from_as
from ..origin import http_host
from .context import Ignored, InboxContext, RetryLater

_RETRYABLE_STATUSES = frozenset({401, 408, 429})


async def object_document(ctx: InboxContext, value: Any) -> dict[str, Any]:
    """The object as a document. An embedded object on the actor's own host is trusted
    (the actor signed it); anything else is fetched from where its id says it lives."""
    embedded_id = value.get("id") if isinstance(value, dict) else None
    if http_host(embedded_id) == ctx.actor.domain:
        return value
    object_id = id_of(value)
    if not isinstance(object_id, str):
        raise Ignored("the activity has no object")
    return await fetch_document(ctx, object_id)


async def fetch_document(ctx: InboxContext, uri: str) -> dict[str, Any]:
    if http_host(uri) is None:
        raise Ignored(f"cannot fetch {uri!r}: not an http(s) URL")
    try:
        return await ctx.federation.remote.fetch_document(uri)
    except Forbidden as exc:
        raise Ignored(str(exc)) from exc
    except RemoteFailure as exc:
        raise fetch_failure(exc) from exc


async def remote_actor(ctx: InboxContext, uri: str, *, refresh: bool = False) -> Actor:
    """A remote actor, fetched when not known (or `refresh`ed): a blocked domain makes
    the activity ignored, a failed fetch retried or ignored as `fetch_failure` says."""
    try:
        return await ctx.federation.remote.actor(uri, refresh=refresh)
    except Forbidden as exc:
        raise Ignored(str(exc)) from exc
    except RemoteFailure as exc:
        raise fetch_failure(exc) from exc


def parse_post(ctx: InboxContext, document: dict[str, Any], verb: str) -> RemotePostData:
    """The post a document describes; an unusable one makes the activity ignored."""
    try:
        return post_from_as(document, categories=ctx.services.categories)
    except InvalidDocument as exc:
        raise Ignored(f"{verb} of an unusable object: {exc}") from exc


def fetch_failure(failure: RemoteFailure) -> Ignored | RetryLater:
    """What a failed fetch means for the activity: try again later when the remote server
    may answer better (unreachable, 5xx, 401/408/429 — Mastodon's rule, as in delivery);
    otherwise (410 Gone, 404, a document we cannot use) retrying cannot help."""
    cause = failure.__cause__
    if isinstance(cause, FetchTransportError):
        return RetryLater(str(failure))
    if isinstance(cause, FetchStatusError) and (
        cause.status_code in _RETRYABLE_STATUSES
        or (cause.status_code >= 500 and cause.status_code != 501)
    ):
        return RetryLater(str(failure))
    return Ignored(str(failure))
