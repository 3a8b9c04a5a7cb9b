"""iCalendar: escaping and folding by unit, then `/objects/{id}.ics` and `/calendar.ics`
through a running instance, read back with the independent `icalendar` parser."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import icalendar
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from fedlocal.models import Actor, EventDetails, Place, Post
from tests.support.instance import running_instance
from tests.web import seed
from web import ical

# The instance and its posts are made once per module, on the module's event loop.
on_module_loop = pytest.mark.asyncio(loop_scope="module")

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
CALENDAR_TYPE = "text/calendar; charset=utf-8"
AP = "application/activity+json"


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in lines), "bare CR or LF"
    return lines


def extension_text(component: icalendar.Component, name: str) -> str:
    """A TEXT value of a property `icalendar` does not know the type of, so keeps raw."""
    raw = component[name].to_ical().decode()
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")


def unescape_text(value: str) -> str:
    """A TEXT value as RFC 5545 §3.3.11 reads it, in one pass."""
    return TEXT_ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], value)


def rendered(organiser: Actor | None = None, **fields) -> bytes:
    """A calendar holding one event made of `fields`, as served."""
    event = ical.CalendarEvent(_event_post(**fields), organiser or _actor())
    return ical.render_calendar(ical.Calendar(name="Q"), [event], now=NOW)


def property_lines(body: bytes, name: str) -> list[bytes]:
    """The physical lines of property `name`: its first line and its continuations."""
    lines = physical_lines(body)
    start = next(i for i, line in enumerate(lines) if re.match(rb"%s[;:]" % name.encode(), line))
    end = start + 1
    while end < len(lines) and lines[end].startswith(b" "):
        end += 1
    return lines[start:end]


def content_line(body: bytes, name: str) -> str:
    """Property `name` unfolded: the one logical line as written, escapes and all."""
    lines = property_lines(body, name)
    return b"".join([lines[0], *(line[1:] for line in lines[1:])]).decode("utf-8")


# Escaping


def test_text_escapes_backslash_semicolon_comma_and_newlines():
    assert content_line(rendered(name="a\\b;c,d\ne"), "SUMMARY") == "SUMMARY:a\\\\b\\;c\\,d\\ne"
    body = rendered(name="one\r\ntwo\rthree")
    assert content_line(body, "SUMMARY") == "SUMMARY:one\\ntwo\\nthree"


def test_text_drops_characters_text_cannot_hold():
    body = rendered(name="bell\x07 null\x00 tab\tok")
    assert content_line(body, "SUMMARY") == "SUMMARY:bell null tab\tok"
    body = rendered(name="lone \ud800 surrogate")
    assert content_line(body, "SUMMARY") == "SUMMARY:lone  surrogate"


def test_text_leaves_colons_and_quotes():
    body = rendered(name='Time: 15:00 "sharp"')
    assert content_line(body, "SUMMARY") == 'SUMMARY:Time: 15:00 "sharp"'


def test_parameter_values_are_quoted_with_caret_encoding():
    body = rendered(_actor(display_name="Ana; Martin, fils"))
    assert content_line(body, "ORGANIZER").startswith('ORGANIZER;CN="Ana; Martin, fils":')
    body = rendered(_actor(display_name='Le "Bar"\n^'))
    assert content_line(body, "ORGANIZER").startswith("ORGANIZER;CN=\"Le ^'Bar^'^n^^\":")
    (event,) = _parse(body).walk("VEVENT")
    assert event["ORGANIZER"].params["CN"] == 'Le "Bar"\n^'


# Folding (RFC 5545 §3.1: at most 75 octets a line, a continuation starts with a space)


def test_short_line_is_not_folded():
    # The library keeps a line to 74 octets: one under the limit, never over it.
    line = "SUMMARY:" + "x" * 66
    assert len(line.encode()) == 74
    assert property_lines(rendered(name=line[8:]), "SUMMARY") == [line.encode()]


def test_line_of_76_octets_is_folded_once():
    line = "SUMMARY:" + "x" * 68
    first, second = property_lines(rendered(name=line[8:]), "SUMMARY")
    assert len(first) <= 75 and len(second) <= 75
    assert second.startswith(b" x")
    assert first + second[1:] == line.encode()


@pytest.mark.parametrize("char", ["é", "€", "🎉", "ж"])
def test_folding_never_splits_a_utf8_sequence(char):
    body = rendered(name=char * 200)
    for physical in property_lines(body, "SUMMARY"):
        assert len(physical) <= 75
        physical.decode("utf-8")  # each physical line is whole UTF-8 on its own
    assert content_line(body, "SUMMARY") == "SUMMARY:" + char * 200


def test_folded_lines_fill_up_to_the_limit():
    physical = property_lines(rendered(name="é" * 200), "SUMMARY")
    # Two-octet characters: one more would make 76 octets, so the first line holds 74 and
    # each continuation a space and 74.
    assert [len(p) for p in physical[:-1]] == [74] + [75] * (len(physical) - 2)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_is_folded_and_escaped_back_to_itself(text):
    body = rendered(name=text, content="")
    for physical in property_lines(body, "SUMMARY"):
        assert len(physical) <= 75
        physical.decode("utf-8")
    kept = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", re.sub(r"\r\n?", "\n", text.strip()))
    assert unescape_text(content_line(body, "SUMMARY")[len("SUMMARY:") :]) == (kept or "—")


# Rendering


def _actor(**fields) -> Actor:
    values = {
        "id": 1,
        "uri": "https://here.example/users/ana",
        "type": "Person",
        "role": "resident",
        "username": "ana",
        "domain": "here.example",
        "display_name": "Ana",
        "summary": "",
        "inbox_url": None,
        "shared_inbox_url": None,
        "outbox_url": None,
        "followers_url": None,
        "following_url": None,
        "url": "https://here.example/@ana",
        "manually_approves_followers": False,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Actor(**values)


def _event_post(**fields) -> Post:
    values = {
        "id": 7,
        "uri": "https://here.example/objects/7",
        "type": "Event",
        "kind": "event",
        "actor_id": 1,
        "is_local": True,
        "visibility": "public",
        "content": "<p>Hello</p>",
        "published": NOW - timedelta(days=2),
        "created_at": NOW - timedelta(days=2),
        "name": "Fête",
        "event": EventDetails(starts_at=NOW + timedelta(days=3)),
    }
    values.update(fields)
    return Post(**values)


def _parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body.decode("utf-8"))


def test_tricky_text_round_trips_through_an_independent_parser():
    summary = 'Vide-grenier, brocante; "troc" \\ échanges'
    description = (
        "Première ligne, avec virgule; point-virgule.\nDeuxième ligne : "
        + "très long texte accentué — 🎉 " * 20
    )
    post = _event_post(
        name=summary,
        content="<p>" + description.replace("\n", "<br>") + "</p>",
        place=Place(name="Place du Marché, côté mer", street="2 rue de la Paix"),
    )
    body = ical.render_calendar(
        ical.Calendar(name="Quartier; Nord, Sud"),
        [ical.CalendarEvent(post, _actor(display_name='Ana "la" Martin'), "Vie, de quartier")],
        now=NOW,
    )
    for line in physical_lines(body):
        assert len(line) <= 75
        line.decode("utf-8")
    calendar = _parse(body)
    assert extension_text(calendar, "X-WR-CALNAME") == "Quartier; Nord, Sud"
    assert extension_text(calendar, "NAME") == "Quartier; Nord, Sud"
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == summary
    assert str(event["DESCRIPTION"]) == description.strip()
    assert str(event["LOCATION"]) == "Place du Marché, côté mer, 2 rue de la Paix"
    assert event["CATEGORIES"].cats == ["Vie, de quartier"]
    assert event["ORGANIZER"].params["CN"] == 'Ana "la" Martin'


def test_untitled_event_is_summarised_by_its_first_words():
    post = _event_post(name=None, content="<p>" + " ".join(f"w{i}" for i in range(30)) + "</p>")
    body = ical.render_calendar(
        ical.Calendar(name="Q"), [ical.CalendarEvent(post, _actor())], now=NOW
    )
    (event,) = _parse(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == " ".join(f"w{i}" for i in range(10)) + "…"


def test_sequence_grows_with_each_edit():
    post = _event_post()
    assert ical.sequence_of(post) == 0
    first = ical.sequence_of(_event_post(edited_at=post.published + timedelta(minutes=5)))
    second = ical.sequence_of(_event_post(edited_at=post.published + timedelta(hours=2)))
    assert 0 < first < second


def test_coordinates_near_greenwich_are_plain_decimals():
    body = rendered(place=Place(name="Méridien", latitude=49.3, longitude=-0.00001))

    # RFC 5545 FLOAT has no exponent: `1e-05` would not parse as one.
    assert content_line(body, "GEO") == "GEO:49.300000;-0.000010"


def test_event_without_end_has_no_dtend():
    body = ical.render_calendar(
        ical.Calendar(name="Q"), [ical.CalendarEvent(_event_post(), _actor())], now=NOW
    )
    (event,) = _parse(body).walk("VEVENT")
    assert "DTEND" not in event
    assert event.decoded("DTSTART") == NOW + timedelta(days=3)


# Through a running instance


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def inst(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("ical")
    async with running_instance(
        data_dir, run_workers=False, name="Saint-Servan", description="Le quartier, ses voisins"
    ) as instance:
        yield instance


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def http(inst):
    async with httpx.AsyncClient(base_url=inst.base_url, trust_env=False, timeout=10) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def ana(inst) -> Actor:
    return await seed.resident(inst, "ana", "Ana Lefèvre")


REPAIR_CAFE = {
    "name": "Repair café, soupe; et thé",
    "content": "<p>Apportez vos objets &amp; vos outils.</p><p>On répare ensemble.</p>",
    "category": "diy-gardening",
    "place": Place(
        name="Salle Bréhat",
        latitude=48.6361,
        longitude=-2.0105,
        street="3 rue de la Pie",
        postal_code="35400",
        locality="Saint-Malo",
    ),
}


async def _event(inst, author, *, starts_in_days: float = 3, hours: float = 2, **fields) -> Post:
    details = fields.pop("event", None) or EventDetails(
        starts_at=seed.soon(days=starts_in_days),
        ends_at=seed.soon(days=starts_in_days, hours=hours),
        timezone="Europe/Paris",
    )
    fields.setdefault("name", "Un événement")
    return await seed.local_post(inst, author, kind="event", event=details, **fields)


async def _single(http, post_id: int) -> icalendar.Event:
    response = await http.get(f"/objects/{post_id}.ics")
    assert response.status_code == 200, response.text
    (event,) = _parse(response.content).walk("VEVENT")
    return event


@on_module_loop
async def test_single_event_has_every_field(inst, http, ana):
    # Given a public event with a place, an address and a category
    post = await _event(inst, ana, **REPAIR_CAFE)
    assert post.event is not None

    # When it is fetched as iCalendar
    response = await http.get(f"/objects/{post.id}.ics")

    # Then it is one VEVENT saying all of it, in UTC, with CRLF lines of ≤ 75 octets
    assert response.status_code == 200
    assert response.headers["content-type"] == CALENDAR_TYPE
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="event-{post.id}.ics"'
    for line in physical_lines(response.content):
        assert len(line) <= 75
    calendar = _parse(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["PRODID"]).startswith("-//fedlocal//")
    assert extension_text(calendar, "X-WR-CALNAME") == "Saint-Servan"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == post.uri
    assert event.decoded("DTSTART") == post.event.starts_at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == post.event.ends_at
    assert str(event["SUMMARY"]) == "Repair café, soupe; et thé"
    assert str(event["DESCRIPTION"]) == "Apportez vos objets & vos outils.\nOn répare ensemble."
    assert str(event["LOCATION"]) == "Salle Bréhat, 3 rue de la Pie, 35400 Saint-Malo"
    geo = event["GEO"]
    assert (geo.latitude, geo.longitude) == pytest.approx((48.6361, -2.0105))
    assert str(event["URL"]) == post.uri
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["CATEGORIES"].cats == ["Bricolage et jardinage"]
    assert str(event["ORGANIZER"]) == ana.url
    assert event["ORGANIZER"].params["CN"] == "Ana Lefèvre"
    assert event.decoded("LAST-MODIFIED") == post.published.replace(microsecond=0)
    assert event.decoded("SEQUENCE") == 0
    stamp = event.decoded("DTSTAMP")
    assert stamp.tzinfo is not None
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=1)


@on_module_loop
async def test_edits_raise_sequence_and_last_modified(inst, http, ana):
    post = await _event(inst, ana, name="Pique-nique")
    edited_at = post.published.replace(microsecond=0) + timedelta(minutes=10)
    await seed.edit(inst, post, name="Pique-nique (reporté)", edited_at=edited_at)

    event = await _single(http, post.id)

    assert str(event["SUMMARY"]) == "Pique-nique (reporté)"
    assert event.decoded("LAST-MODIFIED") == edited_at
    assert event.decoded("SEQUENCE") > 0


@pytest.mark.parametrize(
    ("status", "expected"),
    [("cancelled", "CANCELLED"), ("tentative", "TENTATIVE"), ("confirmed", "CONFIRMED")],
)
@on_module_loop
async def test_status_is_stated(inst, http, ana, status, expected):
    details = EventDetails(starts_at=seed.soon(days=4), status=status)
    post = await _event(inst, ana, event=details)

    event = await _single(http, post.id)

    assert str(event["STATUS"]) == expected


@on_module_loop
async def test_unlisted_event_is_served_alone(inst, http, ana):
    post = await _event(inst, ana, visibility="unlisted")

    event = await _single(http, post.id)

    assert str(event["UID"]) == post.uri


@on_module_loop
@pytest.mark.parametrize("visibility", ["followers", "direct"])
async def test_private_events_are_not_served(inst, http, ana, visibility):
    post = await _event(inst, ana, visibility=visibility, name="Anniversaire privé")

    response = await http.get(f"/objects/{post.id}.ics")

    assert response.status_code == 404
    assert response.json() == {"error": "no such event"}
    assert "Anniversaire" not in response.text


@on_module_loop
async def test_deleted_event_is_not_served(inst, http, ana):
    post = await _event(inst, ana)
    await seed.delete(inst, post)

    response = await http.get(f"/objects/{post.id}.ics")

    assert response.status_code == 404


@on_module_loop
async def test_other_kinds_and_unknown_ids_are_not_events(inst, http, ana):
    note = await seed.local_post(inst, ana, kind="note", content="<p>Bonjour</p>")
    remote = await seed.remote_actor(inst, "rita", "remote.example")
    remote_event = await seed.remote_post(
        inst,
        remote,
        "https://remote.example/events/1",
        type="Event",
        kind="event",
        name="Ailleurs",
        content="",
        event=EventDetails(starts_at=seed.soon(days=2)),
    )

    for path in (
        f"/objects/{note.id}.ics",
        f"/objects/{remote_event.id}.ics",
        "/objects/999999.ics",
        f"/objects/{2**64}.ics",
        "/objects/abc.ics",
    ):
        response = await http.get(path)
        assert response.status_code == 404, path


@on_module_loop
async def test_object_url_itself_still_serves_the_post(inst, http, ana):
    post = await _event(inst, ana)

    response = await http.get(f"/objects/{post.id}", headers={"Accept": AP})

    assert response.status_code == 200
    assert response.json()["id"] == post.uri


# The instance calendar


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def calendar_posts(inst) -> dict[str, Post]:
    """One instance's worth of events, each a case the calendar must get right."""
    bea = await seed.resident(inst, "bea", "Béa")
    remote = await seed.remote_actor(inst, "remi", "neighbour.example")
    posts = {
        "later": await _event(inst, bea, starts_in_days=10, name="Later"),
        "sooner": await _event(inst, bea, starts_in_days=1, name="Sooner"),
        "ongoing": await _event(inst, bea, starts_in_days=-2, hours=24 * 3, name="Ongoing"),
        "yesterday": await _event(inst, bea, starts_in_days=-0.5, hours=1, name="Yesterday"),
        "past": await _event(inst, bea, starts_in_days=-5, name="Past"),
        "cancelled": await _event(
            inst,
            bea,
            name="Cancelled",
            event=EventDetails(starts_at=seed.soon(days=2), status="cancelled"),
        ),
        "unlisted": await _event(inst, bea, visibility="unlisted", name="Unlisted"),
        "followers": await _event(inst, bea, visibility="followers", name="Followers"),
        "direct": await _event(inst, bea, visibility="direct", name="Direct"),
        "deleted": await _event(inst, bea, name="Deleted"),
        "note": await seed.local_post(inst, bea, kind="note", content="<p>Note</p>"),
        "remote": await seed.remote_post(
            inst,
            remote,
            "https://neighbour.example/events/42",
            type="Event",
            kind="event",
            name="Remote",
            content="<p>Chez les voisins</p>",
            event=EventDetails(starts_at=seed.soon(days=5)),
        ),
        # Dated by a neighbour's typing mistake (kept before dates were checked).
        "remote_9999": await seed.remote_post(
            inst,
            remote,
            "https://neighbour.example/events/44",
            type="Event",
            kind="event",
            name="Remote absurd",
            content="",
            event=EventDetails(starts_at=datetime(9999, 12, 31, 23, 30, tzinfo=UTC)),
        ),
        "remote_private": await seed.remote_post(
            inst,
            remote,
            "https://neighbour.example/events/43",
            type="Event",
            kind="event",
            visibility="followers",
            name="Remote private",
            content="",
            event=EventDetails(starts_at=seed.soon(days=5)),
        ),
    }
    await seed.delete(inst, posts["deleted"])
    return posts


