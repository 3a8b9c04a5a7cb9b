"""The endpoints other servers and browsers read: WebFinger, host-meta, NodeInfo, actors,
collections, objects and inboxes, over real HTTP on loopback.

One instance serves the whole module (starting one costs more than most tests here), so
tests make their own residents and posts and compare counts before and after.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own server's answer
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select

from activitypub import jsonld
from activitypub.client import accepts_activitypub
from fedlocal.models import Actor
from fedlocal.services import accounts, events, groups, listings, organizations, pins, posts
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import posts as post_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import outgoing_activities
from tests.support.instance import running_instance
from tests.support.model_builders import lost_terms

pytestmark = pytest.mark.asyncio(loop_scope="module")

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
AP = "application/activity+json"
AP_LD = f'application/ld+json; profile="{AS_CONTEXT}"'
MASTODON_ACCEPT = f"{AP}, {AP_LD}, text/html;q=0.1"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SELF = "self"
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
SERVICE = "https://www.w3.org/ns/activitystreams#Service"
APPLICATION = "https://www.w3.org/ns/activitystreams#Application"
NODEINFO_20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
NODEINFO_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
PASSWORD = "correct horse battery"
PAGE_SIZE = 20


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def inst(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("endpoints")
    async with running_instance(data_dir, run_workers=False) as instance:
        yield instance


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def http(inst):
    async with httpx.AsyncClient(base_url=inst.base_url, trust_env=False, timeout=10) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def alice(inst) -> Actor:
    _account, actor = await accounts.create_account(
        inst.services, "alice", PASSWORD, display_name="Alice Martin"
    )
    return actor


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def links_with(jrd: dict, rel: str) -> list[dict]:
    return [link for link in jrd["links"] if link.get("rel") == rel]


async def webfinger(http: httpx.AsyncClient, resource: str) -> httpx.Response:
    return await http.get(
        "/.well-known/webfinger",
        params={"resource": resource},
        headers={"Accept": "application/jrd+json, application/json"},
    )


async def remote_actor(inst, name: str, host: str = "remote.example") -> Actor:
    async with inst.db.write() as conn:
        return await actor_store.upsert_remote_actor(
            conn,
            uri=f"https://{host}/users/{name}",
            type="Person",
            username=name,
            domain=host,
            inbox_url=f"https://{host}/users/{name}/inbox",
            shared_inbox_url=f"https://{host}/inbox",
        )


async def follow(inst, follower: Actor, followed: Actor, state: str = "accepted") -> None:
    async with inst.db.write() as conn:
        await follow_store.upsert_follow(
            conn,
            follower_id=follower.id,
            followed_id=followed.id,
            uri=f"{follower.uri}#follows/{followed.id}",
            state=state,
        )


async def walk(http: httpx.AsyncClient, collection_url: str) -> tuple[dict, list[dict]]:
    """The collection and each of its pages, following `first` then `next`."""
    response = await http.get(collection_url, headers={"Accept": AP})
    assert response.status_code == 200
    assert media_type(response) == AP
    collection = response.json()
    pages = []
    url = collection.get("first")
    while url:
        assert len(pages) < 20, "the pages never end"
        page_response = await http.get(url, headers={"Accept": AP})
        assert page_response.status_code == 200
        page = page_response.json()
        assert page["type"] == "OrderedCollectionPage"
        assert page["partOf"] == collection["id"]
        pages.append(page)
        url = page.get("next")
    return collection, pages


# --- WebFinger ---------------------------------------------------------------------------


async def test_webfinger_acct_with_port_describes_the_actor(inst, http, alice):
    response = await webfinger(http, f"acct:alice@{inst.config.domain}")

    assert response.status_code == 200
    assert media_type(response) == "application/jrd+json"
    assert response.headers["access-control-allow-origin"] == "*"
    jrd = response.json()
    assert ":" in inst.config.domain  # the handle carries the port
    assert jrd["subject"] == f"acct:alice@{inst.config.domain}"
    assert alice.uri in jrd["aliases"]
    (self_link,) = links_with(jrd, SELF)
    assert self_link == {"rel": SELF, "type": AP, "href": alice.uri}
    (profile,) = links_with(jrd, PROFILE_PAGE)
    assert (profile["type"], profile["href"]) == ("text/html", f"{inst.base_url}/@alice")
    (subscribe,) = links_with(jrd, SUBSCRIBE)
    assert subscribe["template"] == f"{inst.base_url}/authorize_interaction?uri={{uri}}"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:ALICE@{domain}",
        "alice@{domain}",
        "{base}/users/alice",
        "{base}/@alice",
    ],
)
async def test_webfinger_finds_the_actor_by_other_spellings(inst, http, alice, resource):
    response = await webfinger(http, resource.format(domain=inst.config.domain, base=inst.base_url))

    assert response.status_code == 200
    jrd = response.json()
    assert jrd["subject"] == f"acct:alice@{inst.config.domain}"
    assert [link["href"] for link in links_with(jrd, SELF)] == [alice.uri]


@pytest.mark.parametrize("resource", ["{base}/", "{base}", "acct:{domain}@{domain}"])
async def test_webfinger_names_the_instance_actor(inst, http, resource):
    # FEP-d556 asks with the server's own URL; Mastodon with acct:DOMAIN@DOMAIN.
    response = await webfinger(http, resource.format(domain=inst.config.domain, base=inst.base_url))

    assert response.status_code == 200
    jrd = response.json()
    instance_actor = f"{inst.base_url}/actor"
    assert jrd["subject"] == f"acct:{inst.config.domain}@{inst.config.domain}"
    assert [link["href"] for link in links_with(jrd, SELF)] == [instance_actor]
    assert [(link["type"], link["href"]) for link in links_with(jrd, SERVICE)] == [
        (AP, instance_actor)
    ]


@pytest.mark.parametrize(
    ("resource", "status"),
    [
        ("acct:nobody@{domain}", 404),
        ("{base}/users/nobody", 404),
        ("acct:alice@elsewhere.example", 404),
        ("https://elsewhere.example/users/alice", 404),
        ("", 400),
        ("alice", 400),
        ("acct:@{domain}", 400),
        ("acct:alice@", 400),
        ("ftp://{domain}/alice", 400),
        ("acct:alice@bad host", 400),
    ],
)
async def test_webfinger_refuses_unknown_and_malformed_resources(
    inst, http, alice, resource, status
):
    response = await webfinger(http, resource.format(domain=inst.config.domain, base=inst.base_url))

    assert response.status_code == status
    assert media_type(response) == "application/json"
    assert isinstance(response.json()["error"], str)


async def test_webfinger_without_resource_is_a_bad_request(http):
    response = await http.get("/.well-known/webfinger")

    assert response.status_code == 400
    assert "error" in response.json()


async def test_host_meta_points_at_webfinger(inst, http, alice):
    response = await http.get("/.well-known/host-meta")

    assert response.status_code == 200
    assert media_type(response) == "application/xrd+xml"
    assert response.headers["access-control-allow-origin"] == "*"
    root = ET.fromstring(response.text)  # noqa: S314
    namespace = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"
    (link,) = root.findall(f"{namespace}Link")
    assert link.get("rel") == "lrdd"
    template = link.get("template")
    assert template == f"{inst.base_url}/.well-known/webfinger?resource={{uri}}"
    resolved = template.replace("{uri}", quote(f"acct:alice@{inst.config.domain}"))
    assert (await http.get(resolved)).json()["subject"] == f"acct:alice@{inst.config.domain}"


# --- NodeInfo ----------------------------------------------------------------------------


async def test_nodeinfo_index_is_plain_json_with_both_versions_and_the_instance_actor(inst, http):
    response = await http.get("/.well-known/nodeinfo")

    assert response.status_code == 200
    # Mobilizon refuses anything but plain application/json here.
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    links = {link["rel"]: link["href"] for link in response.json()["links"]}
    assert links == {
        NODEINFO_20: f"{inst.base_url}/nodeinfo/2.0",
        NODEINFO_21: f"{inst.base_url}/nodeinfo/2.1",
        APPLICATION: f"{inst.base_url}/actor",
    }


async def nodeinfo(http: httpx.AsyncClient, version: str) -> dict:
    response = await http.get(f"/nodeinfo/{version}")
    assert response.status_code == 200
    schema = NODEINFO_20 if version == "2.0" else NODEINFO_21
    assert response.headers["content-type"] == f'application/json; profile="{schema}#"'
    assert response.headers["access-control-allow-origin"] == "*"
    return response.json()


async def test_nodeinfo_documents_describe_the_software(inst, http):
    old, new = await nodeinfo(http, "2.0"), await nodeinfo(http, "2.1")

    assert (old["version"], new["version"]) == ("2.0", "2.1")
    for document in (old, new):
        assert document["software"]["name"] == "fedlocal"
        assert document["software"]["version"]
        assert document["protocols"] == ["activitypub"]
        assert document["services"] == {"inbound": [], "outbound": []}
        assert document["openRegistrations"] is False  # the default signup mode is approval
        assert document["metadata"]["nodeName"] == inst.config.name
    # 2.1 adds where the software lives; 2.0 has no such fields.
    assert "repository" not in old["software"]
    assert new["software"]["repository"].startswith("https://")
    assert (await http.get("/nodeinfo/1.0")).status_code == 404


async def test_nodeinfo_usage_follows_users_and_posts(inst, http):
    before = (await nodeinfo(http, "2.1"))["usage"]

    # When a resident joins and writes two posts, then deletes one
    _account, counter = await accounts.create_account(inst.services, "counter", PASSWORD)
    first = await posts.publish_note(inst.services, counter, "Premier message")
    await posts.publish_note(inst.services, counter, "Second message")
    during = (await nodeinfo(http, "2.0"))["usage"]
    await posts.delete_post(inst.services, counter, first.id)
    after = (await nodeinfo(http, "2.1"))["usage"]

    assert during["users"]["total"] == before["users"]["total"] + 1
    assert during["localPosts"] == before["localPosts"] + 2
    assert after["localPosts"] == before["localPosts"] + 1
    for usage in (before, during, after):
        users = usage["users"]
        assert users["activeMonth"] <= users["total"]
        assert users["activeHalfyear"] <= users["total"]


# --- actors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        AP,
        AP_LD,
        "application/ld+json",
        MASTODON_ACCEPT,
        f"text/html;q=0.9, {AP};q=0.5",
        f"{AP_LD};q=0.2, */*;q=0.1",
    ],
)
async def test_actor_document_for_activitypub_accept_headers(inst, http, alice, accept):
    assert accepts_activitypub(accept)
    response = await http.get("/users/alice", headers={"Accept": accept})

    assert response.status_code == 200
    assert media_type(response) == AP
    assert "accept" in response.headers["vary"].lower()
    document = response.json()
    assert AS_CONTEXT in document["@context"]
    assert document["id"] == alice.uri == f"{inst.base_url}/users/alice"
    assert document["type"] == "Person"
    assert document["preferredUsername"] == "alice"
    assert document["name"] == "Alice Martin"
    assert document["inbox"] == f"{alice.uri}/inbox"
    assert document["outbox"] == f"{alice.uri}/outbox"
    assert document["followers"] == f"{alice.uri}/followers"
    assert document["following"] == f"{alice.uri}/following"
    assert document["endpoints"] == {"sharedInbox": f"{inst.base_url}/inbox"}
    key = document["publicKey"]
    assert (key["id"], key["owner"]) == (f"{alice.uri}#main-key", alice.uri)
    assert key["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")


@pytest.mark.parametrize(
    "accept", [BROWSER_ACCEPT, "text/html", "*/*", f"{AP};q=0, text/html", None]
)
async def test_actor_url_shows_a_profile_page_to_browsers(http, alice, accept):
    headers = {"Accept": accept} if accept else {}
    response = await http.get("/users/alice", headers=headers)

    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "accept" in response.headers["vary"].lower()
    assert "Alice Martin" in response.text
    assert f'href="{alice.uri}"' in response.text  # the alternate AP link


async def test_the_community_actor_is_a_group_found_by_webfinger(inst, http):
    community = inst.federation.actors.community
    handle = f"acct:{community.username}@{inst.config.domain}"

    jrd = (await webfinger(http, handle)).json()
    response = await http.get(community.uri, headers={"Accept": AP})

    assert [link["href"] for link in links_with(jrd, SELF)] == [community.uri]
    assert links_with(jrd, SERVICE) == []
    document = response.json()
    assert (document["id"], document["type"]) == (community.uri, "Group")
    assert document["preferredUsername"] == inst.config.community_username
    assert document["endpoints"] == {"sharedInbox": f"{inst.base_url}/inbox"}


async def test_unknown_actors_are_404(inst, http, alice):
    for path in ("/users/nobody", f"/users/{quote(inst.config.domain)}"):
        response = await http.get(path, headers={"Accept": AP})
        assert response.status_code == 404, path
        assert "error" in response.json()


async def test_instance_actor_is_served_unsigned_with_restricted_fields(inst, http):
    # No signature and no Accept at all: other servers fetch this to verify our fetches.
    response = await http.get("/actor")

    assert response.status_code == 200
    assert media_type(response) == AP
    document = response.json()
    base = inst.base_url
    assert AS_CONTEXT in document["@context"]
    assert document["id"] == f"{base}/actor"
    assert document["type"] == "Application"
    assert document["preferredUsername"] == inst.config.domain
    assert document["inbox"] == f"{base}/actor/inbox"
    assert document["outbox"] == f"{base}/actor/outbox"
    assert document["endpoints"] == {"sharedInbox": f"{base}/inbox"}
    assert document["manuallyApprovesFollowers"] is True
    assert document["publicKey"]["id"] == f"{base}/actor#main-key"
    assert document["publicKey"]["owner"] == f"{base}/actor"
    # FEP-521a: the instance actor has its Ed25519 key, as every actor of ours.
    [method] = document["assertionMethod"]
    assert (method["id"], method["type"]) == (f"{base}/actor#ed25519-key", "Multikey")
    restricted = {
        "@context",
        "id",
        "type",
        "preferredUsername",
        "name",
        "inbox",
        "outbox",
        "publicKey",
        "assertionMethod",
        "endpoints",
        "url",
        "manuallyApprovesFollowers",
    }
    assert set(document) <= restricted
    outbox = (await http.get(document["outbox"], headers={"Accept": AP})).json()
    assert (outbox["type"], outbox["totalItems"]) == ("OrderedCollection", 0)


# --- collections -------------------------------------------------------------------------


async def test_outbox_pages_through_every_public_post_newest_first(inst, http):
    # Given 45 public posts, and posts the outbox must leave out
    _account, writer = await accounts.create_account(inst.services, "writer", PASSWORD)
    public = [
        await posts.publish_note(inst.services, writer, f"Annonce numéro {n}") for n in range(45)
    ]
    for visibility in ("followers", "direct", "unlisted"):
        await posts.publish_note(
            inst.services, writer, f"Pas ici ({visibility})", visibility=visibility
        )
    deleted = await posts.publish_note(inst.services, writer, "Bientôt supprimé")
    await posts.delete_post(inst.services, writer, deleted.id)

    # When the outbox is walked page by page
    collection, pages = await walk(http, f"{writer.uri}/outbox")

    # Then it lists the 45 public posts as Creates, newest first, 20 to a page
    assert collection["type"] == "OrderedCollection"
    assert collection["id"] == f"{writer.uri}/outbox"
    assert collection["totalItems"] == 45
    assert [len(page["orderedItems"]) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 5]
    assert ["next" in page for page in pages] == [True, True, False]
    items = [item for page in pages for item in page["orderedItems"]]
    assert {item["type"] for item in items} == {"Create"}
    assert {item["actor"] for item in items} == {writer.uri}
    assert [item["object"]["id"] for item in items] == [post.uri for post in reversed(public)]


async def test_community_outbox_lists_its_announces(inst, http):
    community = inst.federation.actors.community
    before, _pages = await walk(http, f"{community.uri}/outbox")
    _account, neighbour = await accounts.create_account(inst.services, "neighbour", PASSWORD)
    post = await posts.publish_note(inst.services, neighbour, "Troc de graines")
    await posts.publish_note(inst.services, neighbour, "Entre abonnés", visibility="followers")

    collection, pages = await walk(http, f"{community.uri}/outbox")

    assert collection["totalItems"] == before["totalItems"] + 1
    newest = pages[0]["orderedItems"][0]
    assert (newest["type"], newest["actor"], newest["object"]) == (
        "Announce",
        community.uri,
        post.uri,
    )


async def test_followers_and_following_are_paginated_in_follow_order(inst, http):
    # Given 25 accepted followers, a pending one, and 3 accounts followed
    _account, host = await accounts.create_account(inst.services, "popular", PASSWORD)
    followers = [await remote_actor(inst, f"fan{n}") for n in range(25)]
    for follower in followers:
        await follow(inst, follower, host)
    await follow(inst, await remote_actor(inst, "hesitant"), host, state="pending")
    followed = [await remote_actor(inst, f"idol{n}", "other.example") for n in range(3)]
    for other in followed:
        await follow(inst, host, other)

    # When both collections are walked
    follower_collection, follower_pages = await walk(http, f"{host.uri}/followers")
    following_collection, following_pages = await walk(http, f"{host.uri}/following")

    # Then each lists the accepted relationships only, oldest first
    assert follower_collection["id"] == host.followers_url
    assert follower_collection["totalItems"] == 25
    assert [len(page["orderedItems"]) for page in follower_pages] == [PAGE_SIZE, 5]
    listed = [uri for page in follower_pages for uri in page["orderedItems"]]
    assert listed == [actor.uri for actor in followers]
    assert following_collection["id"] == host.following_url
    assert following_collection["totalItems"] == 3
    assert [page["orderedItems"] for page in following_pages] == [[a.uri for a in followed]]


async def test_collections_of_unknown_actors_are_404(http):
    for name in ("outbox", "followers", "following"):
        response = await http.get(f"/users/nobody/{name}", headers={"Accept": AP})
        assert response.status_code == 404, name


# --- objects -----------------------------------------------------------------------------


async def test_a_public_post_is_json_for_activitypub_and_html_for_browsers(inst, http, alice):
    post = await posts.publish_note(inst.services, alice, "Je prête ma tondeuse")
    path = post.uri.removeprefix(inst.base_url)

    as_json = await http.get(path, headers={"Accept": MASTODON_ACCEPT})
    as_html = await http.get(path, headers={"Accept": BROWSER_ACCEPT})
    activity = await http.get(f"{path}/activity", headers={"Accept": AP})

    assert as_json.status_code == 200
    assert media_type(as_json) == AP
    assert "accept" in as_json.headers["vary"].lower()
    note = as_json.json()
    assert AS_CONTEXT in note["@context"]
    assert (note["id"], note["type"], note["attributedTo"]) == (post.uri, "Note", alice.uri)
    assert f"{AS_CONTEXT}#Public" in note["to"]
    assert "Je prête ma tondeuse" in note["content"]
    assert as_html.status_code == 200
    assert media_type(as_html) == "text/html"
    assert "Je prête ma tondeuse" in as_html.text
    assert activity.status_code == 200
    assert (activity.json()["type"], activity.json()["object"]["id"]) == ("Create", post.uri)


async def test_unlisted_posts_are_served(inst, http, alice):
    post = await posts.publish_note(inst.services, alice, "Discret", visibility="unlisted")

    response = await http.get(post.uri.removeprefix(inst.base_url), headers={"Accept": AP})

    assert response.status_code == 200
    assert response.json()["id"] == post.uri


@pytest.mark.parametrize("visibility", ["followers", "direct"])
async def test_followers_only_and_direct_posts_are_not_served(inst, http, alice, visibility):
    post = await posts.publish_note(inst.services, alice, "Privé", visibility=visibility)
    path = post.uri.removeprefix(inst.base_url)

    for accept in (AP, BROWSER_ACCEPT):
        response = await http.get(path, headers={"Accept": accept})
        assert response.status_code == 404, accept
        assert "Privé" not in response.text
    assert (await http.get(f"{path}/activity", headers={"Accept": AP})).status_code == 404


async def test_a_deleted_post_is_gone(inst, http, alice):
    post = await posts.publish_note(inst.services, alice, "Plus d'actualité")
    path = post.uri.removeprefix(inst.base_url)
    await posts.delete_post(inst.services, alice, post.id)

    as_json = await http.get(path, headers={"Accept": AP})
    as_html = await http.get(path, headers={"Accept": BROWSER_ACCEPT})
    activity = await http.get(f"{path}/activity", headers={"Accept": AP})

    assert as_json.status_code == 410
    assert media_type(as_json) == AP
    tombstone = as_json.json()
    assert (tombstone["id"], tombstone["type"]) == (post.uri, "Tombstone")
    assert "Plus d'actualité" not in as_json.text
    assert as_html.status_code == 410
    assert media_type(as_html) == "text/html"
    assert "Plus d'actualité" not in as_html.text
    assert activity.status_code == 410
    assert activity.json()["type"] == "Tombstone"


async def test_remote_copies_and_unknown_objects_are_404(inst, http, alice):
    async with inst.db.write() as conn:
        author = await actor_store.upsert_remote_actor(
            conn,
            uri="https://remote.example/users/zoe",
            type="Person",
            username="zoe",
            domain="remote.example",
            inbox_url="https://remote.example/users/zoe/inbox",
        )
    # A remote post held in our table still has a local row id; it is not ours to serve.
    async with inst.db.write() as conn:
        remote, _created = await post_store.upsert_remote_post(
            conn,
            uri="https://remote.example/notes/1",
            actor_id=author.id,
            type="Note",
            visibility="public",
            content="<p>ailleurs</p>",
            published=alice.created_at,
        )
    for path in (f"/objects/{remote.id}", "/objects/999999", "/objects/abc"):
        response = await http.get(path, headers={"Accept": AP})
        assert response.status_code == 404, path
        assert media_type(response) == "application/json"


# --- everything else ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/users/alice/nope", "/.well-known/nothing"])
async def test_unknown_paths_are_404_json(http, alice, path):
    response = await http.get(path, headers={"Accept": AP})

    assert response.status_code == 404
    assert media_type(response) == "application/json"
    assert response.json() == {"error": "not found"}


@pytest.mark.parametrize("path", ["/inbox", "/actor/inbox", "/users/alice/inbox"])
async def test_inboxes_only_take_posts(http, alice, path):
    response = await http.get(path, headers={"Accept": AP})

    assert response.status_code == 405
    assert media_type(response) == "application/json"
    assert "error" in response.json()
    assert "POST" in response.headers["allow"]


async def test_posting_to_the_inbox_of_an_unknown_actor_is_404(http):
    response = await http.post("/users/nobody/inbox", content=b"{}", headers={"Content-Type": AP})

    assert response.status_code == 404
    assert "error" in response.json()


# --- JSON-LD: every document we serve, and every activity we queue, survives processing --
# A JSON-LD processor (pyld over the bundled contexts: nothing is fetched) expands each
# document and compacts it back with its own context; every key must come back. An object
# embedded in a collection page is read with the page's context, not its own.


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def every_kind(inst) -> dict[str, object]:
    """A resident who publishes one post of every kind, and a group that shares one."""
    ctx = inst.services
    _account, ana = await accounts.create_account(ctx, "jsonld-ana", PASSWORD)
    _account, bea = await accounts.create_account(ctx, "jsonld-bea", PASSWORD)
    group = await groups.create_group(ctx, ana, "jsonld-jardins", display_name="Jardins partagés")
    note = await posts.publish_note(ctx, ana, "Bonjour #quartier", mentions=[bea])
    offer = await listings.publish_listing(
        ctx, ana, listings.ListingInput(kind="offer", title="Perceuse", intent="sell", price="5 €")
    )
    request = await listings.publish_listing(
        ctx, ana, listings.ListingInput(kind="request", title="Une échelle")
    )
    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    event = await events.publish_event(
        ctx,
        ana,
        events.EventInput(
            title="Troc de graines",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            venue="Salle Bouvet",
            street="12 rue Georges Clemenceau",
            postal_code="35400",
            locality="Saint-Malo",
            capacity=20,
        ),
    )
    async with ctx.db.write() as conn:
        await groups.redistribute(ctx, conn, group, note, None)
    await events.join_event(ctx, bea, event.uri)
    # An organisation, with pinned posts of two kinds (its featured collection)
    ana = await organizations.set_organization(ctx, ana.username, "association", by_account_id=None)
    await pins.pin(ctx, ana, note.id)
    await pins.pin(ctx, ana, offer.id)
    return {
        "ana": ana,
        "group": group,
        "posts": [note, offer, request, event],
    }


async def _get_activity(http: httpx.AsyncClient, url: str) -> dict:
    response = await http.get(url, headers={"Accept": AP})
    assert response.status_code == 200, url
    return response.json()


def _served_paths(inst, every_kind) -> list[str]:
    ana: Actor = every_kind["ana"]  # type: ignore[assignment]
    group: Actor = every_kind["group"]  # type: ignore[assignment]
    community = inst.federation.actors.community
    paths = ["/actor", "/actor/outbox"]
    for actor in (ana, group, community):
        base = f"/users/{actor.username}"
        paths += [base, f"{base}/outbox", f"{base}/outbox?page=true"]
        for collection in ("followers", "following"):
            paths += [f"{base}/{collection}", f"{base}/{collection}?page=true"]
    paths.append(f"/users/{ana.username}/collections/featured")
    for post in every_kind["posts"]:  # type: ignore[attr-defined]
        paths += [f"/objects/{post.id}", f"/objects/{post.id}/activity"]
    return paths


async def test_every_served_document_keeps_every_term(inst, http, every_kind):
    lost = {}
    for path in _served_paths(inst, every_kind):
        document = await _get_activity(http, path)
        if lost_terms(document):
            lost[path] = lost_terms(document)

    assert lost == {}


async def test_an_outbox_page_carries_every_kind_and_their_terms(inst, http, every_kind):
    ana: Actor = every_kind["ana"]  # type: ignore[assignment]

    page = await _get_activity(http, f"/users/{ana.username}/outbox?page=true")

    # The page embeds a note, an offer, a request and an event, with their own terms.
    types = sorted(item["object"]["type"] for item in page["orderedItems"])
    assert types == ["Event", "Note", "Note", "Note"]
    keys = {key for item in page["orderedItems"] for key in item["object"]}
    assert {"purpose", "joinMode", "timezone", "location", "participantCount"} <= keys
    assert lost_terms(page) == []


async def test_every_queued_activity_keeps_every_term(inst, every_kind):
    async with inst.db.read() as conn:
        bodies = (await conn.execute(select(outgoing_activities.c.body))).scalars().all()
    documents = [json.loads(body) for body in bodies]
    assert {d["type"] for d in documents} >= {"Create", "Announce", "Update"}

    lost = {d["id"]: lost_terms(d) for d in documents if lost_terms(d)}

    assert lost == {}


async def test_an_organisation_is_an_organization_with_its_type_and_pins(inst, http, every_kind):
    ana: Actor = every_kind["ana"]  # type: ignore[assignment]
    note, offer = every_kind["posts"][:2]  # type: ignore[index]

    actor = await _get_activity(http, f"/users/{ana.username}")
    featured = await _get_activity(http, actor["featured"])

    assert actor["type"] == "Organization"
    assert actor["organizationType"] == "association"
    assert actor["attachment"] == [
        {"type": "PropertyValue", "name": "Organisation", "value": "Association"}
    ]
    expanded = jsonld.expand(actor)
    assert expanded[0]["https://fedlocal.org/ns#organizationType"] == [{"@value": "association"}]
    assert featured["type"] == "OrderedCollection"
    assert featured["id"] == f"{ana.uri}/collections/featured"
    assert featured["totalItems"] == 2
    assert [item["id"] for item in featured["orderedItems"]] == [offer.uri, note.uri]


async def test_a_person_is_a_person_with_an_empty_featured_collection(inst, http, alice):
    actor = await _get_activity(http, f"/users/{alice.username}")
    featured = await _get_activity(http, actor["featured"])

    assert actor["type"] == "Person"
    assert "organizationType" not in actor
    assert (featured["totalItems"], featured["orderedItems"]) == (0, [])
