"""Photos in the web app: an offer with two photos and their descriptions, the errors
beside the fields (a photo without its description, a file that is not a picture, a
picture too large), a re-shown form that asks for the files again, the event's poster,
a resident's avatar and header image, and pages that link to no other server."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fedlocal.store import posts as post_store
from tests.media.pictures import photo_with_gps, picture

from .web_client import WebClient

OFFER = {"intent": "lend", "title": "Perceuse", "category": "objects", "quarter": "Intra-Muros"}


async def _publish(client: WebClient, path: str, data: dict[str, str], files: dict[str, bytes]):
    token = await client.token(path)
    return await client.http.post(
        path,
        data={"csrf_token": token, **data},
        files={name: (f"{name}.jpg", content, "image/jpeg") for name, content in files.items()},
    )


def _img_sources(html: str) -> list[str]:
    return re.findall(r'<img[^>]* src="([^"]+)"', html) + [
        url
        for srcset in re.findall(r'srcset="([^"]+)"', html)
        for url in re.findall(r"(\S+) \d+w", srcset)
    ]


async def test_an_offer_with_two_photos_shows_them_on_its_page_and_in_the_feed(
    inst, alice, alice_web
):
    # Given two photos, one with GPS in its EXIF
    files = {"photo_1": photo_with_gps((2400, 1800)), "photo_2": picture((500, 800))}
    data = {**OFFER, "photo_1_alt": "A red drill on a bench", "photo_2_alt": "Its case"}
    # When Alice publishes an offer with them
    response = await _publish(alice_web, "/new/offer", data, files)
    # Then the offer carries both, in order, with their descriptions
    assert response.status_code == 303, response.text[:3000]
    path = response.headers["location"].split("?")[0]
    post_id = int(path.rsplit("/", 1)[1])
    async with inst.db.read() as conn:
        post = await post_store.get_post(conn, post_id)
    assert post is not None
    assert [a.description for a in post.attachments] == ["A red drill on a bench", "Its case"]
    first = post.attachments[0]
    assert (first.width, first.height) == (1600, 1200)
    assert (first.preview_width, first.preview_height) == (400, 300)
    # And its page shows them full size with both files in srcset, sizes, dimensions
    page = (await alice_web.get(path)).text
    assert 'alt="A red drill on a bench"' in page
    assert f'srcset="{first.preview_url} 400w, {first.url} 1600w"' in page
    assert 'width="1600" height="1200"' in page and 'loading="lazy"' in page
    # And the feed's card shows the thumbnail
    feed = (await alice_web.get("/feed")).text
    assert f'src="{first.preview_url}" width="400" height="300"' in feed
    # And every picture on these pages is ours, served with its type
    for url in _img_sources(page) + _img_sources(feed):
        assert url.startswith(inst.base_url + "/media/"), url
    served = await alice_web.get(first.preview_url.removeprefix(inst.base_url))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"


async def test_a_photo_without_its_description_is_refused_beside_the_field(inst, alice_web):
    response = await _publish(alice_web, "/new/offer", OFFER, {"photo_1": picture()})
    assert response.status_code == 422
    html = response.text
    # The error is beside the description field, and the form asks for the file again
    assert 'id="f-photo_1_alt-error"' in html
    assert "Describe this photo for people who cannot see it" in html
    assert "choose your photos again" in html
    assert 'enctype="multipart/form-data"' in html
    # And nothing was published or kept
    assert "Perceuse" not in (await alice_web.get("/feed")).text
    assert not (inst.config.data_dir / "media").exists()


async def test_pipeline_refusals_are_plain_words_in_the_residents_language(inst, alice):
    async with WebClient(inst.base_url, language="fr") as client:
        await client.log_in("alice")
        data = {**OFFER, "photo_1_alt": "Un dessin"}
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        response = await _publish(client, "/new/offer", data, {"photo_1": svg})
        assert response.status_code == 422
        assert 'id="f-photo_1-error"' in response.text
        assert "pas une photo que nous savons lire" in response.text
        # A description kept without its file asks for the file
        response = await _publish(client, "/new/offer", data, {})
        assert response.status_code == 422
        assert "Choisissez à nouveau cette photo" in response.text


async def test_an_event_carries_one_poster(inst, alice, alice_web):
    data = {
        "title": "Troc de plantes",
        "category": "objects",
        # Within the two years an event may be announced ahead
        "starts_on": (date.today() + timedelta(days=30)).isoformat(),
        "starts_time": "14:00",
        "quarter": "Intra-Muros",
        "join_mode": "free",
        "visibility": "public",
        "poster_alt": "A poster with plants",
    }
    response = await _publish(alice_web, "/new/event", data, {"poster": picture((900, 1200))})
    assert response.status_code == 303, response.text[:3000]
    page = (await alice_web.get(response.headers["location"].split("?")[0])).text
    assert 'alt="A poster with plants"' in page


async def test_a_resident_chooses_an_avatar_and_a_header_image(inst, alice, alice_web):
    token = await alice_web.token("/settings")
    response = await alice_web.http.post(
        "/settings/profile",
        data={"csrf_token": token, "display_name": "Alice Martin"},
        files={
            "avatar": ("me.jpg", picture((300, 300)), "image/jpeg"),
            "header": ("street.png", picture((1500, 500), kind="PNG"), "image/png"),
        },
    )
    assert response.status_code == 303, response.text[:3000]
    profile = (await alice_web.get("/@alice")).text
    assert 'class="header-image"' in profile and 'class="avatar"' in profile
    for url in _img_sources(profile):
        assert url.startswith(inst.base_url + "/media/"), url


async def test_a_groups_moderator_chooses_its_pictures(inst, alice, alice_web):
    # Given alice's group
    response = await alice_web.submit(
        "/groups", "/groups", {"username": "jardins", "display_name": "Jardins"}
    )
    assert response.status_code == 303, response.text[:2000]
    # When she sends an avatar that is not a picture, then a real one
    token = await alice_web.token("/groups/jardins")
    refused = await alice_web.http.post(
        "/groups/jardins/pictures",
        data={"csrf_token": token},
        files={"avatar": ("a.jpg", b"not a picture", "image/jpeg")},
    )
    assert refused.status_code == 422
    assert 'id="f-avatar-error"' in refused.text
    token = await alice_web.token("/groups/jardins")
    response = await alice_web.http.post(
        "/groups/jardins/pictures",
        data={"csrf_token": token},
        files={"avatar": ("a.jpg", picture((300, 300)), "image/jpeg")},
    )
    assert response.status_code == 303, response.text[:2000]
    # Then the group's page shows it, from our server
    page = (await alice_web.get("/groups/jardins")).text
    assert 'class="avatar"' in page
    assert all(url.startswith(inst.base_url + "/media/") for url in _img_sources(page))
