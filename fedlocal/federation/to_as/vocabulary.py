"""The JSON-LD contexts of what we publish: every term we emit is defined here, inline.

Only the ActivityStreams, security and multikey contexts are referenced by URL (they are
bundled in `activitypub/contexts`); everything else is spelled out, so a JSON-LD processor
reading our documents never needs to fetch anything, and no term falls back to the AS2
context's `@vocab` (which would turn it into a meaningless blank-node IRI).
"""

from __future__ import annotations

from typing import Any

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

# Extension terms we use, defined as Mastodon defines them so processors agree.
EXTENSION_TERMS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    # Pictures (`attachment`), as Mastodon defines them.
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "assertionMethod": {
        "@id": "https://w3id.org/security#assertionMethod",
        "@type": "@id",
        "@container": "@set",
    },
    "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
    # Moving house (account migration), as Mastodon defines it; `alsoKnownAs` is in the
    # ActivityStreams context already.
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    # Pinned posts (Mastodon's pins).
    "featured": {"@id": "toot:featured", "@type": "@id"},
    # Profile fields, as Mastodon defines them.
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}

# FEP-0837 (interop.md §5). Defined inline, all of them: the FEP's own term file omits
# `minimumQuantity`.
FEP_0837_TERMS: dict[str, Any] = {
    "vf": "https://w3id.org/valueflows/ont/vf#",
    "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
    "Proposal": "vf:Proposal",
    "Intent": "vf:Intent",
    "Agreement": "vf:Agreement",
    "Commitment": "vf:Commitment",
    "purpose": "vf:purpose",
    "publishes": "vf:publishes",
    "reciprocal": "vf:reciprocal",
    "unitBased": "vf:unitBased",
    "action": "vf:action",
    "resourceConformsTo": "vf:resourceConformsTo",
    "resourceQuantity": "vf:resourceQuantity",
    "availableQuantity": "vf:availableQuantity",
    "minimumQuantity": "vf:minimumQuantity",
    "stipulates": "vf:stipulates",
    "stipulatesReciprocal": "vf:stipulatesReciprocal",
    "satisfies": "vf:satisfies",
    "hasUnit": "om2:hasUnit",
    "hasNumericalValue": "om2:hasNumericalValue",
}

FEP_8A8E = "https://w3id.org/fep/8a8e/"

# Events: Mobilizon's terms where Mobilizon defined them first (interop.md §7.1: the
# installed base of event software reads those), FEP-8a8e's for what only it defines.
EVENT_TERMS: dict[str, Any] = {
    "sc": "http://schema.org#",
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "mz": "https://joinmobilizon.org/ns#",
    "pt": "https://joinpeertube.org/ns#",
    "PostalAddress": "sc:PostalAddress",
    "address": "sc:address",
    "streetAddress": "sc:streetAddress",
    "postalCode": "sc:postalCode",
    "addressLocality": "sc:addressLocality",
    "addressRegion": "sc:addressRegion",
    "addressCountry": "sc:addressCountry",
    "category": "sc:category",
    "inLanguage": "sc:inLanguage",
    "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
    "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
    "timezone": "mz:timezone",
    "joinMode": "mz:joinMode",
    "externalParticipationUrl": "mz:externalParticipationUrl",
    "participantCount": "mz:participantCount",
    "anonymousParticipationEnabled": "mz:anonymousParticipationEnabled",
    "isOnline": "mz:isOnline",
    "commentsEnabled": "pt:commentsEnabled",
    "organizers": FEP_8A8E + "organizers",
    "displayEndTime": FEP_8A8E + "displayEndTime",
    # The status values are terms of their own (`@vocab`), so they expand to IRIs.
    "eventStatus": {"@id": FEP_8A8E + "eventStatus", "@type": "@vocab"},
    **{
        status: FEP_8A8E + status
        for status in (
            "EventScheduled",
            "EventCancelled",
            "EventPostponed",
            "EventRescheduled",
            "EventMovedOnline",
            "EventTentative",
        )
    },
}

FEDLOCAL_NAMESPACE = "https://fedlocal.org/ns#"

