"""Internal model → ActivityStreams: the JSON we publish, pinned where Mastodon and
relays are strict (interop.md §1.3, §1.4, §3.2, §4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from activitypub import keys as key_codec
from activitypub.addressing import PUBLIC
from fedlocal.federation import to_as
from fedlocal.federation.from_as import actor_from_as, post_from_as
from fedlocal.models import Actor, ActorKey, Announce, Follow, Post
from fedlocal.urls import Urls
from tests.support.model_builders import lost_terms

BASE = "https://quartier.example"
URLS = Urls(BASE)
AS = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
WHEN = datetime(2024, 5, 2, 18, 4, 11, 654321, tzinfo=UTC)
MASTODON_INSTANCE_ACTOR_FIELDS = {
    "id",
    "type",
    "preferredUsername",
    "inbox",
    "outbox",
    "publicKey",
    "endpoints",
    "url",
    "manuallyApprovesFollowers",
}

_RSA = key_codec.generate_rsa_key()
_ED25519 = key_codec.generate_ed25519_key()
RSA_PEM = key_codec.public_key_to_pem(_RSA.public_key())
ED25519_PEM = key_codec.public_key_to_pem(_ED25519.public_key())


def local_actor(username: str = "ana", *, role: str = "resident", **fields: Any) -> Actor:
    values: dict[str, Any] = {
        "id": 1,
        "uri": URLS.actor(username),
        "type": "Person",
        "role": role,
        "username": username,
        "domain": "quartier.example",
        "display_name": "Ana",
        "summary": "<p>Voisine</p>",
        "inbox_url": URLS.inbox(username),
        "shared_inbox_url": URLS.shared_inbox,
        "outbox_url": URLS.outbox(username),
        "followers_url": URLS.followers(username),
        "following_url": URLS.following(username),
        "url": URLS.profile(username),
        "manually_approves_followers": False,
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    values.update(fields)
    return Actor(**values)


def keys_of(actor: Actor) -> list[ActorKey]:
    return [
        ActorKey(1, actor.id, URLS.main_key(actor.uri), "rsa", RSA_PEM, None),
        ActorKey(2, actor.id, URLS.ed25519_key(actor.uri), "ed25519", ED25519_PEM, None),
    ]


def instance_actor() -> Actor:
    return local_actor(
        "quartier.example",
        role="instance",
        uri=URLS.instance_actor,
        type="Application",
        inbox_url=URLS.instance_inbox,
        outbox_url=URLS.instance_outbox,
        followers_url=None,
        following_url=None,
        url=f"{BASE}/about",
        manually_approves_followers=True,
    )


def remote_actor() -> Actor:
    return local_actor(
        "alice",
        role="remote",
        id=9,
        uri="https://mastodon.example/users/alice",
        domain="mastodon.example",
        inbox_url="https://mastodon.example/users/alice/inbox",
        shared_inbox_url="https://mastodon.example/inbox",
        followers_url="https://mastodon.example/users/alice/followers",
    )


def post(**fields: Any) -> Post:
    values: dict[str, Any] = {
        "id": 7,
        "uri": URLS.post(7),
        "type": "Note",
        "kind": "note",
        "actor_id": 1,
        "is_local": True,
        "visibility": "public",
        "content": '<p>Soupe à partager <a href="https://quartier.example/tags/soupe" '
        'class="mention hashtag" rel="tag">#<span>soupe</span></a></p>',
        "published": WHEN,
        "created_at": WHEN,
        "language": "fr",
        "url": URLS.post(7),
        "hashtags": tuple(["soupe"]),
    }
    values.update(fields)
    return Post(**values)


# --- actors ------------------------------------------------------------------------------


def test_a_resident_actor_document():
    ana = local_actor()

    document = to_as.actor_document(ana, keys_of(ana), URLS)

    context = document["@context"]
    assert context[0] == AS and SECURITY in context
    assert document["id"] == f"{BASE}/users/ana"
    assert document["type"] == "Person"
    assert document["preferredUsername"] == "ana"
    assert document["webfinger"] == "acct:ana@quartier.example"
    assert document["inbox"] == f"{BASE}/users/ana/inbox"
    assert document["outbox"] == f"{BASE}/users/ana/outbox"
    assert document["followers"] == f"{BASE}/users/ana/followers"
    assert document["following"] == f"{BASE}/users/ana/following"
    assert document["endpoints"] == {"sharedInbox": f"{BASE}/inbox"}
    assert document["url"] == f"{BASE}/@ana"
    assert document["manuallyApprovesFollowers"] is False
    assert document["published"] == "2024-05-02T18:04:11Z"
    assert document["publicKey"] == {
        "id": f"{BASE}/users/ana#main-key",
        "owner": f"{BASE}/users/ana",
        "publicKeyPem": RSA_PEM,
    }
    assert RSA_PEM.startswith("-----BEGIN PUBLIC KEY-----")


def test_the_ed25519_key_is_an_assertion_method_multikey():
    ana = local_actor()

    document = to_as.actor_document(ana, keys_of(ana), URLS)

    [method] = document["assertionMethod"]
    assert method["id"] == f"{BASE}/users/ana#ed25519-key"
    assert method["type"] == "Multikey"
    assert method["controller"] == ana.uri
    assert method["publicKeyMultibase"].startswith("z6Mk")
    decoded = key_codec.multibase_to_public_key(method["publicKeyMultibase"])
    assert key_codec.public_key_to_pem(decoded) == ED25519_PEM
    # The terms it needs are defined by the context.
    assert "https://w3id.org/security/multikey/v1" in document["@context"]
    terms = document["@context"][-1]
    assert terms["assertionMethod"]["@id"] == "https://w3id.org/security#assertionMethod"


def test_our_actor_document_reads_back_as_the_same_actor():
    ana = local_actor()

    data = actor_from_as(to_as.actor_document(ana, keys_of(ana), URLS))

    assert (data.uri, data.type, data.username) == (ana.uri, "Person", "ana")
    assert data.shared_inbox_url == URLS.shared_inbox
    assert {key_id for key_id, _algorithm, _pem in data.keys} == {
        f"{BASE}/users/ana#main-key",
        f"{BASE}/users/ana#ed25519-key",
    }


def test_the_instance_actor_is_restricted_to_mastodons_fields():
    actor = instance_actor()

    document = to_as.actor_document(actor, keys_of(actor), URLS)

    # Mastodon's set (interop.md §1.4) plus the context, the display name and the
    # Ed25519 key every actor of ours publishes (FEP-521a).
    assert set(document) == MASTODON_INSTANCE_ACTOR_FIELDS | {"@context", "name", "assertionMethod"}
    assert [m["type"] for m in document["assertionMethod"]] == ["Multikey"]
    assert document["type"] == "Application"
    assert document["id"] == f"{BASE}/actor"
    assert document["preferredUsername"] == "quartier.example"
    assert document["inbox"] == f"{BASE}/actor/inbox"
    assert document["endpoints"] == {"sharedInbox": f"{BASE}/inbox"}
    assert document["manuallyApprovesFollowers"] is True
    assert document["publicKey"]["id"] == f"{BASE}/actor#main-key"


def test_the_community_actor_is_a_group():
    community = local_actor("saint-malo", role="community", type="Group")

    document = to_as.actor_document(community, keys_of(community), URLS)

    assert document["type"] == "Group"
    assert document["webfinger"] == "acct:saint-malo@quartier.example"
    assert document["followers"] == f"{BASE}/users/saint-malo/followers"
    assert document["publicKey"]["owner"] == community.uri


# --- notes -------------------------------------------------------------------------------


def test_a_public_note():
    ana = local_actor()

    note = to_as.note(post(summary="Nourriture", sensitive=True), ana, URLS)

    assert note["id"] == URLS.post(7)
    assert note["type"] == "Note"
    assert note["attributedTo"] == ana.uri
    assert note["to"] == [PUBLIC]
    assert note["cc"] == [ana.followers_url]
    assert note["tag"] == [
        {"type": "Hashtag", "name": "#soupe", "href": f"{BASE}/tags/soupe"},
    ]
    assert note["contentMap"] == {"fr": note["content"]}
    assert note["summary"] == "Nourriture"
    assert note["sensitive"] is True
    assert note["published"] == "2024-05-02T18:04:11Z"
    assert note["url"] == URLS.post(7)
    assert "@context" not in note
    assert "inReplyTo" not in note and "updated" not in note


def test_the_object_document_carries_the_context():
    document = to_as.object_document(post(), local_actor(), URLS)

    assert document["@context"][0] == AS
    assert document["id"] == URLS.post(7)


@pytest.mark.parametrize(
    ("visibility", "to", "cc"),
    [
        ("public", [PUBLIC], ["{followers}", "{alice}"]),
        ("unlisted", ["{followers}"], [PUBLIC, "{alice}"]),
        ("followers", ["{followers}"], ["{alice}"]),
        ("direct", ["{alice}"], []),
    ],
)
def test_addressing_by_visibility(visibility, to, cc):
    ana, alice = local_actor(), remote_actor()
    values = {"followers": ana.followers_url, "alice": alice.uri}
    mention = post(visibility=visibility, recipients=(alice.uri,))

    note = to_as.note(mention, ana, URLS)

    assert note["to"] == [v.format(**values) for v in to]
    assert note["cc"] == [v.format(**values) for v in cc]


def test_a_reply_and_an_edit():
    edited = post(in_reply_to_uri="https://mastodon.example/users/alice/statuses/1", edited_at=WHEN)

    note = to_as.note(edited, local_actor(), URLS)

    assert note["inReplyTo"] == "https://mastodon.example/users/alice/statuses/1"
    assert (
        note["updated"] == "2024-05-02T18:04:11.654Z"
    )  # milliseconds: edits within a second stay ordered


def test_our_note_reads_back_as_the_same_post():
    ana = local_actor()
    ours = post(summary="Nourriture", sensitive=True)

    data = post_from_as(to_as.note(ours, ana, URLS))

    assert (data.uri, data.attributed_to, data.visibility) == (ours.uri, ana.uri, "public")
    assert (data.summary, data.sensitive, data.language) == ("Nourriture", True, "fr")
    assert list(data.hashtags) == ["soupe"]


# --- activities --------------------------------------------------------------------------


def test_create_wraps_the_note_with_the_same_addressing():
    ana = local_actor()

    create = to_as.create(post(), ana, URLS)

    assert create["@context"][0] == AS
    assert create["type"] == "Create"
    assert create["id"] == f"{URLS.post(7)}/activity"
    assert create["actor"] == ana.uri
    assert create["object"]["id"] == URLS.post(7)
    assert "@context" not in create["object"]
    assert (create["to"], create["cc"]) == (create["object"]["to"], create["object"]["cc"])
    assert create["published"] == create["object"]["published"]


def test_delete_names_a_tombstone():
    ana = local_actor()
    gone = post(deleted_at=WHEN)

    delete = to_as.delete(gone, ana)

    assert delete["type"] == "Delete"
    assert delete["actor"] == ana.uri
    assert delete["object"] == {"id": URLS.post(7), "type": "Tombstone"}
    assert delete["to"] == [PUBLIC]
    assert delete["id"].startswith(URLS.post(7))
    assert to_as.tombstone(gone) == {
        "@context": to_as.OBJECT_CONTEXT,
        "id": URLS.post(7),
        "type": "Tombstone",
        "deleted": "2024-05-02T18:04:11Z",
    }


def follow_row(follower: Actor, followed: Actor) -> Follow:
    return Follow(3, follower.id, followed.id, f"{follower.uri}#follows/3", "pending", WHEN)


def test_follow_and_its_undo():
    ana, alice = local_actor(), remote_actor()
    row = follow_row(ana, alice)

    follow = to_as.follow(ana, alice, row)
    undo = to_as.undo_follow(ana, alice, row)

    assert follow == {
        "@context": AS,
        "id": row.uri,
        "type": "Follow",
        "actor": ana.uri,
        "object": alice.uri,
    }
    assert undo["type"] == "Undo"
    assert undo["actor"] == ana.uri
    assert undo["id"].startswith(ana.uri) and undo["id"] != row.uri
    assert undo["object"] == {k: v for k, v in follow.items() if k != "@context"}


@pytest.mark.parametrize(
    ("make", "kind"), [(to_as.accept_follow, "Accept"), (to_as.reject_follow, "Reject")]
)
def test_accept_and_reject_embed_the_follow_they_answer(make, kind):
    ana, alice = local_actor(), remote_actor()
    row = follow_row(alice, ana)  # alice asked to follow ana

    answer = make(ana, alice, row)

    assert answer["@context"] == AS
    assert answer["type"] == kind
    assert answer["actor"] == ana.uri
    assert answer["id"].startswith(ana.uri)
    assert answer["object"] == {
        "id": row.uri,
        "type": "Follow",
        "actor": alice.uri,
        "object": ana.uri,
    }
    # Two answers are two activities: ids never repeat.
    assert make(ana, alice, row)["id"] != answer["id"]


def test_announce_names_the_bare_object_and_copies_followers_and_author():
    community = local_actor("saint-malo", role="community", type="Group", id=2)
    alice = remote_actor()
    boosted = post(uri="https://mastodon.example/users/alice/statuses/5", actor_id=alice.id)
    record = Announce(4, f"{BASE}/objects/5/announces/2", community.id, boosted.uri, 5, WHEN)

    announce = to_as.announce(community, boosted, alice, record)

    assert announce["@context"] == AS
    assert announce["type"] == "Announce"
    assert announce["id"] == record.uri
    assert announce["actor"] == community.uri
    assert announce["object"] == boosted.uri
    assert announce["to"] == [PUBLIC]
    assert community.followers_url in announce["cc"] and alice.uri in announce["cc"]
    assert announce["published"] == "2024-05-02T18:04:11Z"


def test_collections():
    collection = to_as.ordered_collection(f"{BASE}/users/ana/outbox", 3, f"{BASE}/p1")
    page = to_as.ordered_collection_page(f"{BASE}/p1", f"{BASE}/users/ana/outbox", ["a"], None)

    assert collection == {
        "@context": AS,
        "id": f"{BASE}/users/ana/outbox",
        "type": "OrderedCollection",
        "totalItems": 3,
        "first": f"{BASE}/p1",
    }
    assert page["type"] == "OrderedCollectionPage"
    assert page["partOf"] == f"{BASE}/users/ana/outbox"
    assert page["orderedItems"] == ["a"]
    assert "next" not in page


# --- JSON-LD: every kind of activity we send keeps every term -------------------------------


def _every_activity() -> dict[str, dict]:
    ana, alice = local_actor(), remote_actor()
    row = follow_row(ana, alice)
    note = post()
    record = Announce(4, f"{BASE}/objects/5/announces/2", ana.id, note.uri, 5, WHEN)
    event_uri, join_uri = "https://agenda.example/events/1", f"{ana.uri}#join/1"
    offer_uri = f"{ana.uri}#offers/1"
    return {
        "actor": to_as.actor_document(ana, keys_of(ana), URLS),
        "instance actor": to_as.actor_document(instance_actor(), keys_of(instance_actor()), URLS),
        "note": to_as.object_document(note, ana, URLS),
        "create": to_as.create(note, ana, URLS),
        "update": to_as.update(to_as.object_document(note, ana, URLS), ana, WHEN),
        "update actor": to_as.update_actor(to_as.actor_document(ana, [], URLS), WHEN),
        "delete": to_as.delete(note, ana),
        "tombstone": to_as.tombstone(note),
        "announce": to_as.announce(ana, note, ana, record),
        "undo announce": to_as.undo_announce(ana, note, ana, record),
        "follow": to_as.follow(ana, alice, row),
        "undo follow": to_as.undo_follow(ana, alice, row),
        "accept follow": to_as.accept_follow(alice, ana, row),
        "reject follow": to_as.reject_follow(alice, ana, row),
        "like": to_as.like(ana, note, alice, f"{ana.uri}#likes/1"),
        "undo like": to_as.undo_like(ana, note, alice, f"{ana.uri}#likes/1"),
        "join": to_as.join(ana, event_uri, alice.uri, join_uri, "Bonjour"),
        "leave": to_as.leave(ana, event_uri, alice.uri),
        "accept join": to_as.accept_join(ana, alice.uri, note.uri, join_uri),
        "reject join": to_as.reject_join(ana, alice.uri, note.uri, join_uri),
        "interest": to_as.offer_agreement(ana, note.uri, alice.uri, offer_uri),
        "accept interest": to_as.accept_offer(
            ana, offer_uri, alice.uri, f"{offer_uri}/a", note.uri
        ),
    }


@pytest.mark.parametrize("kind", sorted(_every_activity()))
def test_every_kind_of_document_keeps_every_term_through_json_ld(kind):
    assert lost_terms(_every_activity()[kind]) == []
