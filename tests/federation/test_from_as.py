"""ActivityStreams → internal model: what we read from Mastodon, GoToSocial, Mobilizon and
Gancio, quirks included, and what we refuse to read."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from activitypub import keys as key_codec
from activitypub.addressing import PUBLIC
from fedlocal.federation.from_as import InvalidDocument, actor_from_as, post_from_as
from tests.support.fixtures import load_fixture

MASTODON = "https://mastodon.example"
GTS = "https://gts.example:8443"
MENTIONED = "https://quartier.example/users/ana"

_RSA = key_codec.generate_rsa_key()
_ED25519 = key_codec.generate_ed25519_key()
RSA_PEM = key_codec.public_key_to_pem(_RSA.public_key())


def mastodon_actor(**patch: Any) -> dict[str, Any]:
    document = load_fixture(
        "mastodon/actor.json", base=MASTODON, username="alice", public_key_pem=RSA_PEM
    )
    document.update(patch)
    return document


def gotosocial_actor(**patch: Any) -> dict[str, Any]:
    document = load_fixture(
        "gotosocial/actor.json", base=GTS, username="gerda", public_key_pem=RSA_PEM
    )
    document.update(patch)
    return document


def mastodon_note() -> dict[str, Any]:
    create = load_fixture(
        "mastodon/create-note.json",
        base=MASTODON,
        username="alice",
        status_id="112233",
        mentioned=MENTIONED,
        mentioned_acct="ana@quartier.example",
    )
    return create["object"]


def gotosocial_note(**patch: Any) -> dict[str, Any]:
    document = load_fixture("gotosocial/note.json", base=GTS, username="gerda", status_id="01J1")
    document.update(patch)
    return document


# A Mobilizon event, in the shape Mobilizon sends (its context, a Place with a schema.org
# PostalAddress, a free-text category, `uuid`, `joinMode`, a mention of a Mastodon user).
MOBILIZON_EVENT: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://litepub.social/litepub/context.jsonld",
        {
            "mz": "https://joinmobilizon.org/ns#",
            "sc": "http://schema.org#",
            "uuid": "sc:identifier",
        },
    ],
    "id": "https://agenda.example/events/4b1d0c1e-2f3a-4e5b-8c6d-7e8f9a0b1c2d",
    "type": "Event",
    "name": "Troc de plantes au jardin partagé",
    "attributedTo": "https://agenda.example/@jardins",
    "startTime": "2024-06-15T14:00:00+02:00",
    "endTime": "2024-06-15T17:00:00+02:00",
    "content": (
        '<p>Apportez boutures et graines ! <span class="h-card">'
        '<a href="https://mastodon.example/users/alice" class="u-url mention">'
        "@<span>alice</span></a></span></p>"
    ),
    "category": "GARDENING",
    "joinMode": "free",
    "uuid": "4b1d0c1e-2f3a-4e5b-8c6d-7e8f9a0b1c2d",
    "location": {
        "type": "Place",
        "name": "Jardin des Lilas",
        "id": "https://agenda.example/address/9f8e7d6c",
        "address": {
            "type": "PostalAddress",
            "streetAddress": "12 rue des Lilas",
            "postalCode": "35400",
            "addressLocality": "Saint-Malo",
            "addressCountry": "France",
        },
    },
    "published": "2024-06-01T09:30:00Z",
    "url": "https://agenda.example/events/4b1d0c1e-2f3a-4e5b-8c6d-7e8f9a0b1c2d",
    "inReplyTo": None,
    "attachment": [],
    "tag": [
        {
            "type": "Mention",
            "href": "https://mastodon.example/users/alice",
            "name": "@alice@mastodon.example",
        }
    ],
    "to": [PUBLIC],
    "cc": ["https://agenda.example/@jardins/followers", "https://mastodon.example/users/alice"],
}

# A Gancio event, in the shape Gancio sends: no @context, a location without type, a
# relative hashtag href, `blurHash: null`, date and place repeated in summary and content.
GANCIO_EVENT: dict[str, Any] = {
    "id": "https://calendrier.example/federation/m/42",
    "type": "Event",
    "name": "Répar'café",
    "url": "https://calendrier.example/event/repar-cafe",
    "startTime": "2024-06-20T18:00:00+02:00",
    "endTime": "2024-06-20T21:00:00+02:00",
    "location": {"name": "Maison de quartier"},
    "attachment": [
        {
            "type": "Document",
            "mediaType": "image/jpeg",
            "url": "https://calendrier.example/media/affiche.jpg",
            "name": "",
            "blurHash": None,
            "focalPoint": [0, 0],
        }
    ],
    "tag": [{"type": "Hashtag", "name": "#Réparation", "href": "/tags/Réparation"}],
    "published": "2024-06-02T08:00:00Z",
    "attributedTo": "https://calendrier.example/federation/u/calendrier",
    "to": [PUBLIC],
    "cc": ["https://calendrier.example/federation/u/calendrier/followers"],
    "content": "\n    📍 Maison de quartier\n    📅 jeudi 20 juin (18:00)\n  ",
    "summary": "\n    📍 Maison de quartier\n    📅 jeudi 20 juin (18:00)\n  ",
}


# --- posts -------------------------------------------------------------------------------


def test_a_mastodon_note_with_cw_hashtag_and_mention():
    note = mastodon_note()

    data = post_from_as(note)

    assert data.uri == f"{MASTODON}/users/alice/statuses/112233"
    assert (data.type, data.kind) == ("Note", "note")
    assert data.attributed_to == f"{MASTODON}/users/alice"
    assert data.visibility == "public"
    assert data.summary == "Nourriture, restes"
    assert data.sensitive is True
    assert data.language == "fr"
    assert data.published == datetime(2024, 5, 2, 18, 4, 11, tzinfo=UTC)
    assert data.url == f"{MASTODON}/@alice/112233"
    assert data.in_reply_to_uri is None
    assert data.edited_at is None
    assert list(data.hashtags) == ["soupe"]
    assert [mention.href for mention in data.mentions] == [MENTIONED]
    assert data.recipients == (f"{MASTODON}/users/alice/followers", MENTIONED)
    # Mastodon's mention and hashtag markup survives; its `translate` attribute does not.
    assert '<span class="h-card"><a href="https://quartier.example/users/ana"' in data.content
    assert 'class="u-url mention"' in data.content
    assert 'class="mention hashtag"' in data.content
    assert "translate=" not in data.content


def test_a_gotosocial_note_with_single_values_instead_of_arrays():
    # GoToSocial writes one-element `to`, `cc` and `tag` as bare values, no contentMap,
    # and an empty summary when there is no content warning.
    data = post_from_as(gotosocial_note())

    assert data.visibility == "public"
    assert data.recipients == (f"{GTS}/users/gerda/followers",)
    assert list(data.hashtags) == ["velo"]
    assert data.language is None
    assert not data.summary
    assert data.sensitive is False
    assert data.url == f"{GTS}/@gerda/statuses/01J1"


def test_a_mobilizon_event():
    data = post_from_as(copy.deepcopy(MOBILIZON_EVENT))

    assert data.type == "Event"
    assert data.name == "Troc de plantes au jardin partagé"
    assert data.attributed_to == "https://agenda.example/@jardins"
    assert data.visibility == "public"
    assert data.content.startswith("<p>Apportez boutures et graines !")
    assert [m.href for m in data.mentions] == ["https://mastodon.example/users/alice"]
    assert data.url == MOBILIZON_EVENT["url"]
    assert data.published == datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


def test_a_gancio_event_without_context_and_with_relative_tag_href():
    data = post_from_as(copy.deepcopy(GANCIO_EVENT))

    assert data.type == "Event"
    assert data.name == "Répar'café"
    assert data.visibility == "public"
    assert list(data.hashtags) == ["reparation"]
    # Gancio's summary repeats date and place for Mastodon readers; we keep the fields.
    assert data.summary is None
    assert data.place is not None and data.place.name == "Maison de quartier"
    assert data.url == "https://calendrier.example/event/repar-cafe"


@pytest.mark.parametrize(
    ("to", "cc", "visibility"),
    [
        ([PUBLIC], ["{author}/followers"], "public"),
        (["as:Public"], [], "public"),
        ("Public", [], "public"),
        (["{author}/followers"], [PUBLIC], "unlisted"),
        (["{author}/followers"], [], "followers"),
        ([MENTIONED], [], "direct"),
        ([], [], "direct"),
    ],
)
def test_addressing_gives_the_visibility(to, cc, visibility):
    author = f"{GTS}/users/gerda"
    fill = lambda values: (  # noqa: E731
        [v.format(author=author) for v in values] if isinstance(values, list) else values
    )

    data = post_from_as(gotosocial_note(to=fill(to), cc=fill(cc)))

    assert data.visibility == visibility


def test_content_is_sanitised():
    note = gotosocial_note(
        content='<p onclick="x()">Salut <script>alert(1)</script><img src="x" onerror="y()">'
        '<a href="javascript:alert(2)">lien</a><h1>Titre</h1><strong>ok</strong></p>',
        summary="<b>attention</b><script>alert(3)</script>",
    )

    data = post_from_as(note)

    for bad in ("<script", "alert", "onclick", "onerror", "<img", "javascript:", "<h1"):
        assert bad not in data.content
    assert "<strong>ok</strong>" in data.content
    assert "<p><strong>Titre</strong></p>" in data.content
    assert data.summary == "<b>attention</b>"


def test_content_from_content_map_when_content_is_absent():
    note = gotosocial_note(contentMap={"br": "<p>Demat</p>"})
    del note["content"]

    data = post_from_as(note)

    assert (data.content, data.language) == ("<p>Demat</p>", "br")


def test_references_given_as_objects_and_arrays():
    note = gotosocial_note(
        type=["Proposal", "Note"],
        attributedTo=[{"type": "Person", "id": f"{GTS}/users/gerda"}],
        inReplyTo={"type": "Note", "id": f"{MASTODON}/users/alice/statuses/1"},
        url=[
            {"type": "Link", "mediaType": "application/activity+json", "href": f"{GTS}/ap/1"},
            {"type": "Link", "mediaType": "text/html", "href": f"{GTS}/@gerda/1"},
        ],
    )

    data = post_from_as(note)

    assert data.type == "Note"
    assert data.attributed_to == f"{GTS}/users/gerda"
    assert data.in_reply_to_uri == f"{MASTODON}/users/alice/statuses/1"
    assert data.url == f"{GTS}/@gerda/1"


def test_an_edited_note_has_its_edit_time():
    data = post_from_as(gotosocial_note(updated="2024-06-12T17:30:00+02:00"))

    assert data.edited_at == datetime(2024, 6, 12, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"type": "Offer"}, "unsupported object type"),
        ({"type": ["Proposal"]}, "unsupported object type"),
        ({"attributedTo": None}, "attributedTo"),
        ({"attributedTo": "/users/gerda"}, "attributedTo"),
        ({"id": None}, "'id'"),
        ({"id": "urn:uuid:0d8a"}, "'id'"),
    ],
)
def test_unusable_objects_are_refused_with_a_reason(patch, reason):
    with pytest.raises(InvalidDocument, match=reason):
        post_from_as(gotosocial_note(**patch))


def test_a_non_object_is_refused():
    with pytest.raises(InvalidDocument):
        post_from_as(["not", "an", "object"])


# --- actors ------------------------------------------------------------------------------


def test_a_mastodon_actor():
    data = actor_from_as(mastodon_actor())

    assert data.uri == f"{MASTODON}/users/alice"
    assert (data.type, data.username, data.domain) == ("Person", "alice", "mastodon.example")
    assert data.display_name == "alice :potager:"
    assert data.inbox_url == f"{MASTODON}/users/alice/inbox"
    assert data.shared_inbox_url == f"{MASTODON}/inbox"
    assert data.outbox_url == f"{MASTODON}/users/alice/outbox"
    assert data.followers_url == f"{MASTODON}/users/alice/followers"
    assert data.following_url == f"{MASTODON}/users/alice/following"
    assert data.url == f"{MASTODON}/@alice"
    assert data.manually_approves_followers is False
    assert data.keys == ((f"{MASTODON}/users/alice#main-key", "rsa", RSA_PEM),)
    assert data.icon_url.endswith("/avatar.png")
    assert 'class="mention hashtag"' in data.summary


def test_a_gotosocial_actor_with_its_key_at_its_own_url():
    data = actor_from_as(gotosocial_actor())

    assert data.domain == "gts.example:8443"
    assert data.shared_inbox_url is None
    assert data.manually_approves_followers is True
    assert data.keys == ((f"{GTS}/users/gerda/main-key", "rsa", RSA_PEM),)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (["Person"], "Person"),
        (["Service", "Application"], "Service"),
        (["as:Bot", "Group"], "Group"),
        ("Organization", "Organization"),
    ],
)
def test_actor_types_as_strings_or_arrays(kind, expected):
    assert actor_from_as(mastodon_actor(type=kind)).type == expected


def test_the_fep_2c59_webfinger_handle_wins_over_preferred_username():
    document = mastodon_actor(
        preferredUsername="Alice_Old", webfinger="acct:alice@quartier.example"
    )

    assert actor_from_as(document).username == "alice"


def test_without_webfinger_the_preferred_username_is_used():
    assert actor_from_as(mastodon_actor(preferredUsername="Alice")).username == "Alice"


def test_keys_owned_by_another_actor_are_ignored():
    other = "https://mastodon.example/users/mallory"
    document = mastodon_actor(
        publicKey=[
            {"id": f"{other}#main-key", "owner": other, "publicKeyPem": RSA_PEM},
            {"id": f"{MASTODON}/users/alice#main-key", "owner": f"{MASTODON}/users/alice"},
            {
                "id": f"{MASTODON}/users/alice#junk",
                "owner": f"{MASTODON}/users/alice",
                "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----",
            },
        ],
        assertionMethod=[
            {
                "id": f"{other}#ed25519-key",
                "type": "Multikey",
                "controller": other,
                "publicKeyMultibase": key_codec.public_key_to_multibase(_ED25519.public_key()),
            }
        ],
    )

    assert actor_from_as(document).keys == ()


def test_an_ed25519_multikey_of_the_actor_is_kept():
    alice = f"{MASTODON}/users/alice"
    document = mastodon_actor(
        assertionMethod=[
            {
                "id": f"{alice}#ed25519-key",
                "type": "Multikey",
                "controller": alice,
                "publicKeyMultibase": key_codec.public_key_to_multibase(_ED25519.public_key()),
            }
        ]
    )

    keys = actor_from_as(document).keys

    assert [(key_id, algorithm) for key_id, algorithm, _pem in keys] == [
        (f"{alice}#main-key", "rsa"),
        (f"{alice}#ed25519-key", "ed25519"),
    ]
    assert keys[1][2] == key_codec.public_key_to_pem(_ED25519.public_key())


def test_the_summary_is_sanitised():
    document = mastodon_actor(
        summary='<p>Bonjour<script>document.cookie</script><img src=x onerror="y()"></p>'
    )

    assert actor_from_as(document).summary == "<p>Bonjour</p>"


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"inbox": None}, "'inbox'"),
        ({"inbox": "/users/alice/inbox"}, "'inbox'"),
        ({"type": "Note"}, "unexpected actor type"),
        ({"type": ["Tombstone"]}, "unexpected actor type"),
        ({"preferredUsername": None}, "preferredUsername"),
        ({"id": "acct:alice@mastodon.example"}, "'id'"),
        ({"id": "https://"}, "'id'"),
    ],
)
def test_unusable_actors_are_refused_with_a_reason(patch, reason):
    with pytest.raises(InvalidDocument, match=reason):
        actor_from_as(mastodon_actor(**patch))


def test_a_mastodon_actors_profile_fields_are_read() -> None:
    data = actor_from_as(mastodon_actor())
    [field] = data.fields
    assert field.name == "Blog"
    assert 'href="https://blog.example/"' in field.value and "<span" in field.value
    junk = actor_from_as(
        mastodon_actor(attachment=[{"type": "Image"}, "x", {"type": "PropertyValue"}])
    )
    assert junk.fields == ()
