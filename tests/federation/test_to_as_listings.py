"""Offers and requests as we publish them: a `Note` Mastodon shows well (title, key facts
and hashtags in `content`) carrying FEP-0837 and our own terms for peers that read them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from activitypub import jsonld
from activitypub.addressing import PUBLIC
from fedlocal.categories import Categories, Category
from fedlocal.federation import from_as, to_as
from fedlocal.federation.from_as import post_from_as
from fedlocal.models import Place
from tests.support.model_builders import (
    URLS,
    WHEN,
    offer,
    request,
    resident,
    undefined_terms,
    with_listing,
)

ANA = resident()
BOB = "https://mastodon.example/users/bob"


def tag_link(name: str) -> str:
    return (
        f'<a href="https://quartier.example/tags/{name}" class="mention hashtag" rel="tag">'
        f"#<span>{name}</span></a>"
    )


# --- what Mastodon shows -----------------------------------------------------------------


def test_the_content_holds_title_key_facts_description_and_hashtags():
    document = to_as.object_document(offer(), ANA, URLS)

    assert document["type"] == "Note"
    assert document["content"] == (
        "<p><strong>Perceuse à prêter</strong></p>"
        "<p>Offre : prêt<br>"
        "Catégorie : Bricolage et jardinage<br>"
        "Lieu : Rocabey<br>"
        "Disponibilité : du 1er décembre 2025 au 10 décembre 2025</p>"
        "<p>Une perceuse <strong>Bosch</strong>, avec ses mèches.</p>\n"
        f"<p>{tag_link('offre')} {tag_link('pret')} {tag_link('bricolage')}</p>"
    )
    assert document["contentMap"] == {"fr": document["content"]}
    assert document["name"] == "Perceuse à prêter"


def test_the_key_facts_in_english():
    content = to_as.object_document(offer(), ANA, URLS, language="en")["content"]

    assert (
        "<p>Offer: to lend<br>Category: DIY and gardening<br>Where: Rocabey<br>"
        "Available: 1 December 2025 to 10 December 2025</p>"
    ) in content


@pytest.mark.parametrize(
    ("language", "status", "closed_as", "words"),
    [
        ("fr", "reserved", None, "Statut : Réservé"),
        ("fr", "closed", "given", "Statut : Donné"),
        ("fr", "closed", "lent", "Statut : Prêté"),
        ("fr", "closed", "done", "Statut : Terminé"),
        ("fr", "closed", None, "Statut : Clos"),
        ("fr", "cancelled", None, "Statut : Annulé"),
        ("en", "reserved", None, "Status: Reserved"),
        ("en", "closed", "given", "Status: Given"),
    ],
)
def test_a_status_other_than_open_is_stated(language, status, closed_as, words):
    changed = with_listing(offer(), status=status, closed_as=closed_as)

    content = to_as.object_document(changed, ANA, URLS, language=language)["content"]

    assert f"<br>{words}</p>" in content


def test_an_open_offer_states_no_status():
    content = to_as.object_document(offer(), ANA, URLS)["content"]

    assert "Statut" not in content


def test_availability_dates_are_those_of_the_instance_time_zone():
    # 23:30 UTC on 30 November is already 1 December in Paris.
    late = with_listing(
        offer(), available_from=datetime(2025, 11, 30, 23, 30, tzinfo=UTC), available_until=None
    )

    paris = to_as.object_document(late, ANA, URLS)["content"]
    utc = to_as.object_document(late, ANA, URLS, timezone="UTC")["content"]

    assert "Disponibilité : à partir du 1er décembre 2025" in paris
    assert "Disponibilité : à partir du 30 novembre 2025" in utc


def test_a_sale_states_its_price():
    sale = with_listing(offer(hashtags=tuple([])), intent="sell", price="15 €")

    document = to_as.object_document(sale, ANA, URLS)

    assert "Offre : vente<br>" in document["content"]
    assert "Prix : 15 €" in document["content"]
    assert document["price"] == "15 €"


def test_the_title_and_facts_are_escaped():
    sneaky = offer(name="<script>alert(1)</script> & co", place=Place(name="<b>Rocabey</b>"))

    content = to_as.object_document(sneaky, ANA, URLS)["content"]

    assert "<script>" not in content and "<b>Rocabey" not in content
    assert "<p><strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</strong></p>" in content
    assert "Lieu : &lt;b&gt;Rocabey&lt;/b&gt;" in content


# --- hashtags ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "intent", "action", "hashtags"),
    [
        (offer, "give", "transfer", ["offre", "don", "bricolage"]),
        (offer, "lend", "transfer", ["offre", "pret", "bricolage"]),
        (offer, "sell", "transfer", ["offre", "vente", "bricolage"]),
        (offer, "service", "deliverService", ["offre", "service", "bricolage"]),
        (request, "help", "deliverService", ["demande", "entraide"]),
        (request, "item", "transfer", ["demande", "recherche"]),
    ],
)
def test_kind_intent_and_category_give_the_action_and_the_hashtags(make, intent, action, hashtags):
    post = with_listing(make(hashtags=tuple([])), intent=intent)

    document = to_as.object_document(post, ANA, URLS)

    assert document["purpose"] == post.kind
    assert document["publishes"]["action"] == action
    assert document["listingIntent"] == intent
    assert [t["name"] for t in document["tag"]] == [f"#{h}" for h in hashtags]
    assert document["tag"][0] == {
        "type": "Hashtag",
        "name": f"#{hashtags[0]}",
        "href": f"https://quartier.example/tags/{hashtags[0]}",
    }
    assert all(tag_link(h) in document["content"] for h in hashtags)


def test_other_hashtags_of_the_post_follow_the_derived_ones():
    post = offer(hashtags=tuple(["pret", "perceuse"]))

    tags = [t["name"] for t in to_as.object_document(post, ANA, URLS)["tag"]]

    assert tags == ["#offre", "#pret", "#bricolage", "#perceuse"]


def test_an_instance_category_gives_its_own_label_and_hashtag():
    categories = Categories((Category("bikes", "Vélos", "Bikes", "velos"),))
    post = offer(category="bikes", hashtags=tuple([]))

    document = to_as.object_document(post, ANA, URLS, categories=categories)

    assert "Catégorie : Vélos" in document["content"]
    assert document["communityCategory"] == "bikes"
    assert "#velos" in [t["name"] for t in document["tag"]]


# --- FEP-0837 and fedlocal terms ---------------------------------------------------------


def test_fep_0837_fields():
    post = with_listing(offer(), quantity=3)

    document = to_as.object_document(post, ANA, URLS)

    assert document["purpose"] == "offer"
    assert document["publishes"] == {
        "type": "Intent",
        "id": f"{post.uri}#primary",
        "action": "transfer",
        "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "3"},
    }
    assert document["unitBased"] is False
    # Offers give the quarter and rounded coordinates, never an address.
    assert document["location"] == {
        "type": "Place",
        "name": "Rocabey",
        "latitude": 48.648,
        "longitude": -2.005,
    }
    assert document["startTime"] == "2025-12-01T08:00:00Z"
    assert document["endTime"] == "2025-12-10T18:00:00Z"
    assert document["source"] == {
        "content": "Une perceuse **Bosch**, avec ses mèches.",
        "mediaType": "text/markdown",
    }


def test_our_own_terms():
    post = with_listing(
        offer(), status="closed", closed_as="lent", reserved_for=BOB, price="2 € la journée"
    )

    document = to_as.object_document(post, ANA, URLS)

    assert document["communityCategory"] == "diy-gardening"
    assert (document["listingIntent"], document["listingStatus"]) == ("lend", "closed")
    assert document["closedAs"] == "lent"
    assert document["reservedFor"] == BOB
    assert document["expires"] == "2026-01-27T09:30:00Z"
    assert document["price"] == "2 € la journée"
    assert document["@context"] == to_as.LISTING_CONTEXT
    terms = document["@context"][1]
    assert terms["fedlocal"] == "https://fedlocal.org/ns#"
    assert terms["reservedFor"] == {"@id": "fedlocal:reservedFor", "@type": "@id"}


LENT = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)


def lent_to_bob(**changes):
    """Ana's drill, lent to Bob on 10 January 2026 until 17 January 2099."""
    loan = {"status": "closed", "closed_as": "lent", "reserved_for": BOB, "lent_at": LENT}
    return with_listing(offer(), **{**loan, "due_on": date(2099, 1, 17), **changes})


