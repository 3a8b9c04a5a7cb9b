"""Receiving at an inbox: verify, check, write to the inbox queue, answer 202.

A 202 means the activity is committed to the inbox queue. While the queue holds
`inbox_backlog_limit` activities waiting to be processed, a verified activity waits for the
worker to make room before it is written (`admission.py`). Everything that can be decided
without the network or the activity's side effects is decided here, before anything is
written, so a refused request leaves nothing behind:

- 413 above the body limit, 415 for a body that is not JSON;
- 401 with a JSON reason for a missing, malformed, stale or wrong signature, a digest
  that does not match the raw body, or a key we cannot find;
- 400 for malformed or too deeply nested JSON, or an activity without type or actor;
- 400, once the signature is verified, for an activity of a verb we handle that lacks a
  field its verb needs (`shapes.SHAPES`: an id, an object), naming the field;
- 403 for a blocked domain, or an object that is not on the actor's host (for a
  `Flag`: an object that is not ours; 400 for one of absurd size);
- 202 without storing when the signer is not the actor (Mastodon's rule, interop.md
  §2.7: without LD signatures we cannot trust a relayed activity), for a Delete from an
  actor we never knew, and for an activity already received.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from activitypub.addressing import host_of, id_of
from activitypub.httpsig import SignatureError
from activitypub.jsonutil import MalformedJSON, loads_bounded

from ..boundary.bodies import read_body
from ..boundary.problems import BodyTooLarge
from ..services import inbound
from .inbox import flag
from .origin import http_host, origin_problem
from .runtime import Federation
from .shapes import envelope_problem, verb_problem

log = logging.getLogger(__name__)

JSON_TYPES = ("application/activity+json", "application/ld+json", "application/json")
MAX_JSON_DEPTH = 32


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def request_url(federation: Federation, request: Request) -> str:
    """The URL as the sender addressed it: our public base URL, the path and query.

    Built from the configured base URL because behind a reverse proxy the scheme and host
    the application sees are not the ones the sender signed.
    """
    # raw_path keeps percent-escapes exactly as the sender signed them.
    path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{federation.config.base_url}{path}{'?' + query if query else ''}"


async def receive_activity(federation: Federation, request: Request) -> Response:
    """Handle a POST to the shared inbox or a personal inbox."""
    config = federation.config
    federation.inbox_pressure.note_request()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in JSON_TYPES:
        return error(415, f"expected an ActivityStreams JSON body, got {content_type or 'none'!r}")
    try:
        body = await read_body(request, config.max_body_bytes)
    except BodyTooLarge:
        return error(413, f"the body exceeds {config.max_body_bytes} bytes")

    try:
        parsed = federation.verifier.parse(
            request.method, request_url(federation, request), request.headers, body
        )
    except SignatureError as exc:
        return error(401, exc.reason)

    try:
        activity = loads_bounded(body, max_depth=MAX_JSON_DEPTH)
    except MalformedJSON as exc:
        return error(400, f"malformed JSON: {exc}")
    problem = envelope_problem(activity)
    if problem:
        return error(400, problem)
    actor_uri = id_of(activity["actor"])
    assert isinstance(actor_uri, str)

    key_host = http_host(parsed.key_id)
    if key_host is None:
        return error(401, f"keyId {parsed.key_id!r} is not an http(s) URL")
    domains = federation.services.domains
    if not await domains.allows(host_of(actor_uri)):
        return error(403, "this instance does not federate with your domain")
    if not await domains.allows(key_host):
        return error(403, "this instance does not federate with the signer's domain")
    if await domains.refuses_actor(actor_uri):
        return error(403, "this account is suspended on this instance")

    if _is_self_delete(activity, actor_uri):
        async with federation.db.read() as conn:
            known = await inbound.known_actor(conn, actor_uri)
        if known is None:
            # An account deletion from an actor we never stored: nothing to undo, and its
            # key is usually gone already (Mastodon answers the same way).
            return Response(status_code=202)
    try:
        signer = await federation.verifier.verify(parsed)
    except SignatureError as exc:
        return error(401, exc.reason)

    if signer.uri != actor_uri:
        log.info(
            "dropping %s: signed by %s, not by its actor %s",
            activity.get("type"),
            signer.uri,
            actor_uri,
        )
        return Response(status_code=202)
    # Checked once the signature holds: unsigned junk gets its 401 first, and a 400 (do
    # not retry) goes only to the actor who sent the activity.
    problem = verb_problem(activity)
    if problem:
        return error(400, problem)
    problem = origin_problem(activity, actor_uri)
    if problem:
        return error(403, problem)
    refused = flag.refusal(activity, federation.urls.base)
    if refused:
        return error(*refused)

    # While the backlog is past its pacing mark, wait for this request's turn: a sender that
    # outpaces processing is answered later rather than let the queue grow without bound.
    await federation.inbox_admission.admit()
    # A copy already received or still queued (personal and shared inbox, a sender's
    # retry) is acknowledged without a second row.
    queued = await federation.inbox_appender.append(
        body=body,
        activity_uri=activity_key(activity, body),
        actor_uri=actor_uri,
        key_id=parsed.key_id,
    )
    if queued:
        federation.inbox_queued()
    return Response(status_code=202)


def activity_key(activity: dict[str, Any], body: bytes) -> str:
    """The idempotency key: the activity id, or a hash of the body for id-less activities."""
    activity_id = activity.get("id")
    if isinstance(activity_id, str) and activity_id:
        return activity_id
    return "urn:sha256:" + hashlib.sha256(body).hexdigest()


def _is_self_delete(activity: dict[str, Any], actor_uri: str) -> bool:
    return activity.get("type") == "Delete" and id_of(activity.get("object")) == actor_uri
