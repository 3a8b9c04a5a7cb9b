"""Our pictures in ActivityStreams, shaped as Mastodon sends them (its real payload:
/work/shared/fixtures/real/mastodon/note-with-image.json, kept in tests/fixtures), and
terms a JSON-LD processor expands to Mastodon's."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from activitypub import jsonld
from fedlocal.federation import to_as
from fedlocal.federation.from_as.posts import post_from_as
from fedlocal.models import Attachment, ListingDetails
from tests.federation.test_to_as import URLS, keys_of, local_actor, post
from tests.support.model_builders import URLS as EVENT_URLS
from tests.support.model_builders import event, resident, undefined_terms

FIXTURE = Path(__file__).parent.parent / "fixtures" / "mastodon" / "note-with-image.json"
TOOT = "http://joinmastodon.org/ns#"

PHOTO = Attachment(
    url=f"{URLS.base}/media/ab/{'ab' * 32}.jpg",
    media_type="image/jpeg",
    width=1600,
    height=1200,
    preview_url=f"{URLS.base}/media/cd/{'cd' * 32}.jpg",
    preview_width=400,
    preview_height=300,
    blurhash="LKO2?U%2Tw=w]~RBVZRi};RPxuwH",
    description="Une perceuse rouge sur un établi",
    focus=(-0.5, 0.25),
    media_id=3,
)


def test_a_note_with_a_photo_carries_a_mastodon_shaped_attachment() -> None:
    mastodon = json.loads(FIXTURE.read_text())["attachment"][0]
    document = to_as.post_object(post(attachments=(PHOTO,)), local_actor(), URLS)
    [attachment] = document["attachment"]
    # Every field Mastodon sends, with Mastodon's types and meanings
    assert set(mastodon) <= set(attachment)
    assert attachment == {
        "type": "Document",
        "mediaType": "image/jpeg",
        "url": PHOTO.url,
        "name": "Une perceuse rouge sur un établi",
        "blurhash": "LKO2?U%2Tw=w]~RBVZRi};RPxuwH",
        "width": 1600,
        "height": 1200,
        "focalPoint": [-0.5, 0.25],
    }


def test_a_picture_without_description_has_a_null_name_as_mastodons() -> None:
    bare = Attachment(url=PHOTO.url, media_type="image/webp")
    [attachment] = to_as.post_object(post(attachments=(bare,)), local_actor(), URLS)["attachment"]
    assert attachment["name"] is None and attachment["mediaType"] == "image/webp"


def test_a_post_without_pictures_has_no_attachment() -> None:
    assert "attachment" not in to_as.post_object(post(), local_actor(), URLS)


def test_blurhash_and_focal_point_expand_to_mastodons_terms() -> None:
    document = to_as.object_document(post(attachments=(PHOTO,)), local_actor(), URLS)
    [expanded] = jsonld.expand(document)
    [attachment] = expanded["https://www.w3.org/ns/activitystreams#attachment"]
    assert attachment[TOOT + "blurhash"] == [{"@value": PHOTO.blurhash}]
    assert attachment[TOOT + "focalPoint"] == [{"@list": [{"@value": -0.5}, {"@value": 0.25}]}]
    assert attachment["https://www.w3.org/ns/activitystreams#name"] == [
        {"@value": PHOTO.description}
    ]


def test_an_offer_carries_its_photos_too() -> None:
    offer = post(
        kind="offer",
        name="Perceuse",
        listing=ListingDetails(intent="lend"),
        attachments=(PHOTO, PHOTO),
    )
    document = to_as.object_document(offer, local_actor(), URLS)
    assert [a["url"] for a in document["attachment"]] == [PHOTO.url, PHOTO.url]
    [expanded] = jsonld.expand(document)
    [first, _second] = expanded["https://www.w3.org/ns/activitystreams#attachment"]
    assert TOOT + "blurhash" in first


def test_an_actor_with_an_avatar_and_a_header_carries_icon_and_image() -> None:
    avatar = f"{URLS.base}/media/ef/{'ef' * 32}.jpg"
    header = f"{URLS.base}/media/01/{'01' * 32}.webp"
    actor = local_actor(icon_url=avatar, image_url=header)
    document = to_as.actor_document(actor, keys_of(actor), URLS)
    assert document["icon"] == {"type": "Image", "mediaType": "image/jpeg", "url": avatar}
    assert document["image"] == {"type": "Image", "mediaType": "image/webp", "url": header}
    bare = local_actor()
    assert "icon" not in to_as.actor_document(bare, keys_of(bare), URLS)


def test_an_events_poster_is_mobilizons_banner_and_fep_8a8e_image_and_reads_back() -> None:
    # Given one of our events with a poster described for people who cannot see it
    poster = replace(PHOTO, url=f"{EVENT_URLS.base}/media/ab/{'ab' * 32}.jpg")
    document = to_as.object_document(event(attachments=(poster,)), resident(), EVENT_URLS)
    # Then Mobilizon finds it by its name, "Banner" (how Mobilizon sends its posters)
    [banner] = document["attachment"]
    assert banner["type"] == "Document" and banner["name"] == "Banner"
    assert banner["url"] == poster.url and banner["mediaType"] == "image/jpeg"
    # And FEP-8a8e's `image` carries it with its description
    assert document["image"] == {
        "type": "Image",
        "mediaType": "image/jpeg",
        "url": poster.url,
        "name": "Une perceuse rouge sur un établi",
    }
    assert not undefined_terms(document)
    # And another fedlocal reads one poster, with its description
    [read] = post_from_as(document).attachments
    assert read.remote_url == poster.url and read.description == poster.description