def test_a_loan_carries_its_handover_return_day_and_step():
    post = lent_to_bob()

    update = to_as.update(to_as.object_document(post, ANA, URLS), ANA, WHEN, step="lent")

    sent = update["object"]
    assert (sent["listingStep"], sent["loanStatus"]) == ("lent", "lent")
    assert (sent["lentAt"], sent["dueOn"]) == ("2026-01-10T09:30:00Z", "2099-01-17")
    assert "returnedAt" not in sent
    assert "Statut : Prêté jusqu&#x27;au 17 janvier 2099" in sent["content"]
    # and a fedlocal instance reads it back
    copy = post_from_as(json.loads(json.dumps(sent)), categories=Categories())
    assert copy.listing is not None
    assert (copy.listing.lent_at, copy.listing.due_on) == (LENT, date(2099, 1, 17))
    assert copy.listing.on_loan


def test_a_loan_past_its_day_is_overdue_and_a_returned_one_says_so():
    lent = lent_to_bob(due_on=date(2026, 1, 12))
    returned = with_listing(lent, closed_as="returned", returned_at=LENT + timedelta(days=1))

    assert to_as.object_document(lent, ANA, URLS)["loanStatus"] == "overdue"
    document = to_as.object_document(returned, ANA, URLS)
    assert (document["loanStatus"], document["returnedAt"]) == ("returned", "2026-01-11T09:30:00Z")


