"""Moving house in documents: a resident's actor publishes `alsoKnownAs` and, once moved,
`movedTo` (terms that survive JSON-LD, as Mastodon reads them); the Move we send has
Mastodon's shape (actor = object = the old account, target = the new one); a Mastodon
actor's `alsoKnownAs` and `movedTo` are read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fedlocal.federation import to_as
from fedlocal.federation.from_as import actor_from_as
from tests.federation.test_to_as import keys_of
from tests.support.fixtures import load_fixture
from tests.support.model_builders import URLS, lost_terms, resident

OLD = "https://ailleurs.example/users/ana"
NEW = "https://nouveau.example/users/ana"


def test_a_resident_publishes_her_other_accounts_and_her_move():
    ana = replace(resident("ana"), also_known_as=(OLD,), moved_to=NEW)

    document = to_as.actor_document(ana, keys_of(ana), URLS)

    assert document["alsoKnownAs"] == [OLD]
    assert document["movedTo"] == NEW
    assert lost_terms(document) == []


def test_a_resident_who_never_moved_publishes_neither():
    ana = resident("ana")

    document = to_as.actor_document(ana, keys_of(ana), URLS)

    assert "alsoKnownAs" not in document and "movedTo" not in document


def test_the_move_we_send_has_mastodons_shape():
    ana = resident("ana")

    move = to_as.move(ana, NEW, datetime(2026, 12, 2, tzinfo=UTC))

    assert (move["type"], move["actor"], move["object"], move["target"]) == (
        "Move",
        ana.uri,
        ana.uri,
        NEW,
    )
    assert move["id"].startswith(f"{ana.uri}#moves/")
    assert lost_terms(move) == []


def test_a_mastodon_actor_that_moved_is_read_with_its_other_accounts():
    document = load_fixture(
        "mastodon/actor.json",
        base="https://ailleurs.example",
        username="ana",
        public_key_pem="",
    )
    document["alsoKnownAs"] = [NEW, {"id": NEW}, "not a url"]
    document["movedTo"] = NEW

    data = actor_from_as(document)

    assert (data.also_known_as, data.moved_to) == ((NEW,), NEW)
