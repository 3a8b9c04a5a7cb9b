"""Origin checks: an actor may only speak for objects on its own host.

Run at the inbox before anything is stored, and again by the worker before any effect.
"""

from __future__ import annotations

from typing import Any

from activitypub.addressing import as_list, host_of, id_of

# Verbs whose object must belong to the actor's host.
_OWN_OBJECT_VERBS = frozenset({"Create", "Update", "Delete"})


def http_host(uri: Any) -> str | None:
    """The host (with a non-default port) of an http(s) URI, or None for anything else:
    ids arrive from other servers and may be URNs, relative, or malformed."""
    if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
        return None
    try:
        return host_of(uri)
    except ValueError:
        return None


def origin_problem(activity: dict[str, Any], actor_uri: str) -> str | None:
    """Why `activity` may not come from `actor_uri`, or None when its origins agree."""
    actor_host = http_host(actor_uri)
    activity_id = activity.get("id")
    if isinstance(activity_id, str) and http_host(activity_id) != actor_host:
        return "the activity id is not on the actor's host"
    verb = activity.get("type")
    if verb not in _OWN_OBJECT_VERBS:
        return None
    obj = activity.get("object")
    object_id = id_of(obj)
    if not isinstance(object_id, str):
        return "the activity has no object id"
    if http_host(object_id) != actor_host:
        return "the object id is not on the actor's host"
    if verb == "Create" and isinstance(obj, dict):
        # Attributed to another actor of the same server is allowed (Mobilizon's group
        # events); the worker then trusts only the origin's copy (inbox/authored.py).
        attributed = [id_of(a) for a in as_list(obj.get("attributedTo"))]
        if any(http_host(a) != actor_host for a in attributed):
            return "the object is attributed to someone on another server"
    return None