def test_loan_terms_expand_to_our_namespace_with_their_types():
    post = lent_to_bob()
    update = to_as.update(to_as.object_document(post, ANA, URLS), ANA, WHEN, step="lent")

    [expanded] = jsonld.expand(update)
    [obj] = expanded["https://www.w3.org/ns/activitystreams#object"]

    ns, xsd = "https://fedlocal.org/ns#", "http://www.w3.org/2001/XMLSchema#"
    assert obj[ns + "dueOn"] == [{"@type": xsd + "date", "@value": "2099-01-17"}]
    assert obj[ns + "lentAt"] == [{"@type": xsd + "dateTime", "@value": "2026-01-10T09:30:00Z"}]
    assert obj[ns + "listingStep"] == [{"@value": "lent"}]
    assert obj[ns + "loanStatus"] == [{"@value": "lent"}]


def test_loan_terms_out_of_place_or_malformed_are_dropped():
    document = to_as.object_document(
        with_listing(offer(), status="reserved", reserved_for=BOB), ANA, URLS
    )
    document.update(lentAt="2026-01-10T09:30:00Z", dueOn="2099-01-17")
    reserved = post_from_as(document, categories=Categories())
    document.update(listingStatus="closed", closedAs="lent", dueOn="17/01/2099")
    malformed = post_from_as(document, categories=Categories())

    assert reserved.listing.due_on is None and reserved.listing.lent_at is None
    assert malformed.listing.due_on is None


def test_absent_values_are_left_out():
    bare = request(category=None, place=None)

    document = to_as.object_document(bare, ANA, URLS)

    for absent in ("location", "startTime", "endTime", "communityCategory", "closedAs"):
        assert absent not in document
    for absent in ("reservedFor", "expires", "price", "updated", "summary", "inReplyTo"):
        assert absent not in document
    assert "Catégorie" not in document["content"] and "Lieu" not in document["content"]


def test_a_listing_is_addressed_as_a_note_is():
    unlisted = offer(visibility="unlisted")

    document = to_as.object_document(unlisted, ANA, URLS)

    assert document["to"] == [ANA.followers_url]
    assert document["cc"] == [PUBLIC]


# --- activities --------------------------------------------------------------------------