async def _calendar_uids(http, query: str = "") -> list[str]:
    response = await http.get(f"/calendar.ics{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CALENDAR_TYPE
    assert "content-disposition" not in response.headers
    for line in physical_lines(response.content):
        assert len(line) <= 75
    calendar = _parse(response.content)
    assert extension_text(calendar, "X-WR-CALNAME") == "Saint-Servan"
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    starts = [event.decoded("DTSTART") for event in events]
    assert starts == sorted(starts), "ordered by start"
    return [str(event["UID"]) for event in events]


@on_module_loop
async def test_calendar_lists_public_upcoming_local_events(http, calendar_posts):
    uids = await _calendar_uids(http)

    posts = calendar_posts
    for key in ("sooner", "later", "ongoing", "yesterday", "cancelled"):
        assert posts[key].uri in uids, key
    for key in ("past", "unlisted", "followers", "direct", "deleted", "note", "remote"):
        assert posts[key].uri not in uids, key
    assert uids.index(posts["sooner"].uri) < uids.index(posts["later"].uri)


@on_module_loop
async def test_calendar_says_cancelled(http, calendar_posts):
    response = await http.get("/calendar.ics")
    events = {str(e["UID"]): e for e in _parse(response.content).walk("VEVENT")}

    assert str(events[calendar_posts["cancelled"].uri]["STATUS"]) == "CANCELLED"
    assert str(events[calendar_posts["sooner"].uri]["STATUS"]) == "CONFIRMED"


@on_module_loop
async def test_calendar_scope_all_adds_public_remote_events(http, calendar_posts):
    uids = await _calendar_uids(http, "?scope=all")

    assert calendar_posts["remote"].uri in uids
    assert calendar_posts["sooner"].uri in uids
    for key in ("remote_private", "followers", "deleted", "past", "remote_9999"):
        assert calendar_posts[key].uri not in uids, key


@on_module_loop
async def test_calendar_rejects_an_unknown_scope(http):
    response = await http.get("/calendar.ics?scope=everything")

    assert response.status_code == 400


@on_module_loop
async def test_home_page_links_the_calendar_and_the_feed(inst, http):
    response = await http.get("/", headers={"Accept": "text/html"})

    assert response.status_code == 200
    html = response.text
    assert (
        f'<link rel="alternate" type="text/calendar" title="Saint-Servan" '
        f'href="{inst.base_url}/calendar.ics">' in html
    )
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Saint-Servan" '
        f'href="{inst.base_url}/feed.atom">' in html
    )