# Our own terms: what FEP-0837 and the event vocabularies have no word for.
FEDLOCAL_TERMS: dict[str, Any] = {
    "fedlocal": FEDLOCAL_NAMESPACE,
    "communityCategory": "fedlocal:communityCategory",
    "listingIntent": "fedlocal:listingIntent",
    "listingStatus": "fedlocal:listingStatus",
    "closedAs": "fedlocal:closedAs",
    "reservedFor": {"@id": "fedlocal:reservedFor", "@type": "@id"},
    "expires": {"@id": "fedlocal:expires", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    "price": "fedlocal:price",
    # Loans and gifts (docs/FEDERATION.md, "Loans and gifts").
    "listingStep": "fedlocal:listingStep",
    "loanStatus": "fedlocal:loanStatus",
    "lentAt": {"@id": "fedlocal:lentAt", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    "dueOn": {"@id": "fedlocal:dueOn", "@type": "http://www.w3.org/2001/XMLSchema#date"},
    "returnedAt": {
        "@id": "fedlocal:returnedAt",
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
    },
}

# Group purchases (docs/FEDERATION.md, "Group purchases"): what FEP-0837 lacks. The
# minimum is Valueflows' `minimumQuantity`, what remains its `availableQuantity`.
GROUP_PURCHASE_TERMS: dict[str, Any] = {
    "fedlocal": FEDLOCAL_NAMESPACE,
    "groupPurchase": "fedlocal:groupPurchase",
    "maximumQuantity": "fedlocal:maximumQuantity",
    "committedQuantity": "fedlocal:committedQuantity",
    "commitDeadline": {
        "@id": "fedlocal:commitDeadline",
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
    },
    "pickupTime": {
        "@id": "fedlocal:pickupTime",
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
    },
    "pickupPlace": "fedlocal:pickupPlace",
    "purchaseStatus": "fedlocal:purchaseStatus",
}

# A verified organisation's type (fedlocal/organizations.py), and the profile field that
# says it to Mastodon, in Mastodon's own terms.
ORGANIZATION_TERMS: dict[str, Any] = {
    "fedlocal": FEDLOCAL_NAMESPACE,
    "organizationType": "fedlocal:organizationType",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    # A shop's or a producer's hours (docs/FEDERATION.md, "Shops and producers").
    "openingHours": "fedlocal:openingHours",
    "dayOfWeek": "schema:dayOfWeek",
    "opens": "schema:opens",
    "closes": "schema:closes",
    "shopAddress": "fedlocal:shopAddress",
    "sells": "fedlocal:sells",
}

ACTOR_CONTEXT: list[Any] = [
    AS_CONTEXT,
    SECURITY_CONTEXT,
    MULTIKEY_CONTEXT,
    {**EXTENSION_TERMS, **ORGANIZATION_TERMS},
]
OBJECT_CONTEXT: list[Any] = [AS_CONTEXT, EXTENSION_TERMS]
LISTING_CONTEXT: list[Any] = [AS_CONTEXT, {**EXTENSION_TERMS, **FEP_0837_TERMS, **FEDLOCAL_TERMS}]
EVENT_CONTEXT: list[Any] = [AS_CONTEXT, {**EXTENSION_TERMS, **EVENT_TERMS, **FEDLOCAL_TERMS}]
MARKETPLACE_CONTEXT: list[Any] = [AS_CONTEXT, FEP_0837_TERMS]
# Rides (docs/FEDERATION.md, "Carpooling"): FEP-0837 with our terms for what it lacks.
RIDE_TERMS: dict[str, Any] = {
    "destination": "fedlocal:destination",
    "rideStatus": "fedlocal:rideStatus",
    "seats": "fedlocal:seats",
    "repeats": "fedlocal:repeats",
    "repeatsUntil": {
        "@id": "fedlocal:repeatsUntil",
        "@type": "http://www.w3.org/2001/XMLSchema#date",
    },
    "departsOn": {"@id": "fedlocal:departsOn", "@type": "http://www.w3.org/2001/XMLSchema#date"},
    # The next dates and the seats left on each (docs/FEDERATION.md, "Carpooling").
    "upcomingDates": {"@id": "fedlocal:upcomingDates", "@container": "@list"},
    "seatsLeft": "fedlocal:seatsLeft",
    # The zone in Mobilizon's term, as events send it.
    "mz": EVENT_TERMS["mz"],
    "timezone": EVENT_TERMS["timezone"],
}
RIDE_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {**EXTENSION_TERMS, **FEP_0837_TERMS, **FEDLOCAL_TERMS, **RIDE_TERMS},
]
GROUP_PURCHASE_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {**EXTENSION_TERMS, **FEP_0837_TERMS, **FEDLOCAL_TERMS, **GROUP_PURCHASE_TERMS},
]
# A Join may carry the participant's message, in Mobilizon's term.
PARTICIPATION_TERMS: dict[str, Any] = {
    "mz": EVENT_TERMS["mz"],
    "participationMessage": "mz:participationMessage",
}
PARTICIPATION_CONTEXT: list[Any] = [AS_CONTEXT, PARTICIPATION_TERMS]
# A collection page embeds activities of every kind, and a JSON-LD processor reads an
# embedded object with the page's context (its own `@context` is not served there): the
# page's context defines every term any of our documents uses.
COLLECTION_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {
        **EXTENSION_TERMS,
        **FEP_0837_TERMS,
        **EVENT_TERMS,
        **FEDLOCAL_TERMS,
        **PARTICIPATION_TERMS,
        **RIDE_TERMS,
        **GROUP_PURCHASE_TERMS,
    },
]


def context_for(kind: str) -> list[Any]:
    """The context of a post of `kind` (and of the activities that carry it)."""
    if kind in ("offer", "request"):
        return LISTING_CONTEXT
    if kind == "group_purchase":
        return GROUP_PURCHASE_CONTEXT
    if kind == "event":
        return EVENT_CONTEXT
    if kind == "ride":
        return RIDE_CONTEXT
    return OBJECT_CONTEXT
