"""Atom: the document's shape by unit, then `/feed.atom` and `/categories/{key}/feed.atom`
through a running instance, read back with `feedparser` and checked against RFC 4287 with
ElementTree."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own server's answer
from datetime import UTC, datetime, timedelta

import feedparser
import httpx
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from fedlocal.models import Actor, EventDetails, ListingDetails, Place, Post
from tests.support.instance import running_instance
from tests.web import seed
from web import atom, feeds

# The instance and its posts are made once per module, on the module's event loop.
on_module_loop = pytest.mark.asyncio(loop_scope="module")

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
ATOM_TYPE = "application/atom+xml; charset=utf-8"
A = "{http://www.w3.org/2005/Atom}"
GEORSS = "{http://www.georss.org/georss}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$")


def check_rfc4287(body: bytes) -> ET.Element:
    """The MUSTs of RFC 4287 that a parser forgives: one id, title and updated on the
    feed and on each entry, an author for each entry, timestamps in RFC 3339."""
    root = ET.fromstring(body)  # noqa: S314 - our own server's answer
    assert root.tag == f"{A}feed"
    for element in (root, *root.findall(f"{A}entry")):
        for required in ("id", "title", "updated"):
            assert len(element.findall(f"{A}{required}")) == 1, required
        for stamp in ("updated", "published"):
            for child in element.findall(f"{A}{stamp}"):
                assert RFC3339.match(child.text or ""), child.text
    has_feed_author = root.find(f"{A}author/{A}name") is not None
    for entry in root.findall(f"{A}entry"):
        assert has_feed_author or entry.find(f"{A}author/{A}name") is not None
        assert entry.find(f"{A}content").get("type") == "html"
    return root


def moment(element: ET.Element, tag: str) -> datetime:
    """A timestamp child as an aware datetime: `Z` and `+00:00` are the same instant."""
    return datetime.fromisoformat(element.findtext(f"{A}{tag}"))


# The document


def _actor() -> Actor:
    return Actor(
        id=1,
        uri="https://here.example/users/ana",
        type="Person",
        role="resident",
        username="ana",
        domain="here.example",
        display_name="Ana <b>&</b>",
        summary="",
        inbox_url=None,
        shared_inbox_url=None,
        outbox_url=None,
        followers_url=None,
        following_url=None,
        url="https://here.example/@ana",
        manually_approves_followers=False,
        created_at=NOW,
        updated_at=NOW,
    )


def _feed(**fields) -> atom.Feed:
    values = {
        "id": "https://here.example/feed.atom",
        "title": "Quartier <Nord> & Sud",
        "self_url": "https://here.example/feed.atom",
        "alternate_url": "https://here.example/",
        "author_name": "Quartier",
        "author_uri": "https://here.example/",
        "language": "en",
        "category_scheme": "https://here.example/categories/",
    }
    values.update(fields)
    return atom.Feed(**values)


def _post(**fields) -> Post:
    values = {
        "id": 3,
        "uri": "https://here.example/objects/3",
        "type": "Note",
        "kind": "note",
        "actor_id": 1,
        "is_local": True,
        "visibility": "public",
        "content": "<p>Hello</p>",
        "published": NOW - timedelta(hours=1),
        "created_at": NOW - timedelta(hours=1),
    }
    values.update(fields)
    return Post(**values)


def test_markup_and_forbidden_characters_are_escaped_or_dropped():
    post = _post(
        name="Fish & <chips>\x01 \ud800]]>",
        content='<p>A <script>alert(1)</script><a href="javascript:x">link</a> &amp; more</p>',
    )
    body = atom.render_feed(_feed(), [atom.FeedEntry(post, _actor())], now=NOW)

    root = check_rfc4287(body)
    assert root.findtext(f"{A}title") == "Quartier <Nord> & Sud"
    entry = root.find(f"{A}entry")
    assert entry.findtext(f"{A}title") == "Fish & <chips> ]]>"
    assert entry.findtext(f"{A}author/{A}name") == "Ana <b>&</b>"
    content = entry.findtext(f"{A}content")
    assert "<script" not in content
    assert "javascript:" not in content
    assert "&amp; more" in content


# Any code point, lone surrogates and controls included: remote names carry what they like.
# (Content was sanitised on its way in, where a lone surrogate does not pass.)
ANY_TEXT = st.characters(exclude_categories=())


@given(st.text(ANY_TEXT, max_size=80), st.text(ANY_TEXT, max_size=80), st.text())
def test_any_text_makes_a_well_formed_feed(name, display_name, content):
    post = _post(name=name, content=content)
    author = dataclasses.replace(_actor(), display_name=display_name)
    body = atom.render_feed(_feed(), [atom.FeedEntry(post, author)], now=NOW)

    check_rfc4287(body)
    assert not feedparser.parse(body).bozo


def test_empty_feed_is_still_valid():
    body = atom.render_feed(_feed(), [], now=NOW)

    root = check_rfc4287(body)
    assert moment(root, "updated") == NOW
    assert root.findall(f"{A}entry") == []


def test_feed_updated_is_the_latest_entry_change():
    edited = _post(id=4, uri="u4", edited_at=NOW - timedelta(minutes=5))
    older = _post(id=3, uri="u3")
    body = atom.render_feed(
        _feed(), [atom.FeedEntry(edited, _actor()), atom.FeedEntry(older, _actor())], now=NOW
    )

    root = check_rfc4287(body)
    assert moment(root, "updated") == NOW - timedelta(minutes=5)
    first = root.find(f"{A}entry")
    assert moment(first, "updated") == NOW - timedelta(minutes=5)
    assert moment(first, "published") == NOW - timedelta(hours=1)


def test_event_facts_are_in_the_event_zone():
    post = _post(
        kind="event",
        name="Fête",
        event=EventDetails(
            starts_at=datetime(2025, 6, 21, 17, 0, tzinfo=UTC),
            ends_at=datetime(2025, 6, 21, 21, 30, tzinfo=UTC),
            timezone="Europe/Paris",
            status="cancelled",
            capacity=30,
            participant_count=30,
        ),
        place=Place(name="Square", street="1 rue A", postal_code="35400", locality="Saint-Malo"),
    )
    facts = dict(atom.key_facts(post, atom.LABELS["en"]))

    assert facts == {
        "When": "2025-06-21 19:00 – 23:30 (Europe/Paris)",
        "Status": "cancelled",
        "Places left": "full",
        "Where": "Square, 1 rue A, 35400 Saint-Malo",
    }


def test_listing_facts():
    post = _post(
        kind="offer",
        name="Tondeuse",
        listing=ListingDetails(intent="lend", status="reserved", price="5 €", quantity=2),
    )
    facts = atom.key_facts(post, atom.LABELS["fr"])

    assert facts == [
        ("Offre", "à prêter"),
        ("Statut", "réservé"),
        ("Prix", "5 €"),
        ("Quantité", "2"),
    ]


# Through a running instance


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def inst(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("atom")
    async with running_instance(data_dir, run_workers=False, name="Saint-Servan") as instance:
        yield instance


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def http(inst):
    async with httpx.AsyncClient(base_url=inst.base_url, trust_env=False, timeout=10) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def posts(inst) -> dict[str, Post]:
    """One of each kind, and the posts a feed must leave out."""
    ana = await seed.resident(inst, "ana", "Ana Lefèvre")
    remote = await seed.remote_actor(inst, "remi", "neighbour.example")
    made = {
        "offer": await seed.local_post(
            inst,
            ana,
            kind="offer",
            type="Note",
            name="Perceuse à prêter",
            content="<p>Une perceuse &amp; ses mèches.</p>",
            category="objects",
            listing=ListingDetails(intent="lend"),
            place=Place(name="Rocabey", latitude=48.6425, longitude=-2.0052),
        ),
        "request": await seed.local_post(
            inst,
            ana,
            kind="request",
            type="Note",
            name="Qui peut garder mon chat ?",
            content="<p>Du 3 au 5.</p>",
            category="care",
            listing=ListingDetails(intent="help"),
        ),
        "event": await seed.local_post(
            inst,
            ana,
            kind="event",
            type="Event",
            name="Repair café",
            content="<p>Venez réparer.</p>",
            category="diy-gardening",
            event=EventDetails(
                starts_at=datetime(2030, 3, 9, 13, 0, tzinfo=UTC),
                ends_at=datetime(2030, 3, 9, 16, 0, tzinfo=UTC),
                timezone="Europe/Paris",
                status="cancelled",
            ),
            place=Place(name="Salle Bréhat", latitude=48.6361, longitude=-2.0105),
        ),
        "note": await seed.local_post(
            inst,
            ana,
            kind="note",
            content="<p>Le marché de Rocabey est déplacé samedi à cause des travaux "
            "sur la place, pensez-y.</p>",
        ),
        "objects_note": await seed.local_post(
            inst, ana, kind="note", content="<p>Merci pour l'échelle !</p>", category="objects"
        ),
        "reply": await seed.local_post(
            inst,
            ana,
            kind="note",
            content="<p>Oui !</p>",
            in_reply_to_uri="https://neighbour.example/notes/1",
        ),
        "unlisted": await seed.local_post(inst, ana, kind="note", visibility="unlisted"),
        "followers": await seed.local_post(
            inst, ana, kind="offer", visibility="followers", category="objects", name="Privé"
        ),
        "direct": await seed.local_post(
            inst, ana, kind="note", visibility="direct", category="objects"
        ),
        "deleted": await seed.local_post(inst, ana, kind="offer", category="objects", name="Gone"),
        "remote": await seed.remote_post(
            inst,
            remote,
            "https://neighbour.example/notes/2",
            type="Note",
            kind="offer",
            name="Remote",
            content="<p>Ailleurs</p>",
            category="objects",
        ),
    }
    await seed.delete(inst, made["deleted"])
    return made


async def _fetch(http, path: str):
    response = await http.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ATOM_TYPE
    root = check_rfc4287(response.content)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return root, parsed


def _by_id(parsed) -> dict[str, dict]:
    return {entry.id: entry for entry in parsed.entries}


@on_module_loop
async def test_instance_feed_describes_itself(inst, http, posts):
    root, parsed = await _fetch(http, "/feed.atom")

    feed = parsed.feed
    assert feed.id == f"{inst.base_url}/feed.atom"
    assert feed.title == "Saint-Servan"
    links = {(link.rel, link.type): link.href for link in feed.links}
    assert links[("self", "application/atom+xml")] == f"{inst.base_url}/feed.atom"
    assert links[("alternate", "text/html")] == f"{inst.base_url}/"
    assert feed.author_detail.name == "Saint-Servan"
    # The feed is as new as its newest entry (not as some post left out of it: the
    # fixture's posts include ones the feed must not show, a second apart at times).
    assert feed.updated_parsed[:6] == max(entry.updated_parsed for entry in parsed.entries)[:6]
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"


@on_module_loop
async def test_instance_feed_holds_public_local_posts_of_every_kind(http, posts):
    _root, parsed = await _fetch(http, "/feed.atom")
    entries = _by_id(parsed)

    for key in ("offer", "request", "event", "note", "objects_note"):
        assert posts[key].uri in entries, key
    for key in ("reply", "unlisted", "followers", "direct", "deleted", "remote"):
        assert posts[key].uri not in entries, key
    ids = [entry.id for entry in parsed.entries]
    assert ids.index(posts["note"].uri) < ids.index(posts["offer"].uri), "newest first"


@on_module_loop
async def test_entries_carry_title_content_category_link_and_dates(inst, http, posts):
    _root, parsed = await _fetch(http, "/feed.atom")
    offer = _by_id(parsed)[posts["offer"].uri]

    assert offer.title == "Perceuse à prêter"
    assert offer.link == posts["offer"].uri
    (tag,) = offer.tags
    assert tag == {
        "term": "objects",
        "label": "Objets et outils",
        "scheme": f"{inst.base_url}/categories/",
    }
    (content,) = offer.content
    assert content.type == "text/html"
    assert "<p>Une perceuse &amp; ses mèches.</p>" in content.value
    assert "à prêter" in content.value
    assert "Rocabey" in content.value
    assert offer.author_detail.name == "Ana Lefèvre"
    assert offer.published_parsed[:6] == posts["offer"].published.timetuple()[:6]
    assert offer.updated_parsed[:6] == posts["offer"].published.timetuple()[:6]
    assert offer.where["coordinates"] == pytest.approx((-2.0052, 48.6425))


@on_module_loop
async def test_note_is_titled_by_its_first_words(http, posts):
    _root, parsed = await _fetch(http, "/feed.atom")
    note = _by_id(parsed)[posts["note"].uri]

    assert note.title == "Le marché de Rocabey est déplacé samedi à cause des…"
    assert "tags" not in note


@on_module_loop
async def test_event_entry_states_when_and_cancellation(inst, http, posts):
    _root, parsed = await _fetch(http, "/feed.atom")
    event = _by_id(parsed)[posts["event"].uri]

    content = event.content[0].value
    assert "2030-03-09 14:00 – 17:00 (Europe/Paris)" in content
    assert "annulé" in content
    calendar_links = [link.href for link in event.links if link.get("type") == "text/calendar"]
    assert calendar_links == [f"{inst.base_url}/objects/{posts['event'].id}.ics"]


@on_module_loop
async def test_category_feed_holds_only_its_category(inst, http, posts):
    _root, parsed = await _fetch(http, "/categories/objects/feed.atom")

    assert parsed.feed.id == f"{inst.base_url}/categories/objects/feed.atom"
    assert parsed.feed.title == "Saint-Servan — Objets et outils"
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"{inst.base_url}/categories/objects/feed.atom"]
    assert {entry.id for entry in parsed.entries} == {
        posts["offer"].uri,
        posts["objects_note"].uri,
    }
    for entry in parsed.entries:
        assert [tag.term for tag in entry.tags] == ["objects"]


@on_module_loop
async def test_category_feed_of_an_empty_category_is_empty(http, posts):
    _root, parsed = await _fetch(http, "/categories/town-hall/feed.atom")

    assert parsed.entries == []


@on_module_loop
async def test_unknown_category_is_404_json(http):
    response = await http.get("/categories/no-such-thing/feed.atom")

    assert response.status_code == 404
    assert response.json() == {"error": "no such category"}


@on_module_loop
@pytest.mark.parametrize("cursor", ["abc", "-1", "²", "9" * 30])
async def test_bad_page_cursor_is_400(http, cursor):
    response = await http.get("/feed.atom", params={"max_id": cursor})

    assert response.status_code == 400


@on_module_loop
async def test_long_feeds_are_paged(tmp_path, monkeypatch):
    # Given more public posts than a page holds
    monkeypatch.setattr(feeds, "FEED_PAGE_SIZE", 3)
    async with running_instance(tmp_path, run_workers=False) as instance:
        ana = await seed.resident(instance, "ana")
        made = [
            await seed.local_post(instance, ana, kind="note", content=f"<p>Note {i}</p>")
            for i in range(5)
        ]
        async with httpx.AsyncClient(base_url=instance.base_url, trust_env=False) as client:
            # When the feed is read page by page
            _root, first = await _fetch(client, "/feed.atom")
            next_url = next(link.href for link in first.feed.links if link.rel == "next")
            _root, second = await _fetch(client, next_url)

    # Then each page has its own self link, the same id, and together they hold all
    assert [e.id for e in first.entries] == [p.uri for p in reversed(made[2:])]
    assert [e.id for e in second.entries] == [p.uri for p in reversed(made[:2])]
    assert second.feed.id == first.feed.id
    assert next(link.href for link in second.feed.links if link.rel == "self") == next_url
    assert not [link for link in second.feed.links if link.rel == "next"]
