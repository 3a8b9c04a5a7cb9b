"""Events as we publish them: FEP-8a8e and Mobilizon's fields for calendar software, and a
`summary` stating date, time, time zone and place for Mastodon, which shows nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from activitypub.addressing import PUBLIC
from fedlocal.categories import Categories
from fedlocal.federation import to_as
from fedlocal.models import Place
from tests.support.fixtures import load_fixture
from tests.support.model_builders import (
    URLS,
    WHEN,
    event,
    resident,
    undefined_terms,
    with_event,
)

ANA = resident()
VENUE = "Salle Bouvet, 12 rue Georges Clemenceau, 35400 Saint-Malo"


# --- the summary Mastodon shows ----------------------------------------------------------


def test_the_summary_states_date_time_zone_and_place_in_french():
    document = to_as.object_document(event(), ANA, URLS)

    assert document["summary"] == (
        f"Samedi 6 décembre 2025, de 14 h à 18 h (heure de Paris) — {VENUE}"
    )


def test_the_summary_in_english():
    document = to_as.object_document(event(), ANA, URLS, language="en")

    assert document["summary"] == f"Saturday 6 December 2025, 2 pm to 6 pm (Paris time) — {VENUE}"


def test_without_a_language_the_posts_own_is_used():
    assert to_as.object_document(event(language="en"), ANA, URLS)["summary"].startswith("Saturday")


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "timezone", "french", "english"),
    [
        (
            datetime(2026, 5, 1, 8, 30, tzinfo=UTC),
            None,
            "Europe/Paris",
            "Vendredi 1er mai 2026 à 10 h 30 (heure de Paris)",
            "Friday 1 May 2026 at 10:30 am (Paris time)",
        ),
        (
            datetime(2026, 7, 11, 20, tzinfo=UTC),
            datetime(2026, 7, 12, 3, 15, tzinfo=UTC),
            "Europe/Amsterdam",
            "Du samedi 11 juillet 2026 à 22 h au dimanche 12 juillet 2026 à 5 h 15 "
            "(heure d'Amsterdam)",
            "From Saturday 11 July 2026, 10 pm to Sunday 12 July 2026, 5:15 am (Amsterdam time)",
        ),
        (
            datetime(2026, 1, 3, 0, tzinfo=UTC),
            datetime(2026, 1, 3, 12, tzinfo=UTC),
            "UTC",
            "Samedi 3 janvier 2026, de 0 h à 12 h (UTC)",
            "Saturday 3 January 2026, 12 am to 12 pm (UTC)",
        ),
        (
            datetime(2026, 3, 8, 23, tzinfo=UTC),
            datetime(2026, 3, 9, 1, tzinfo=UTC),
            "America/New_York",
            "Dimanche 8 mars 2026, de 19 h à 21 h (heure de New York)",
            "Sunday 8 March 2026, 7 pm to 9 pm (New York time)",
        ),
    ],
)
def test_dates_and_times_in_words(starts_at, ends_at, timezone, french, english):
    post = with_event(event(place=None), starts_at=starts_at, ends_at=ends_at, timezone=timezone)

    assert to_as.object_document(post, ANA, URLS, language="fr")["summary"] == french
    assert to_as.object_document(post, ANA, URLS, language="en")["summary"] == english


@pytest.mark.parametrize(
    ("status", "french", "english"),
    [
        ("cancelled", "Annulé : Samedi", "Cancelled: Saturday"),
        ("tentative", "À confirmer : Samedi", "To be confirmed: Saturday"),
    ],
)
def test_a_cancelled_or_tentative_event_says_so_first(status, french, english):
    post = with_event(event(), status=status)

    assert to_as.object_document(post, ANA, URLS, language="fr")["summary"].startswith(french)
    assert to_as.object_document(post, ANA, URLS, language="en")["summary"].startswith(english)


def test_a_venue_name_alone_or_an_address_alone():
    named = event(place=Place(name="Jardin des Lilas"))
    addressed = event(place=Place(street="3 rue des Lilas", locality="Saint-Malo"))

    assert to_as.object_document(named, ANA, URLS)["summary"].endswith("— Jardin des Lilas")
    assert to_as.object_document(addressed, ANA, URLS)["summary"].endswith(
        "— 3 rue des Lilas, Saint-Malo"
    )


# --- the fields calendar software reads --------------------------------------------------


def test_an_event_document():
    post = event(edited_at=datetime(2025, 11, 30, 12, tzinfo=UTC))

    document = to_as.object_document(post, ANA, URLS)

    assert document["@context"] == to_as.EVENT_CONTEXT
    assert (document["id"], document["type"]) == (post.uri, "Event")
    assert document["name"] == "Troc de Noël"
    assert document["content"] == post.content
    assert document["mediaType"] == "text/html"
    assert document["source"] == {
        "content": "Jouets, livres et *vêtements* d'hiver.",
        "mediaType": "text/markdown",
    }
    # Shifted into the event's time zone, as Mobilizon writes them.
    assert document["startTime"] == "2025-12-06T14:00:00+01:00"
    assert document["endTime"] == "2025-12-06T18:00:00+01:00"
    assert document["timezone"] == "Europe/Paris"
    assert document["attributedTo"] == ANA.uri
    assert document["organizers"] == {"type": "Collection", "totalItems": 1, "items": [ANA.uri]}
    assert (document["url"], document["published"]) == (post.uri, "2025-11-28T09:30:00Z")
    assert document["updated"] == "2025-11-30T12:00:00.000Z"
    assert (document["to"], document["cc"]) == ([PUBLIC], [ANA.followers_url])
    assert document["inLanguage"] == "fr"
    assert [t["name"] for t in document["tag"]] == ["#evenement", "#viedequartier"]


def test_summer_time_gives_another_offset():
    post = with_event(
        event(),
        starts_at=datetime(2026, 6, 20, 17, tzinfo=UTC),
        ends_at=datetime(2026, 6, 20, 21, tzinfo=UTC),
    )

    document = to_as.object_document(post, ANA, URLS)

    assert document["startTime"] == "2026-06-20T19:00:00+02:00"
    assert document["endTime"] == "2026-06-20T23:00:00+02:00"


def test_mobilizon_fields():
    document = to_as.object_document(event(), ANA, URLS)

    assert document["joinMode"] == "free"
    assert document["ical:status"] == "CONFIRMED"
    assert document["eventStatus"] == "EventScheduled"
    assert document["participantCount"] == 4
    assert document["maximumAttendeeCapacity"] == 30
    assert document["remainingAttendeeCapacity"] == 26
    assert document["location"] == {
        "type": "Place",
        "name": "Salle Bouvet",
        "address": {
            "type": "PostalAddress",
            "streetAddress": "12 rue Georges Clemenceau",
            "postalCode": "35400",
            "addressLocality": "Saint-Malo",
        },
        "latitude": 48.647,
        "longitude": -2.004,
    }
    assert document["category"] == "COMMUNITY"
    assert document["communityCategory"] == "neighbourhood-life"
    assert document["commentsEnabled"] is True
    assert document["anonymousParticipationEnabled"] is False
    assert document["isOnline"] is False
    assert "externalParticipationUrl" not in document


@pytest.mark.parametrize(
    ("status", "ical", "fep"),
    [
        ("confirmed", "CONFIRMED", "EventScheduled"),
        ("tentative", "TENTATIVE", "EventTentative"),
        ("cancelled", "CANCELLED", "EventCancelled"),
    ],
)
def test_status_in_both_vocabularies(status, ical, fep):
    document = to_as.object_document(with_event(event(), status=status), ANA, URLS)

    assert (document["ical:status"], document["eventStatus"]) == (ical, fep)


@pytest.mark.parametrize("join_mode", ["free", "restricted", "external"])
def test_join_modes_are_mobilizons(join_mode):
    post = with_event(event(), join_mode=join_mode, external_url="https://billets.example/1")

    document = to_as.object_document(post, ANA, URLS)

    assert document["joinMode"] == join_mode
    assert document["externalParticipationUrl"] == "https://billets.example/1"


def test_a_full_event_has_no_remaining_places():
    document = to_as.object_document(with_event(event(), participant_count=31), ANA, URLS)

    assert document["remainingAttendeeCapacity"] == 0


def test_an_unlimited_event_sends_no_capacity():
    # Mobilizon reads a capacity of 0 as "no limit"; we say nothing instead.
    document = to_as.object_document(with_event(event(), capacity=None), ANA, URLS)

    assert "maximumAttendeeCapacity" not in document
    assert "remainingAttendeeCapacity" not in document


def test_an_open_ended_event_has_an_end_for_software_not_for_people():
    document = to_as.object_document(with_event(event(), ends_at=None), ANA, URLS)

    assert document["endTime"] == "2025-12-06T17:00:00+01:00"
    assert document["displayEndTime"] is False
    assert "displayEndTime" not in to_as.object_document(event(), ANA, URLS)


def test_the_mobilizon_category_comes_from_ours():
    categories = Categories()

    shops = to_as.object_document(event(category="local-shops"), ANA, URLS, categories=categories)
    none = to_as.object_document(event(category=None, hashtags=tuple([])), ANA, URLS)

    assert shops["category"] == "FOOD_DRINK"
    assert "#produitslocaux" in [t["name"] for t in shops["tag"]]
    assert "category" not in none and "communityCategory" not in none
    assert [t["name"] for t in none["tag"]] == ["#evenement"]


def test_create_and_update_of_an_event():
    post = event()

    create = to_as.create(post, ANA, URLS, categories=Categories(), language="en")
    update = to_as.update(to_as.object_document(post, ANA, URLS), ANA, WHEN)

    assert create["@context"] == to_as.EVENT_CONTEXT
    assert create["object"]["type"] == "Event"
    assert create["object"]["summary"].startswith("Saturday 6 December 2025")
    assert update["object"]["participantCount"] == 4
    assert update["@context"] == to_as.EVENT_CONTEXT


def test_a_join_has_the_shape_mobilizon_sends():
    theirs = load_fixture(
        "mobilizon/join.json",
        base="https://agenda.example",
        username="lou",
        join_id="77",
        event=event().uri,
        organiser=ANA.uri,
    )

    ours = to_as.join(resident("lou"), event().uri, ANA.uri, f"{URLS.base}/joins/1", "Bonjour")

    # Mobilizon adds an empty `cc`; every other member is the same.
    assert set(ours) == set(theirs) - {"cc"}
    assert ours["object"] == theirs["object"] == event().uri
    assert undefined_terms(ours) == []


# --- JSON-LD -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: to_as.object_document(event(), ANA, URLS),
        lambda: to_as.create(
            with_event(
                event(), ends_at=None, status="cancelled", external_url="mailto:a@b.example"
            ),
            ANA,
            URLS,
        ),
        lambda: to_as.update(to_as.object_document(event(), ANA, URLS), ANA, WHEN),
        lambda: to_as.leave(ANA, event().uri, "https://agenda.example/@jardins"),
        lambda: to_as.accept_join(ANA, "https://m.example/u/1", event().uri, "https://m/j/1"),
    ],
    ids=["object", "create", "update", "leave", "accept-join"],
)
def test_every_document_expands_with_every_term_defined(build):
    assert undefined_terms(build()) == []
