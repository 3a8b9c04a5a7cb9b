"""Internal model → ActivityStreams JSON. Everything we publish is shaped here.

Shapes follow what Mastodon reads (interop.md §1.3, §3, §4): the AS2 context first,
the public collection spelled out and always inside arrays, one RSA `publicKey`. Offers
and requests add FEP-0837 (§5), events FEP-8a8e and Mobilizon's fields (§7).

One module per concern; callers use this package's names (`to_as.create(...)`).
"""

from __future__ import annotations

from .activities import (
    BUILT_IN_CATEGORIES,
    actor_tombstone,
    announce,
    create,
    delete,
    delete_actor,
    object_document,
    post_object,
    tombstone,
    update,
    update_actor,
)
from .actors import actor_document
from .blocks import block, undo_block
from .collections import ordered_collection, ordered_collection_page
from .common import addressing, iso
from .events import event, event_hashtags
from .flags import flag
from .follows import accept_follow, follow, reject_follow, undo_follow
from .group_purchases import (
    accept_commitment,
    offer_commitment,
    reject_commitment,
    withdraw_commitment,
)
from .likes import like, undo_announce, undo_like
from .listings import listing, listing_hashtags
from .marketplace import accept_offer, offer_agreement
from .moves import move
from .notes import note
from .participation import accept_join, join, leave, reject_join
from .pins import add_pin, featured_collection, remove_pin
from .rides import accept_booking, book_seats, reject_booking, ride, withdraw_booking
from .vocabulary import (
    ACTOR_CONTEXT,
    AS_CONTEXT,
    EVENT_CONTEXT,
    EXTENSION_TERMS,
    LISTING_CONTEXT,
    MARKETPLACE_CONTEXT,
    MULTIKEY_CONTEXT,
    OBJECT_CONTEXT,
    SECURITY_CONTEXT,
    context_for,
)

__all__ = [
    "ACTOR_CONTEXT",
    "AS_CONTEXT",
    "BUILT_IN_CATEGORIES",
    "EVENT_CONTEXT",
    "EXTENSION_TERMS",
    "LISTING_CONTEXT",
    "MARKETPLACE_CONTEXT",
    "MULTIKEY_CONTEXT",
    "OBJECT_CONTEXT",
    "SECURITY_CONTEXT",
    "accept_booking",
    "accept_follow",
    "accept_join",
    "accept_offer",
    "add_pin",
    "featured_collection",
    "accept_commitment",
    "offer_commitment",
    "withdraw_commitment",
    "reject_commitment",
    "remove_pin",
    "ride",
    "actor_document",
    "block",
    "book_seats",
    "move",
    "undo_block",
    "addressing",
    "announce",
    "context_for",
    "create",
    "delete",
    "event",
    "event_hashtags",
    "flag",
    "follow",
    "iso",
    "join",
    "leave",
    "like",
    "listing",
    "listing_hashtags",
    "note",
    "object_document",
    "offer_agreement",
    "ordered_collection",
    "ordered_collection_page",
    "post_object",
    "reject_booking",
    "reject_follow",
    "reject_join",
    "tombstone",
    "undo_announce",
    "undo_follow",
    "undo_like",
    "withdraw_booking",
    "update",
    "update_actor",
    "actor_tombstone",
    "delete_actor",
]
