"""Offers, requests and events from elsewhere: Mastodon posts tagged #offre/#demande,
FEP-0837 proposals, Mobilizon and Gancio events — quirks included, junk refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fedlocal.categories import Categories, Category
from fedlocal.federation.from_as import InvalidDocument, agreement_offer, post_from_as
from fedlocal.models import EventDetails, ListingDetails, Place
from fedlocal.sanitize import sanitize_html
from tests.support.fixtures import load_fixture

MASTODON = "https://mastodon.example"
MOBILIZON = "https://agenda.example"
GANCIO = "https://calendrier.example"
MITRA = "https://mitra.example"
EVENT_UUID = "6d1e3a52-0b8c-4f1e-9a77-3c2d5e8f9a10"


def mastodon(name: str, status_id: str = "113500") -> dict[str, Any]:
    return load_fixture(f"mastodon/{name}", base=MASTODON, username="alice", status_id=status_id)


def mobilizon(fixture: str = "create-event.json", /, **patch: Any) -> dict[str, Any]:
    activity = load_fixture(
        f"mobilizon/{fixture}",
        base=MOBILIZON,
        uuid=EVENT_UUID,
        group="marche_rocabey",
        username="lou",
        update_id="2",
    )
    activity["object"].update(patch)
    return activity["object"]


def gancio(**patch: Any) -> dict[str, Any]:
    activity = load_fixture(
        "gancio/create-event.json", base=GANCIO, username="relay", event_id="12"
    )
    activity["object"].update(patch)
    return activity["object"]


def mitra(**patch: Any) -> dict[str, Any]:
    document = load_fixture("mitra/proposal.json", base=MITRA, username="jo", proposal_id="31")
    document.update(patch)
    return document


# --- Mastodon ----------------------------------------------------------------------------


def test_a_mastodon_note_tagged_offre_pret_bricolage_is_a_lending_offer():
    note = mastodon("note-offer.json")

    data = post_from_as(note)

    assert (data.type, data.kind) == ("Note", "offer")
    assert data.name == "Scie sauteuse à prêter tout le mois de décembre"
    assert data.listing == ListingDetails(intent="lend", status="open")
    assert data.category == "diy-gardening"
    assert data.place is None
    assert data.content == sanitize_html(note["content"])
    assert data.language == "fr"
    assert list(data.hashtags) == ["offre", "pret", "bricolage"]
    assert not data.fep0837


def test_an_english_request_hashtag_makes_a_request_for_help():
    data = post_from_as(mastodon("note-request-en.json"))

    assert data.kind == "request"
    # The leading hashtag is not part of the title; the first sentence is.
    assert (
        data.name == "Could someone help me carry a sofa up to the third floor on Saturday morning?"
    )
    assert data.listing == ListingDetails(intent="help")
    assert data.category is None
    assert data.visibility == "unlisted"


def test_a_note_without_a_kind_hashtag_stays_a_note():
    # It carries #pret, an intent hashtag: that alone does not make an offer.
    data = post_from_as(mastodon("note.json"))

    assert data.kind == "note"
    assert data.listing is None and data.name is None


def test_an_intent_hashtag_of_the_other_kind_is_ignored():
    note = mastodon("note-request-en.json")
    note["tag"] += [{"type": "Hashtag", "name": "#don"}, {"type": "Hashtag", "name": "#Wanted"}]

    data = post_from_as(note)

    assert data.listing is not None and data.listing.intent == "item"


def test_the_title_of_a_long_post_is_cut_at_a_word():
    note = mastodon("note-offer.json")
    note["content"] = "<p>" + "Très long titre sans point " * 10 + "#offre</p>"

    data = post_from_as(note)

    assert data.name is not None and len(data.name) <= 120
    assert data.name.endswith("…") and data.name.startswith("Très long titre sans point Très")
    assert "  " not in data.name


def test_the_instance_categories_are_used_for_category_hashtags():
    categories = Categories((Category("tools", "Outils", "Tools", "outils"),))
    note = mastodon("note-offer.json")
    note["tag"] = [{"type": "Hashtag", "name": "#offre"}, {"type": "Hashtag", "name": "#Outils"}]

    data = post_from_as(note, categories=categories)

    assert data.category == "tools"
    assert data.listing is not None and data.listing.intent == "give"


# --- FEP-0837 ----------------------------------------------------------------------------


def test_a_mitra_proposal_is_an_offer_of_a_service():
    proposal = mitra()

    data = post_from_as(proposal)

    assert (data.type, data.kind) == ("Proposal", "offer")
    assert data.name == "Cours de guitare pour débutants"
    assert data.content == "<p>Une heure par semaine, chez moi ou chez vous.</p>"
    # No listingIntent, no intent hashtag: FEP-0837's action tells a service from a thing.
    assert data.listing == ListingDetails(intent="service", quantity=1)
    assert data.place == Place(name="Saint-Servan", latitude=48.636, longitude=-2.015)
    assert data.fep0837 is True
    assert data.source is None


def test_a_proposal_without_a_purpose_is_not_a_post():
    proposal = mitra()
    del proposal["purpose"]

    with pytest.raises(InvalidDocument, match="unsupported object type"):
        post_from_as(proposal)


@pytest.mark.parametrize(
    ("purpose", "action", "intent"),
    [
        ("offer", "transfer", "give"),
        ("offer", "deliverService", "service"),
        ("offer", None, "give"),
        ("request", "transfer", "item"),
        ("request", "deliverService", "help"),
        ("request", None, "help"),
    ],
)
def test_without_our_terms_the_intent_follows_purpose_and_action(purpose, action, intent):
    proposal = mitra(purpose=purpose, type="Note")
    proposal["publishes"]["action"] = action

    assert post_from_as(proposal).listing.intent == intent


def test_our_terms_win_and_bad_ones_are_ignored():
    proposal = mitra(
        listingIntent="help",  # not an offer's intent
        listingStatus="given",  # not a status
        closedAs="lent",  # only with a closed status
        reservedFor="javascript:alert(1)",
        expires="not a date",
        price="x" * 500,
        communityCategory="no-such-category",
        startTime="2026-02-01T10:00:00+01:00",
        endTime="2026-01-01T10:00:00+01:00",  # before the start
        tag=[{"type": "Hashtag", "name": "#Don"}, {"type": "Hashtag", "name": "#Solidarité"}],
    )
    proposal["publishes"]["resourceQuantity"]["hasNumericalValue"] = "99999999999999999999"

    listing = post_from_as(proposal).listing

    assert listing == ListingDetails(
        intent="give",
        status="open",
        available_from=datetime(2026, 2, 1, 9, tzinfo=UTC),
        price="x" * 40,
    )
    assert post_from_as(proposal).category == "care"  # from #solidarite


def test_a_proposal_latitude_out_of_range_is_dropped_with_its_longitude():
    proposal = mitra(location={"type": "Place", "name": "Ici", "latitude": 200, "longitude": 2})

    assert post_from_as(proposal).place == Place(name="Ici")


@pytest.mark.parametrize("value", ["3", 3, 3.0])
def test_a_quantity_as_string_or_number(value):
    proposal = mitra()
    proposal["publishes"]["resourceQuantity"]["hasNumericalValue"] = value

    assert post_from_as(proposal).listing.quantity == 3


@pytest.mark.parametrize("value", ["0", "-2", "2.5", True, None, "trois", 2.5])
def test_a_bad_quantity_is_one(value):
    proposal = mitra()
    proposal["publishes"]["resourceQuantity"]["hasNumericalValue"] = value

    assert post_from_as(proposal).listing.quantity == 1


def test_markdown_source_is_rendered_and_kept():
    proposal = mitra(
        source={"content": "Le **samedi** <script>x</script>", "mediaType": "text/markdown"}
    )

    data = post_from_as(proposal)

    assert data.content == "<p>Le <strong>samedi</strong> &lt;script&gt;x&lt;/script&gt;</p>\n"
    assert data.source == "Le **samedi** <script>x</script>"


def test_a_source_in_another_media_type_is_not_used():
    proposal = mitra(source={"content": "<b>gras</b>", "mediaType": "text/html"})

    data = post_from_as(proposal)

    assert data.content == "<p>Une heure par semaine, chez moi ou chez vous.</p>"
    assert data.source is None


def test_an_offer_of_agreement_read_back():
    activity = {
        "type": "Offer",
        "id": f"{MITRA}/activities/offer/1",
        "actor": f"{MITRA}/users/jo",
        "object": {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "satisfies": "https://quartier.example/objects/7#primary",
                "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "2"},
            },
            "stipulatesReciprocal": {"type": "Commitment", "satisfies": "x#reciprocal"},
        },
    }

    assert agreement_offer(activity) == ("https://quartier.example/objects/7", 2)


@pytest.mark.parametrize(
    "activity",
    [
        {"type": "Offer", "object": "https://quartier.example/objects/7"},
        {"type": "Offer", "object": {"type": "Note"}},
        {"type": "Offer", "object": {"type": "Agreement"}},
        {"type": "Offer", "object": {"type": "Agreement", "stipulates": {"satisfies": "urn:x"}}},
        {
            "type": "Create",
            "object": {"type": "Agreement", "stipulates": {"satisfies": "https://a/b"}},
        },
        ["not", "an", "activity"],
    ],
)
def test_other_offers_are_not_agreements(activity):
    assert agreement_offer(activity) is None


# --- Mobilizon ---------------------------------------------------------------------------


def test_a_mobilizon_event():
    document = mobilizon()

    data = post_from_as(document)

    assert (data.type, data.kind) == ("Event", "event")
    assert data.name == "Marché des producteurs de Rocabey"
    assert data.attributed_to == f"{MOBILIZON}/@marche_rocabey"
    assert data.event == EventDetails(
        starts_at=datetime(2026, 3, 14, 8, tzinfo=UTC),
        ends_at=datetime(2026, 3, 14, 12, tzinfo=UTC),
        timezone="Europe/Paris",
        status="confirmed",
        join_mode="restricted",
        capacity=40,
        participant_count=0,
    )
    assert data.event.starts_at.tzinfo is UTC
    assert data.place == Place(
        name="Halle de Rocabey",
        latitude=48.6451,
        longitude=-2.0087,
        street="14 boulevard de Rocabey",
        postal_code="35400",
        locality="Saint-Malo",
        region="Bretagne",
        country="France",
    )
    assert data.category == "local-shops"  # FOOD_DRINK: only one of ours maps to it
    assert data.summary is None
    assert data.language == "fr"  # from inLanguage
    assert data.content.startswith("<p>Légumes, fromages et cidre du pays")
    assert list(data.hashtags) == ["marche"]
    assert data.edited_at == datetime(2026, 2, 20, 8, 12, 44, tzinfo=UTC)


def test_a_mobilizon_update_brings_the_participant_count():
    data = post_from_as(mobilizon("update-event.json"))

    assert data.event is not None and data.event.participant_count == 12
    assert data.edited_at == datetime(2026, 3, 2, 19, 3, 10, tzinfo=UTC)


def test_a_cancelled_mobilizon_event():
    data = post_from_as(mobilizon("update-event-cancelled.json"))

    assert data.event is not None and data.event.status == "cancelled"
    assert data.summary is None


@pytest.mark.parametrize(
    ("patch", "status"),
    [
        ({"eventStatus": "EventCancelled"}, "cancelled"),
        ({"eventStatus": "https://w3id.org/fep/8a8e/EventPostponed"}, "tentative"),
        ({"eventStatus": "EventRescheduled", "ical:status": "CANCELLED"}, "confirmed"),
        ({"ical:status": "TENTATIVE", "status": "TENTATIVE"}, "tentative"),
        ({"ical:status": None, "status": "cancelled"}, "cancelled"),
        ({"ical:status": 3, "status": None}, "confirmed"),
    ],
)
def test_event_status_from_fep_8a8e_then_ical(patch, status):
    assert post_from_as(mobilizon(**patch)).event.status == status


@pytest.mark.parametrize(
    ("join_mode", "expected"),
    [
        ("free", "free"),
        ("restricted", "restricted"),
        ("invite", "restricted"),
        ("external", "external"),
        ("none", "external"),
        ("everyone", "free"),
        (None, "free"),
        (["free"], "free"),
    ],
)
def test_join_modes(join_mode, expected):
    assert post_from_as(mobilizon(joinMode=join_mode)).event.join_mode == expected


def test_the_category_is_ours_first_then_mobilizons_when_unambiguous():
    ours = post_from_as(mobilizon(communityCategory="carpooling"))
    ambiguous = post_from_as(mobilizon(category="COMMUNITY"))  # several of ours map to it
    unknown = post_from_as(mobilizon(category="TODO remove me"))
    several = post_from_as(mobilizon(category=["MUSIC", "meeting"]))

    assert ours.category == "carpooling"
    assert ambiguous.category is None
    assert unknown.category is None
    assert several.category == "town-hall"


@pytest.mark.parametrize(
    ("patch", "capacity", "participants"),
    [
        ({"maximumAttendeeCapacity": "40"}, None, 0),
        ({"maximumAttendeeCapacity": 0}, None, 0),  # Mobilizon: no limit
        ({"maximumAttendeeCapacity": -5}, None, 0),
        ({"maximumAttendeeCapacity": 12.5}, None, 0),
        ({"maximumAttendeeCapacity": True}, None, 0),
        ({"participantCount": -3}, 40, 0),
        ({"participantCount": "7"}, 40, 0),
        ({"participantCount": 10**12}, 40, 0),
        ({"participantCount": None, "attendees": {"type": "Collection", "totalItems": 9}}, 40, 9),
    ],
)
def test_bad_counts_are_dropped(patch, capacity, participants):
    details = post_from_as(mobilizon(**patch)).event

    assert (details.capacity, details.participant_count) == (capacity, participants)


def test_coordinates_out_of_range_are_dropped_the_address_kept():
    document = mobilizon()
    document["location"]["latitude"] = 200

    place = post_from_as(document).place

    assert place is not None and place.latitude is None and place.longitude is None
    assert place.street == "14 boulevard de Rocabey"


@pytest.mark.parametrize("latitude", ["48.6", None, float("nan")])
def test_coordinates_that_are_not_numbers_are_dropped(latitude):
    document = mobilizon()
    document["location"]["latitude"] = latitude

    assert not post_from_as(document).place.has_coordinates


@pytest.mark.parametrize(
    "patch",
    [
        {"startTime": None},
        {"startTime": "le 14 mars"},
        {"startTime": 1773475200},
        {"startTime": "9999-12-31T20:00:00+01:00"},
        {"startTime": "9999-12-31T23:30:00-05:00"},
        {"startTime": "0001-01-01T00:30:00+01:00"},
        {"startTime": "1066-10-14T09:00:00Z"},
    ],
    ids=["missing", "words", "number", "year-9999", "past-9999-in-utc", "year-1", "year-1066"],
)
def test_an_event_without_a_usable_start_is_refused(patch):
    document = mobilizon(**patch)
    if patch["startTime"] is None:
        del document["startTime"]

    with pytest.raises(InvalidDocument, match="startTime"):
        post_from_as(document)


def test_an_end_before_the_start_or_not_to_be_shown_is_no_end():
    assert post_from_as(mobilizon(endTime="2026-03-13T09:00:00+01:00")).event.ends_at is None
    assert post_from_as(mobilizon(displayEndTime=False)).event.ends_at is None
    assert post_from_as(mobilizon(endTime="9999-12-31T23:00:00Z")).event.ends_at is None


def test_a_past_remote_event_is_kept():
    # It happened: its page may still be linked, and it is no one's typing mistake here.
    document = mobilizon(startTime="2019-05-04T14:00:00+02:00", endTime=None)
    del document["endTime"]

    event = post_from_as(document).event

    assert event.starts_at == datetime(2019, 5, 4, 12, 0, tzinfo=UTC)


# The fixture's start is written `2026-03-14T09:00:00+01:00`: UTC+01:00 is `Etc/GMT-1`.
@pytest.mark.parametrize(
    ("timezone", "expected"),
    [("America/Montreal", "America/Montreal"), ("Mars/Olympus", "Etc/GMT-1"),
     ("../../etc", "Etc/GMT-1"), (42, "Etc/GMT-1"), ("E" * 300, "Etc/GMT-1")],
)  # fmt: skip
def test_unknown_time_zones_fall_back_to_the_offset_of_the_start(timezone, expected):
    assert post_from_as(mobilizon(timezone=timezone)).event.timezone == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [("2026-03-14T19:00:00+01:00", "Etc/GMT-1"), ("2026-03-14T19:00:00-04:00", "Etc/GMT+4"),
     ("2026-03-14T19:00:00Z", "UTC"), ("2026-03-14T19:00:00", "UTC"),
     ("2026-03-14T19:00:00+05:30", "UTC")],
)  # fmt: skip
def test_without_a_zone_the_offset_the_start_was_written_with_is_kept(start, expected):
    # Gancio and Friendica send no `timezone`: 19:00+01:00 was 19:00 where it happens.
    document = mobilizon(startTime=start)
    del document["timezone"], document["endTime"]

    event = post_from_as(document).event

    assert event.timezone == expected


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://billetterie.example/marche", True),
        ("mailto:marche@agenda.example", True),
        ("javascript:alert(1)", False),
        (["https://billetterie.example/marche"], False),
    ],
)
def test_external_participation_urls(url, kept):
    details = post_from_as(mobilizon(joinMode="external", externalParticipationUrl=url)).event

    assert details.external_url == (url if kept else None)


def test_a_hybrid_event_takes_its_first_physical_place():
    location = [
        {"type": "VirtualLocation", "name": "Flux", "url": "https://video.example/live"},
        {"type": "Place", "name": "Halle", "address": "1 place du Marché"},
    ]

    place = post_from_as(mobilizon(location=location)).place

    assert place == Place(name="Halle", street="1 place du Marché")


def test_event_html_is_sanitised_and_lengths_bounded():
    document = mobilizon(
        content='<p onclick="x()">Salut<script>alert(1)</script><img src="x"></p>',
        name="N" * 5000,
    )
    document["location"]["name"] = "L" * 5000

    data = post_from_as(document)

    assert data.content == "<p>Salut</p>"
    assert len(data.name) == 500
    assert len(data.place.name) == 200


# --- Gancio ------------------------------------------------------------------------------


def test_a_gancio_event():
    data = post_from_as(gancio())

    assert (data.type, data.kind) == ("Event", "event")
    assert data.name == "Concert de la chorale du quartier"
    assert data.event == EventDetails(
        starts_at=datetime(2026, 4, 18, 18, 30, tzinfo=UTC),
        ends_at=datetime(2026, 4, 18, 20, tzinfo=UTC),
        timezone="Etc/GMT-2",  # Gancio names no zone: the offset it wrote, UTC+02:00
    )
    # An untyped location with the address as one string, read into PostalAddress's fields
    assert data.place == Place(
        name="Église Saint-Pierre",
        latitude=48.6392,
        longitude=-2.0275,
        street="Place Saint-Pierre",
        postal_code="35400",
        locality="Saint-Malo",
    )
    assert list(data.hashtags) == ["chorale"]  # from a relative href
    assert data.summary is None
    assert data.category is None
    assert data.url == f"{GANCIO}/event/concert-de-la-chorale-du-quartier"


@pytest.mark.parametrize(
    ("address", "fields"),
    [
        ("Place Saint-Pierre, 35400 Saint-Malo",
         {"street": "Place Saint-Pierre", "postal_code": "35400", "locality": "Saint-Malo"}),
        ("10 Rue Jangot, 69007 Lyon, France",
         {"street": "10 Rue Jangot", "postal_code": "69007", "locality": "Lyon",
          "country": "France"}),
        ("10 Rue Jangot, 69007 Lyon, Auvergne-Rhône-Alpes, France",
         {"street": "10 Rue Jangot", "postal_code": "69007", "locality": "Lyon",
          "region": "Auvergne-Rhône-Alpes", "country": "France"}),
        ("Via dei Fori Imperiali, Roma", {"street": "Via dei Fori Imperiali", "locality": "Roma"}),
        ("35400 Saint-Malo", {"postal_code": "35400", "locality": "Saint-Malo"}),
        ("Colosseo", {"street": "Colosseo"}),
    ],
)  # fmt: skip
def test_a_one_line_address_is_read_into_postal_address_fields(address, fields):
    # Gancio writes its places' addresses as one line; Mobilizon's PostalAddress has fields.
    document = gancio()
    document["location"]["address"] = address

    place = post_from_as(document).place

    assert place == Place(
        name=place.name, latitude=place.latitude, longitude=place.longitude, **fields
    )


def test_a_gancio_event_without_end_or_place():
    document = gancio()
    del document["endTime"], document["location"]

    data = post_from_as(document)

    assert data.event is not None and data.event.ends_at is None
    assert data.place is None
