"""Move: a remote account moved to another one (Mastodon's account migration).

Trusted only when the old account itself sent it (the signer is the actor, checked at
the inbox, and the `object` is that same actor) and when the new account, fetched afresh
from its own server, names the old one in its `alsoKnownAs`. Then our residents who
followed the old account follow the new one (services/moves.py)."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...models import Actor
from ...services import moves
from .context import Ignored, InboxContext
from .fetch import fetch_document, remote_actor


async def prepare(ctx: InboxContext) -> Actor:
    old_uri = ctx.actor.uri
    if id_of(ctx.activity.get("object")) != old_uri:
        raise Ignored("a Move of someone other than its actor")
    target_uri = id_of(ctx.activity.get("target"))
    if not isinstance(target_uri, str) or target_uri == old_uri:
        raise Ignored("a Move without a target account")
    if target_uri.startswith(ctx.our_prefix):
        # A move to one of our residents: what they declared is here.
        local = await moves.resident_at(ctx.services, target_uri)
        if local is None or old_uri not in local.also_known_as:
            raise Ignored("a Move to an account here that does not name the old one")
        return local
    document = await fetch_document(ctx, target_uri)
    if old_uri not in moves.also_known_as(document):
        raise Ignored("a Move to an account that does not name the old one in alsoKnownAs")
    new = await remote_actor(ctx, target_uri, refresh=True)
    if new.uri != target_uri:
        raise Ignored("a Move to an account that answers under another id")
    return new


async def apply(ctx: InboxContext, conn, prepared: Actor) -> None:
    if not await moves.receive_move(ctx.services, conn, ctx.actor, prepared):
        raise Ignored("a Move of an account none of our residents follows")
