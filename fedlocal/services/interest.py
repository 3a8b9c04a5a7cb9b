"""'I'm interested': the way neighbours answer an offer or a request.

Interest is a direct message to the author, in reply to the offer — what any Mastodon
user would see as a private mention. Marketplace-aware peers (those whose listings carry
FEP-0837 terms) also get a FEP-0837 `Offer(Agreement)`, and when the author reserves the
offer for that person, an `Accept` with the agreement.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from ..store import actors as actor_store
from ..store import interests as interest_store
from ..store import notifications as notification_store
from ..store import posts as post_store
from . import blocks, outgoing
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .posts import write_note

DEFAULT_MESSAGE = {
    "fr": "Bonjour, je suis intéressé·e par « {title} ».",
    "en": "Hello, I am interested in “{title}”.",
}


async def express_interest(
    ctx: ServiceContext, actor: Actor, post_uri: str, message: str | None = None
) -> Post:
    """`actor` (one of our residents) tells the author of an offer or a request that
    they are interested. Returns the direct message sent."""
    if actor.role != "resident":
        raise Forbidden("only residents can answer offers and requests")
    async with ctx.db.write() as conn:
        post = await post_store.get_post_by_uri(conn, post_uri)
        if post is None or post.is_deleted or post.kind not in ("offer", "request"):
            raise NotFound("no such offer or request")
        if post.actor_id == actor.id:
            raise InvalidInput("this is your own offer or request")
        if post.listing is not None and post.listing.status != "open":
            raise Conflict(
                "this %(kind)s is %(status)s",
                kind=post.kind,
                status=post.listing.status,
                field="status",
            )
        author = await actor_store.get_actor(conn, post.actor_id)
        assert author is not None
        await blocks.refuse_if_blocked(conn, actor, author)
        language = post.language or ctx.config.default_language
        text = (message or "").strip() or DEFAULT_MESSAGE.get(
            language, DEFAULT_MESSAGE["en"]
        ).format(title=post.title)
        dm = await write_note(
            ctx,
            conn,
            actor,
            text,
            visibility="direct",
            in_reply_to=post.uri,
            language=language,
            mentions=[author],
        )
        offer_uri = None
        if not author.is_local and post.fep0837:
            offer_uri = f"{actor.uri}#offers/{uuid.uuid4()}"
            await ctx.outbox.send(conn, outgoing.InterestOffered(actor, post, author, offer_uri))
        created = await interest_store.record(
            conn, post_id=post.id, actor_id=actor.id, message_uri=dm.uri, offer_uri=offer_uri
        )
        if created and author.is_local:
            await notification_store.add(
                conn, recipient_id=author.id, type="interest", actor_id=actor.id, post_id=post.id
            )
    ctx.outbox.wake()
    return dm


async def accept_offer_if_any(
    ctx: ServiceContext, conn: AsyncConnection, author: Actor, post: Post, actor_uri: str
) -> None:
    """When an offer is reserved for someone whose server sent a FEP-0837 Offer, Accept it."""
    interested = await actor_store.get_actor_by_uri(conn, actor_uri)
    if interested is None or interested.is_local:
        return
    interest = await interest_store.get(conn, post.id, interested.id)
    if interest is not None and interest.offer_uri:
        await ctx.outbox.send(
            conn, outgoing.OfferAccepted(author, post, interested, interest.offer_uri)
        )


# Inbound: called by the inbox handlers inside their transaction.


async def receive_interest_message(conn: AsyncConnection, sender: Actor, message: Post) -> bool:
    """A remote direct reply to one of our offers or requests, addressed to its author,
    counts as interest (and notifies the author once)."""
    if not message.in_reply_to_uri or message.visibility != "direct":
        return False
    listing = await post_store.get_post_by_uri(conn, message.in_reply_to_uri)
    if listing is None or not listing.is_local or listing.kind not in ("offer", "request"):
        return False
    author = await actor_store.get_actor(conn, listing.actor_id)
    if author is None or author.uri not in message.recipients:
        return False
    if await blocks.blocked_either_way(conn, sender, author):
        return True  # dropped: nothing recorded, nobody told
    created = await interest_store.record(
        conn, post_id=listing.id, actor_id=sender.id, message_uri=message.uri
    )
    if created:
        await notification_store.add(
            conn, recipient_id=author.id, type="interest", actor_id=sender.id, post_id=listing.id
        )
    return True


async def receive_agreement_offer(
    conn: AsyncConnection, sender: Actor, listing_uri: str, offer_uri: str
) -> bool:
    """A FEP-0837 Offer(Agreement) for one of our listings: recorded as interest."""
    listing = await post_store.get_post_by_uri(conn, listing_uri.split("#", 1)[0])
    if listing is None or not listing.is_local or listing.kind not in ("offer", "request"):
        return False
    if await blocks.blocked_by_id(conn, sender, listing.actor_id):
        return False
    created = await interest_store.record(
        conn, post_id=listing.id, actor_id=sender.id, offer_uri=offer_uri
    )
    if created:
        await notification_store.add(
            conn,
            recipient_id=listing.actor_id,
            type="interest",
            actor_id=sender.id,
            post_id=listing.id,
        )
    return True


async def receive_offer_accepted(conn: AsyncConnection, author: Actor, offer_uri: str) -> bool:
    """FEP-0837: a listing's author accepted an Offer one of our residents made (its id
    starts with theirs): they hear of it, with the listing named and linked (the one
    their Offer was about). False when the Offer is none of ours."""
    sender = await actor_store.get_actor_by_uri(conn, offer_uri.split("#", 1)[0])
    if sender is None or not sender.is_local:
        return False
    offered = await interest_store.get_by_offer(conn, offer_uri)
    await notification_store.add(
        conn,
        recipient_id=sender.id,
        type="agreement",
        actor_id=author.id,
        post_id=offered.post_id if offered is not None and offered.actor_id == sender.id else None,
    )
    return True
