"""Bundled contexts and the offline JSON-LD loader."""

from __future__ import annotations

import json
import socket
from importlib import resources
from pathlib import Path

import pytest
from pyld.jsonld import JsonLdError

from activitypub import jsonld
from activitypub.addressing import is_public

AS = "https://www.w3.org/ns/activitystreams"
AS_NS = "https://www.w3.org/ns/activitystreams#"
SEC = "https://w3id.org/security#"

MASTODON_NOTE = {
    "@context": [
        AS,
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
            "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "votersCount": "toot:votersCount",
            "Hashtag": "as:Hashtag",
        },
    ],
    "id": "https://mastodon.example/users/ana/statuses/1",
    "type": "Note",
    "summary": None,
    "inReplyTo": None,
    "published": "2025-03-01T10:00:00Z",
    "url": "https://mastodon.example/@ana/1",
    "attributedTo": "https://mastodon.example/users/ana",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://mastodon.example/users/ana/followers"],
    "sensitive": False,
    "atomUri": "https://mastodon.example/users/ana/statuses/1",
    "conversation": "tag:mastodon.example,2025-03-01:objectId=1:objectType=Conversation",
    "content": '<p>Je donne une chaise <a href="https://mastodon.example/tags/don">#don</a></p>',
    "contentMap": {"fr": "<p>Je donne une chaise</p>"},
    "attachment": [],
    "tag": [{"type": "Hashtag", "href": "https://mastodon.example/tags/don", "name": "#don"}],
    "replies": {
        "id": "https://mastodon.example/users/ana/statuses/1/replies",
        "type": "Collection",
        "first": {
            "type": "CollectionPage",
            "next": "https://mastodon.example/users/ana/statuses/1/replies?page=true",
            "partOf": "https://mastodon.example/users/ana/statuses/1/replies",
            "items": [],
        },
    },
}