def test_create_update_and_delete_carry_a_listing():
    post = offer(edited_at=WHEN)

    create = to_as.create(post, ANA, URLS, categories=Categories(), language="fr")
    update = to_as.update(to_as.object_document(post, ANA, URLS), ANA, WHEN)
    delete = to_as.delete(post, ANA)

    assert create["@context"] == to_as.LISTING_CONTEXT
    assert create["object"]["purpose"] == "offer"
    assert "@context" not in create["object"]
    assert (create["to"], create["cc"]) == (create["object"]["to"], create["object"]["cc"])
    assert update["@context"] == to_as.LISTING_CONTEXT
    assert update["object"]["publishes"]["id"] == f"{post.uri}#primary"
    assert delete["object"] == {"id": post.uri, "type": "Tombstone"}


def test_the_positional_create_of_a_note_is_unchanged():
    note = replace(offer(), kind="note", listing=None, hashtags=tuple([]))

    create = to_as.create(note, ANA, URLS)

    assert create["@context"] == to_as.OBJECT_CONTEXT
    assert "purpose" not in create["object"]


def test_a_post_said_to_be_an_offer_without_details_is_refused():
    with pytest.raises(ValueError, match="not an offer or a request"):
        to_as.object_document(offer(listing=None), ANA, URLS)


# --- FEP-0837 responses ------------------------------------------------------------------


def test_an_offer_of_agreement_and_how_we_read_it():
    listing = offer()
    bob = resident("bob")

    activity = to_as.offer_agreement(bob, listing.uri, ANA.uri, f"{bob.uri}#offers/1", 2)

    assert activity["type"] == "Offer"
    assert activity["id"] == f"{bob.uri}#offers/1"
    assert (activity["actor"], activity["to"]) == (bob.uri, [ANA.uri])
    assert activity["object"] == {
        "type": "Agreement",
        "stipulates": {
            "type": "Commitment",
            "satisfies": f"{listing.uri}#primary",
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "2"},
        },
    }
    assert from_as.agreement_offer(activity) == (listing.uri, 2)


def test_the_accept_of_an_offer_carries_the_agreement():
    listing = offer()
    agreement = "https://quartier.example/agreements/5"

    accept = to_as.accept_offer(ANA, "https://mitra.example/offers/9", BOB, agreement, listing.uri)

    assert accept["type"] == "Accept"
    assert (accept["actor"], accept["to"]) == (ANA.uri, [BOB])
    assert accept["object"] == "https://mitra.example/offers/9"
    assert accept["result"] == {
        "type": "Agreement",
        "id": agreement,
        "attributedTo": ANA.uri,
        "stipulates": {
            "id": f"{agreement}#primary",
            "type": "Commitment",
            "satisfies": f"{listing.uri}#primary",
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
        },
    }


def test_an_agreement_id_with_a_fragment_gets_no_second_fragment():
    agreement = f"{offer().uri}#agreements/3"

    accept = to_as.accept_offer(ANA, "https://m.example/o/1", BOB, agreement, offer().uri)

    assert accept["result"]["stipulates"]["id"] == f"{agreement}/primary"


# --- JSON-LD -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: to_as.object_document(offer(), ANA, URLS),
        lambda: to_as.create(
            with_listing(offer(), status="closed", closed_as="given", reserved_for=BOB, price="1"),
            ANA,
            URLS,
        ),
        lambda: to_as.update(to_as.object_document(request(), ANA, URLS), ANA, WHEN),
        lambda: to_as.update(
            to_as.object_document(
                lent_to_bob(closed_as="returned", returned_at=WHEN),
                ANA,
                URLS,
            ),
            ANA,
            WHEN,
            step="returned",
        ),
        lambda: to_as.delete(offer(), ANA),
        lambda: to_as.offer_agreement(ANA, offer().uri, BOB, f"{ANA.uri}#offers/1"),
        lambda: to_as.accept_offer(ANA, "https://m.example/o/1", BOB, f"{BOB}/a/1", offer().uri),
    ],
    ids=["object", "create", "update", "loan", "delete", "offer-agreement", "accept-offer"],
)
def test_every_document_expands_with_every_term_defined(build):
    assert undefined_terms(build()) == []
