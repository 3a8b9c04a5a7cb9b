"""Flag: another server reports some of our accounts and posts (Mastodon, Misskey, another
fedlocal). The report enters our moderation queue, attributed to the sender's server.

Mastodon sends `object` as a list (the account, then its posts) from its instance actor;
Misskey sends a single uri, also from its instance actor, without an activity id. What
is refused at the inbox, before anything is stored (`refusal`, run again here): objects
that are not on this server (403), and absurd sizes (400): a comment over
`FLAG_COMMENT_MAX` characters, more than `FLAG_OBJECTS_MAX` objects, or none. A Flag from
a blocked domain is refused like anything else from there.
"""

from __future__ import annotations

from typing import Any

from activitypub.addressing import as_list, id_of

from ...services import reports
from .context import Ignored, InboxContext


def object_uris(activity: dict[str, Any]) -> list[Any]:
    """The ids the Flag names, whether `object` is one uri, an embedded object or a list."""
    return [id_of(item) for item in as_list(activity.get("object"))]


def refusal(activity: dict[str, Any], our_base: str) -> tuple[int, str] | None:
    """Why a Flag is refused (an HTTP status and a reason), or None; any other verb, None."""
    if activity.get("type") != "Flag":
        return None
    uris = object_uris(activity)
    if not uris:
        return 400, "a Flag needs an object"
    if len(uris) > reports.FLAG_OBJECTS_MAX:
        return 400, f"a Flag names at most {reports.FLAG_OBJECTS_MAX} objects"
    content = activity.get("content")
    if content is not None and not isinstance(content, str):
        return 400, "a Flag's content must be a string"
    if content is not None and len(content) > reports.FLAG_COMMENT_MAX:
        return 400, f"a Flag's content is limited to {reports.FLAG_COMMENT_MAX} characters"
    prefix = f"{our_base}/"
    if any(not isinstance(uri, str) or not uri.startswith(prefix) for uri in uris):
        return 403, "a Flag may only name objects on this server"
    return None


async def apply(ctx: InboxContext, conn, prepared) -> None:
    problem = refusal(ctx.activity, ctx.federation.urls.base)
    if problem is not None:
        raise Ignored(problem[1])
    activity_id = ctx.activity.get("id")
    made = await reports.receive_flag(
        conn,
        ctx.actor,
        uri=activity_id if isinstance(activity_id, str) and activity_id else None,
        object_uris=[uri for uri in object_uris(ctx.activity) if isinstance(uri, str)],
        comment=ctx.activity.get("content") or "",
    )
    if not made:
        raise Ignored("Flag of nothing of ours")