@pytest.fixture
def no_network(monkeypatch) -> list[object]:
    """Record (and refuse) any attempt to resolve a name or open a connection."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_every_bundled_file_is_package_data() -> None:
    folder = resources.files("activitypub").joinpath("contexts")
    shipped = {entry.name for entry in folder.iterdir() if entry.name.endswith(".jsonld")}
    assert shipped == set(jsonld.BUNDLED_CONTEXTS.values())
    # The README travels with the source, not with installed package data.
    assert (Path(jsonld.__file__).parent / "contexts" / "README.md").is_file()


@pytest.mark.parametrize("url", sorted(jsonld.BUNDLED_CONTEXTS))
def test_every_bundled_context_parses_and_processes(url: str, no_network) -> None:
    document = jsonld.load_context(url)
    assert isinstance(document["@context"], dict)
    # Processing the context as the active context must not fail.
    expanded = jsonld.expand(
        {"@context": url, "@id": "https://x.example/1", "@type": "T"}, base="https://x.example/"
    )
    assert expanded[0]["@id"] == "https://x.example/1"
    assert no_network == []


@pytest.mark.parametrize(
    "spelling",
    [
        "https://www.w3.org/ns/activitystreams",
        "http://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams/",
        "https://www.w3.org/ns/activitystreams.jsonld",
        "http://www.w3.org/ns/activitystreams.jsonld",
        "https://WWW.W3.ORG/ns/activitystreams",
    ],
)
def test_context_spellings(spelling: str) -> None:
    assert jsonld.load_context(spelling) == jsonld.load_context(AS)


def test_load_context_returns_a_copy() -> None:
    jsonld.load_context(AS)["@context"]["Note"] = "tampered"
    assert jsonld.load_context(AS)["@context"]["Note"] == "as:Note"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/context.jsonld",
        "https://w3id.org/security/v2",
        "ftp://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams/extra",
    ],
)
def test_unknown_contexts_refused(url: str) -> None:
    with pytest.raises(KeyError):
        jsonld.load_context(url)
    with pytest.raises(JsonLdError) as caught:
        jsonld.document_loader(url)
    assert caught.value.code == "loading document failed"


def test_expanding_with_unknown_remote_context_makes_no_network_call(no_network) -> None:
    document = {
        "@context": [AS, "https://attacker.example/ctx.jsonld"],
        "id": "https://a.example/1",
        "type": "Note",
    }
    with pytest.raises(JsonLdError):
        jsonld.expand(document)
    with pytest.raises(JsonLdError):
        jsonld.compact(document, AS)
    assert no_network == []


def test_as2_term_definitions() -> None:
    context = jsonld.load_context(AS)["@context"]
    assert context["as"] == AS_NS
    assert context["id"] == "@id" and context["type"] == "@type"
    assert context["Public"] == {"@id": "as:Public", "@type": "@id"}
    assert context["inbox"] == {"@id": "ldp:inbox", "@type": "@id"}
    assert context["orderedItems"] == {"@id": "as:items", "@type": "@id", "@container": "@list"}
    assert context["published"] == {"@id": "as:published", "@type": "xsd:dateTime"}
    assert context["contentMap"] == {"@id": "as:content", "@container": "@language"}


def test_expand_mastodon_note(no_network) -> None:
    [node] = jsonld.expand(MASTODON_NOTE)
    assert node["@type"] == [f"{AS_NS}Note"]
    assert node[f"{AS_NS}to"] == [{"@id": f"{AS_NS}Public"}]
    assert node[f"{AS_NS}sensitive"] == [{"@value": False}]
    assert {"@value": "<p>Je donne une chaise</p>", "@language": "fr"} in node[f"{AS_NS}content"]
    assert node[f"{AS_NS}published"] == [
        {"@type": "http://www.w3.org/2001/XMLSchema#dateTime", "@value": "2025-03-01T10:00:00Z"}
    ]
    assert no_network == []


def test_compact_mastodon_note(no_network) -> None:
    compacted = jsonld.compact(MASTODON_NOTE, AS)
    assert compacted["@context"] == AS
    assert compacted["id"] == MASTODON_NOTE["id"]
    assert compacted["type"] == "Note"
    assert compacted["attributedTo"] == "https://mastodon.example/users/ana"
    assert compacted["cc"] == "https://mastodon.example/users/ana/followers"
    assert compacted["contentMap"] == {"fr": "<p>Je donne une chaise</p>"}
    assert compacted["tag"]["type"] == "as:Hashtag"
    assert compacted["replies"]["first"]["partOf"] == MASTODON_NOTE["replies"]["id"]
    # Compaction shortens the public collection; addressing must still see it.
    assert compacted["to"] == "as:Public"
    assert is_public(compacted)
    assert no_network == []


def test_compact_with_the_documents_own_context_round_trips(no_network) -> None:
    compacted = jsonld.compact(MASTODON_NOTE, {"@context": MASTODON_NOTE["@context"]})
    assert compacted["sensitive"] is False
    assert compacted["conversation"] == MASTODON_NOTE["conversation"]


def test_actor_with_security_context(no_network) -> None:
    actor = {
        "@context": [AS, "https://w3id.org/security/v1"],
        "id": "https://fedlocal.example/actor",
        "type": "Application",
        "inbox": "https://fedlocal.example/actor/inbox",
        "publicKey": {
            "id": "https://fedlocal.example/actor#main-key",
            "owner": "https://fedlocal.example/actor",
            "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n",
        },
    }
    [node] = jsonld.expand(actor)
    assert node["http://www.w3.org/ns/ldp#inbox"] == [{"@id": actor["inbox"]}]
    [key] = node[f"{SEC}publicKey"]
    assert key[f"{SEC}owner"] == [{"@id": "https://fedlocal.example/actor"}]
    assert f"{SEC}publicKeyPem" in key


def test_data_integrity_and_multikey_contexts(no_network) -> None:
    document = {
        "@context": [
            AS,
            "https://w3id.org/security/data-integrity/v2",
            "https://w3id.org/security/multikey/v1",
            # Neither bundled context defines assertionMethod at the top level (FEP-521a
            # actors get it from the DID context or inline, as here).
            {
                "assertionMethod": {
                    "@id": f"{SEC}assertionMethod",
                    "@type": "@id",
                    "@container": "@set",
                }
            },
        ],
        "id": "https://fedlocal.example/actor",
        "type": "Person",
        "assertionMethod": [
            {
                "id": "https://fedlocal.example/actor#ed25519-key",
                "type": "Multikey",
                "controller": "https://fedlocal.example/actor",
                "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
            }
        ],
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "verificationMethod": "https://fedlocal.example/actor#ed25519-key",
            "proofPurpose": "assertionMethod",
            "proofValue": "z3sXaxjKs4M3BRicwWA9peyNPJvJqxtGsDmpt1jjoHCjgeUf71TRFz56osPSfDErszyLp",
            "created": "2025-01-01T00:00:00Z",
        },
    }
    [node] = jsonld.expand(document)
    [proof_graph] = node[f"{SEC}proof"]
    [proof] = proof_graph["@graph"]
    assert proof["@type"] == [f"{SEC}DataIntegrityProof"]
    assert proof[f"{SEC}cryptosuite"] == [
        {"@type": f"{SEC}cryptosuiteString", "@value": "eddsa-jcs-2022"}
    ]
    assert proof[f"{SEC}proofPurpose"] == [{"@id": f"{SEC}assertionMethod"}]
    # The Multikey type-scoped context applies inside the verification method.
    [method] = node[f"{SEC}assertionMethod"]
    assert method[f"{SEC}controller"] == [{"@id": "https://fedlocal.example/actor"}]
    assert method[f"{SEC}publicKeyMultibase"][0]["@type"] == f"{SEC}multibase"


def test_identity_context_for_ld_signatures(no_network) -> None:
    # The shape Mastodon canonicalises when it verifies an RsaSignature2017.
    options = {
        "@context": "https://w3id.org/identity/v1",
        "creator": "https://mastodon.example/users/ana#main-key",
        "created": "2025-03-01T10:00:00Z",
    }
    [node] = jsonld.expand(options)
    assert node["http://purl.org/dc/terms/creator"] == [
        {"@id": "https://mastodon.example/users/ana#main-key"}
    ]
    assert node["http://purl.org/dc/terms/created"][0]["@type"] == (
        "http://www.w3.org/2001/XMLSchema#dateTime"
    )


def test_bundled_files_are_plain_json() -> None:
    for filename in jsonld.BUNDLED_CONTEXTS.values():
        text = resources.files("activitypub").joinpath("contexts", filename).read_text("utf-8")
        assert set(json.loads(text)) == {"@context"}
