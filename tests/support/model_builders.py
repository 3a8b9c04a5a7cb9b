"""Internal records for converter tests: a resident of `quartier.example`, and posts of
every kind shaped as the services store them (Markdown `source`, its rendering in
`content`, the hashtags they are published under)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from activitypub import jsonld
from fedlocal.formatting import markdown_to_html
from fedlocal.models import Actor, EventDetails, ListingDetails, Place, Post
from fedlocal.urls import Urls

BASE = "https://quartier.example"
URLS = Urls(BASE)
WHEN = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)


def resident(username: str = "ana") -> Actor:
    return Actor(
        id=1,
        uri=URLS.actor(username),
        type="Person",
        role="resident",
        username=username,
        domain="quartier.example",
        display_name="Ana",
        summary="",
        inbox_url=URLS.inbox(username),
        shared_inbox_url=URLS.shared_inbox,
        outbox_url=URLS.outbox(username),
        followers_url=URLS.followers(username),
        following_url=URLS.following(username),
        url=URLS.profile(username),
        manually_approves_followers=False,
        created_at=WHEN,
        updated_at=WHEN,
    )


def _post(kind: str, type_: str, description: str, **fields: Any) -> Post:
    values: dict[str, Any] = {
        "id": 7,
        "uri": URLS.post(7),
        "type": type_,
        "kind": kind,
        "actor_id": 1,
        "is_local": True,
        "visibility": "public",
        "content": markdown_to_html(description) if description else "",
        "source": description,
        "published": WHEN,
        "created_at": WHEN,
        "language": "fr",
        "url": URLS.post(7),
    }
    values.update(fields)
    return Post(**values)


def offer(**fields: Any) -> Post:
    """A lending offer of a drill in Rocabey, DIY category, open."""
    values: dict[str, Any] = {
        "name": "Perceuse à prêter",
        "category": "diy-gardening",
        "place": Place(name="Rocabey", latitude=48.648, longitude=-2.005),
        "listing": ListingDetails(
            intent="lend",
            available_from=datetime(2025, 12, 1, 8, tzinfo=UTC),
            available_until=datetime(2025, 12, 10, 18, tzinfo=UTC),
            expires_at=datetime(2026, 1, 27, 9, 30, tzinfo=UTC),
            quantity=1,
        ),
        "hashtags": tuple(["offre", "pret", "bricolage"]),
    }
    values.update(fields)
    return _post("offer", "Note", "Une perceuse **Bosch**, avec ses mèches.", **values)


def request(**fields: Any) -> Post:
    """A request for help moving a wardrobe."""
    values: dict[str, Any] = {
        "name": "Coup de main pour porter une armoire",
        "listing": ListingDetails(intent="help"),
        "hashtags": tuple(["demande", "entraide"]),
    }
    values.update(fields)
    return _post("request", "Note", "Samedi matin, troisième étage sans ascenseur.", **values)


def event(**fields: Any) -> Post:
    """A neighbourhood swap afternoon in Salle Bouvet, Saturday 6 December 2025, 14:00–18:00
    Paris time, 30 places, 4 taken."""
    values: dict[str, Any] = {
        "name": "Troc de Noël",
        "category": "neighbourhood-life",
        "place": Place(
            name="Salle Bouvet",
            latitude=48.647,
            longitude=-2.004,
            street="12 rue Georges Clemenceau",
            postal_code="35400",
            locality="Saint-Malo",
        ),
        "event": EventDetails(
            starts_at=datetime(2025, 12, 6, 13, tzinfo=UTC),
            ends_at=datetime(2025, 12, 6, 17, tzinfo=UTC),
            timezone="Europe/Paris",
            capacity=30,
            participant_count=4,
        ),
        "hashtags": tuple(["evenement", "viedequartier"]),
    }
    values.update(fields)
    return _post("event", "Event", "Jouets, livres et *vêtements* d'hiver.", **values)


def with_listing(post: Post, **changes: Any) -> Post:
    assert post.listing is not None
    return replace(post, listing=replace(post.listing, **changes))


def with_event(post: Post, **changes: Any) -> Post:
    assert post.event is not None
    return replace(post, event=replace(post.event, **changes))


def undefined_terms(document: dict[str, Any]) -> list[str]:
    """Keys and types of `document` its context does not define.

    The AS2 context maps any unknown term to a blank-node IRI (`@vocab: "_:"`), so an
    undefined term does not fail expansion: it expands to `_:term`. Compacting back with
    the same context must work too.
    """
    expanded = jsonld.expand(document)
    jsonld.compact(expanded, document["@context"])
    return sorted(set(_blank_terms(expanded)))


def _blank_terms(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("_:"):
                found.append(key)
            if key == "@type":
                types = value if isinstance(value, list) else [value]
                found += [t for t in types if isinstance(t, str) and t.startswith("_:")]
            found += _blank_terms(value)
    elif isinstance(node, list):
        for item in node:
            found += _blank_terms(item)
    return found


def lost_terms(document: dict[str, Any]) -> list[str]:
    """Keys of `document` that do not survive a JSON-LD round trip: expanded with the
    bundled contexts, then compacted back with the document's own context. A key whose
    term is undefined expands to a blank node (or nothing) and never comes back; so does
    any key of an embedded object its container's context does not define."""
    expanded = jsonld.expand(document)
    compacted = jsonld.compact(expanded, document["@context"])
    return sorted(_keys(document) - _keys(compacted) | set(_blank_terms(expanded)))


def _keys(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            # Language maps are keyed by language tags, not terms.
            if not key.endswith("Map"):
                found.add(key)
                found |= _keys(value)
    elif isinstance(node, list):
        for item in node:
            found |= _keys(item)
    return found
