"""Pictures read from what other servers send (only their addresses and descriptions:
services/remote_media.py fetches them): Mastodon's attachment (its real payload),
Mobilizon's event with links and its poster, Gancio's event, a Lemmy page
with its image link; what is not a picture is left out, and four at most are kept."""

from __future__ import annotations

import json
from pathlib import Path

from fedlocal.federation.from_as import post_from_as
from tests.support.fixtures import load_fixture

MOBILIZON = "https://mobilizon.example"
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _object(path: Path) -> dict:
    document = json.loads(path.read_text("utf-8"))
    return document.get("object", document) if document.get("type") == "Create" else document


def test_a_mastodon_attachment() -> None:
    note = _object(FIXTURES / "mastodon" / "note-with-image.json")
    [picture] = post_from_as(note).attachments
    assert picture.remote_url == note["attachment"][0]["url"]
    assert picture.url == "" and picture.description is None
    assert picture.blurhash == "UIF=jrpIM|~q~VT0%2t6Ne9a?G-;9ZRP%2Rk"


def test_a_mobilizon_event_keeps_its_image_not_its_links() -> None:
    # Mobilizon's shape (its captured payload, rewritten in tests/fixtures): links to web
    # pages and a picture Document without a name
    event = load_fixture(
        "mobilizon/event-with-media.json", base=MOBILIZON, uuid="2", username="ana"
    )
    [picture] = post_from_as(event).attachments
    assert picture.remote_url == f"{MOBILIZON}/media/atelier-velo.png"
    assert picture.media_type == "image/png" and picture.description is None


def test_a_mobilizon_poster_named_banner_comes_first_without_a_description() -> None:
    event = load_fixture(
        "mobilizon/create-event.json",
        base="https://mobilizon.example",
        uuid="1",
        username="ana",
        group="marche",
    )["object"]
    event["attachment"].insert(
        0,
        {
            "type": "Document",
            "mediaType": "image/jpeg",
            "url": "https://mobilizon.example/media/plan.jpg",
            "name": "Le plan",
        },
    )
    [poster, plan] = post_from_as(event).attachments
    assert poster.remote_url == "https://mobilizon.example/media/affiche-marche.jpg"
    assert poster.description is None
    assert plan.description == "Le plan"


def test_a_gancio_event_image() -> None:
    create = load_fixture(
        "gancio/create-event.json", base="https://gancio.example", username="relay", event_id="7"
    )
    [picture] = post_from_as(create["object"]).attachments
    assert picture.remote_url == "https://gancio.example/media/chorale.jpg"
    assert picture.description is None


def test_a_lemmy_page_with_its_image_link_once() -> None:
    page = load_fixture("lemmy/page-with-image.json", base="https://lemmy.example", username="ana")
    [picture] = post_from_as(page).attachments
    assert picture.remote_url == "https://lemmy.example/pictrs/image/xl8W7FZfk9.png"


def test_not_pictures_and_past_four_are_left_out() -> None:
    note = _object(FIXTURES / "mastodon" / "note-with-image.json")
    note["attachment"] = [
        {"type": "Document", "mediaType": "video/mp4", "url": "https://m.example/v.mp4"},
        {"type": "Link", "href": "https://m.example/page.html", "mediaType": "text/html"},
        {"type": "Document", "mediaType": "image/jpeg", "url": "javascript:alert(1)"},
        {"type": "Document", "mediaType": "image/jpeg"},
        "https://m.example/a-string.jpg",
        *(
            {
                "type": "Document",
                "mediaType": "image/jpeg",
                "url": f"https://m.example/{n}.jpg",
                "name": "x" * 5000,
                "focalPoint": [3, "a"],
            }
            for n in range(6)
        ),
    ]
    pictures = post_from_as(note).attachments
    assert [p.remote_url for p in pictures] == [f"https://m.example/{n}.jpg" for n in range(4)]
    assert all(len(p.description or "") == 1500 and p.focus == (0.0, 0.0) for p in pictures)
