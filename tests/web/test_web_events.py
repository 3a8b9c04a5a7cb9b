"""The event form refuses impossible dates beside the wrong field, in the visitor's
language, and event pages give times in the instance's zone, named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from fedlocal.models import EventDetails, Place
from fedlocal.store import participations as participation_store
from fedlocal.store import posts as post_store
from fedlocal.store.tables import objects

from . import seed
from .web_client import WebClient


def _day(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def _event_form(**changes: str) -> dict[str, str]:
    return {
        "title": "Troc de graines",
        "category": "neighbourhood-life",
        "starts_on": _day(10),
        "starts_time": "14:00",
        "join_mode": "free",
        "visibility": "public",
        "quarter": "Intra-Muros",
        **changes,
    }


async def _posts(inst) -> int:
    async with inst.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(objects))).scalar_one()


DATE_ERRORS = [
    pytest.param(
        {"starts_on": _day(-3)},
        "starts_on",
        "The event cannot start in the past.",
        "L'événement ne peut pas commencer dans le passé.",
        id="past",
    ),
    pytest.param(
        {"starts_on": "9999-12-31"},
        "starts_on",
        "The event must start within the next two years.",
        "L'événement doit commencer dans les deux prochaines années.",
        id="year-9999",
    ),
    pytest.param(
        {"ends_on": _day(10), "ends_time": "13:00"},
        "ends_time",
        "The event must end after it starts.",
        "L'événement doit se terminer après son début.",
        id="ends-before",
    ),
]


@pytest.mark.parametrize(("changes", "field", "english", "french"), DATE_ERRORS)
async def test_impossible_dates_are_refused_beside_their_field(
    inst, alice, changes, field, english, french
):
    for language, words in (("en", english), ("fr", french)):
        async with WebClient(inst.base_url, language=language) as client:
            await client.log_in("alice")

            response = await client.submit("/new/event", "/new/event", _event_form(**changes))

            assert response.status_code == 422
            error = response.text.split(f'id="f-{field}-error"', 1)[1].split("</p>", 1)[0]
            assert words.replace("'", "&#39;") in error or words in error, (language, error)
    assert await _posts(inst) == 0


# --- times ---------------------------------------------------------------------------------

# A winter Saturday: Paris is at UTC+01:00, New York at UTC-05:00.
SIX_PM_UTC = datetime(2025, 1, 18, 18, 0, tzinfo=UTC)


async def _remote_event(inst, number: int, timezone: str, **changes):
    author = await seed.remote_actor(inst, f"agenda{number}", "gancio.example")
    details = EventDetails(
        starts_at=SIX_PM_UTC, ends_at=SIX_PM_UTC + timedelta(hours=2), timezone=timezone
    )
    return await seed.remote_post(
        inst,
        author,
        f"https://gancio.example/federation/m/{number}",
        type="Event",
        kind="event",
        name=f"Concert {number}",
        content="",
        event=replace(details, **changes),
    )


@pytest.mark.parametrize(
    "timezone",
    ["Etc/GMT-1", "UTC", "Europe/Paris"],
    ids=["offset-kept-from-gancio", "no-zone-known", "same-zone"],
)
async def test_an_event_shows_in_the_instances_zone_named(inst, alice, timezone):
    # Given a neighbour's event at 19:00 in Paris (18:00 UTC), however its zone was sent
    event = await _remote_event(inst, 1, timezone)

    async with WebClient(inst.base_url, language="fr") as client:
        await client.log_in("alice")
        page = await client.get(f"/posts/{event.id}")

    # Then it reads 19:00 to 21:00 Paris time, the zone named, and nothing else
    assert page.status_code == 200
    assert "samedi 18 janvier 2025 à 19:00 – 21:00 (heure de Paris)" in page.text
    assert "18:00" not in page.text
    assert "Heure sur place" not in page.text


async def test_an_event_elsewhere_also_says_its_local_time(inst, alice):
    event = await _remote_event(inst, 2, "America/New_York")

    async with WebClient(inst.base_url, language="en") as client:
        await client.log_in("alice")
        page = await client.get(f"/posts/{event.id}")

    assert page.status_code == 200
    assert "(Paris time)" in page.text
    assert "Local time there: Saturday, January 18, 2025 at 1:00" in page.text
    assert "(New York time)" in page.text


async def test_an_absurd_date_does_not_break_the_pages(inst, alice):
    # A neighbour's event dated in year 9999, kept before dates were checked
    event = await _remote_event(
        inst, 3, "UTC", starts_at=datetime(9999, 12, 31, 23, 30, tzinfo=UTC), ends_at=None
    )

    async with WebClient(inst.base_url, language="fr") as client:
        await client.log_in("alice")
        for path in (f"/posts/{event.id}", "/", "/feed", "/calendar.ics?scope=all"):
            assert (await client.get(path)).status_code == 200, path


# --- participants --------------------------------------------------------------------------


async def _takes_part(inst, event, actor) -> None:
    async with inst.db.write() as conn:
        await participation_store.upsert(
            conn,
            event_id=event.id,
            actor_id=actor.id,
            join_uri=f"{actor.uri}#join/{event.id}",
            state="accepted",
            message=None,
        )


@pytest.mark.parametrize(
    ("received", "stated", "unlisted"),
    [
        (2, "2 participants", "And 1 person from another server, not listed here"),
        (4, "4 participants", "And 3 people from other servers, not listed here"),
        # The organiser's count lags behind the acceptance we just received.
        (0, "1 participant", None),
    ],
)
async def test_a_neighbours_event_counts_as_many_as_it_lists_or_says_why_not(
    inst, alice, received, stated, unlisted
):
    # Given a neighbour's event whose organiser counts `received` participants, alice one
    _account, resident = alice
    event = await _remote_event(inst, 4, "Europe/Paris", participant_count=received)
    await _takes_part(inst, event, resident)

    async with WebClient(inst.base_url, language="en") as client:
        await client.log_in("alice")
        page = (await client.get(f"/posts/{event.id}")).text

    # Then the count and the list agree, or the page says who is missing and why
    assert stated in page
    assert page.count('class="handle">@alice@') == 1
    if unlisted:
        assert unlisted in page
        assert "only the event&#39;s own server knows who" in page
    else:
        assert "not listed here" not in page


# --- where ---------------------------------------------------------------------------------


async def test_the_form_takes_the_address_in_fields_and_the_venues_own_point(
    inst, alice, alice_web
):
    # When alice fills in the address field by field, and the venue's point from a map
    created = await alice_web.submit(
        "/new/event",
        "/new/event",
        _event_form(
            venue="Salle Bouvet",
            address="12 rue Georges Clemenceau",
            postal_code="35400",
            locality="Saint-Malo",
            coordinates="48.64712, -2.00431",
            quarter="",
        ),
    )

    # Then the event has each part of its address, and the venue's point, not a quarter's
    assert created.status_code == 303, created.text
    post_id = int(created.headers["location"].split("?")[0].rsplit("/", 1)[1])
    async with inst.db.read() as conn:
        event = await post_store.get_post(conn, post_id)
    assert event.place == Place(
        name="Salle Bouvet",
        latitude=48.64712,
        longitude=-2.00431,
        street="12 rue Georges Clemenceau",
        postal_code="35400",
        locality="Saint-Malo",
    )


@pytest.mark.parametrize("coordinates", ["48.6", "nord", "91, 2", "48.6 -2.0 7"])
async def test_a_point_that_is_not_one_is_refused_beside_its_field(inst, alice_web, coordinates):
    response = await alice_web.submit(
        "/new/event", "/new/event", _event_form(coordinates=coordinates)
    )

    assert response.status_code == 422
    assert 'id="f-coordinates-error"' in response.text
    assert await _posts(inst) == 0
