"""Pictures other servers send: a Mastodon-shaped Create(Note) with two images and a
Mobilizon event with its poster are shown with our copies of their pictures (never
linked to the remote server), the author's avatar and header too; a picture at a private
address, or one that never ends, is skipped with nothing stored; the cache keeps under
its limit."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
from PIL import Image

from fedlocal.models import Attachment
from fedlocal.services import remote_media
from fedlocal.store import remote_media as remote_media_store
from tests.services.sharing_support import (
    actor_at,
    create_of,
    deliver_and_process,
    post_at,
    resident,
    we_follow,
)
from tests.support.fixtures import load_fixture

from .pictures import photo_with_gps, picture


def _mastodon_note(alice, status_id: str, attachments: list[dict]) -> dict:
    note = load_fixture(
        "mastodon/note-with-image.json",
    )
    note = {
        **note,
        "id": f"{alice.uri}/statuses/{status_id}",
        "url": f"{alice.uri}/statuses/{status_id}",
        "attributedTo": alice.uri,
        "cc": [alice.followers_url],
        "attachment": attachments,
    }
    note.pop("atomUri", None)
    return note


def _document(url: str, name: str | None) -> dict:
    return {
        "type": "Document",
        "mediaType": "image/jpeg",
        "url": url,
        "name": name,
        "blurhash": "UIF=jrpIM|~q~VT0%2t6Ne9a?G-;9ZRP%2Rk",
        "focalPoint": [0.0, 0.5],
    }


def _img_sources(html: str) -> list[str]:
    return re.findall(r'<img[^>]* src="([^"]+)"', html) + [
        url
        for srcset in re.findall(r'srcset="([^"]+)"', html)
        for url in re.findall(r"(\S+) \d+w", srcset)
    ]


async def _page(inst, path: str) -> str:
    async with httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as client:
        response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:500]
    return response.text


async def test_a_mastodon_note_with_two_images_is_shown_with_our_copies(inst, stub):
    # Given ana follows alice on a Mastodon-shaped server, whose avatar and photos it serves
    ana = await resident(inst.federation, "ana")
    alice = stub.add_actor("alice")
    avatar = stub.serve_file("/media/alice.png", picture((500, 500), kind="PNG"), "image/png")
    header = stub.serve_file("/media/alice-header.jpg", picture((1500, 500)))
    alice.overrides = {
        "icon": {"type": "Image", "mediaType": "image/png", "url": avatar},
        "image": {"type": "Image", "mediaType": "image/jpeg", "url": header},
    }
    await we_follow(inst, stub, ana, alice)
    first = stub.serve_file("/media/drill.jpg", photo_with_gps((2000, 1500)))
    second = stub.serve_file("/media/case.png", picture((300, 600), kind="PNG"), "image/png")
    note = _mastodon_note(
        alice, "1001", [_document(first, "A drill"), _document(second, "Its case")]
    )

    # When alice's Create(Note) arrives and the inbox worker takes it
    await deliver_and_process(inst, stub, alice, create_of(alice, note))

    # Then the note holds our copies, the descriptions and the remote addresses
    post = await post_at(inst.db, note["id"])
    assert post is not None
    assert [a.description for a in post.attachments] == ["A drill", "Its case"]
    assert [a.remote_url for a in post.attachments] == [first, second]
    ours = inst.base_url + "/media/"
    assert all(a.url.startswith(ours) and a.preview_url.startswith(ours) for a in post.attachments)
    assert (post.attachments[0].width, post.attachments[0].height) == (1600, 1200)
    # And our copy carries no GPS
    key = post.attachments[0].url.removeprefix(ours)
    with Image.open(inst.config.data_dir / "media" / key) as copy:
        assert not copy.getexif().get_ifd(0x8825)
    # And the page shows both, all from our server
    html = await _page(inst, f"/posts/{post.id}")
    assert 'alt="A drill"' in html and 'alt="Its case"' in html
    sources = _img_sources(html)
    assert len(sources) >= 4
    assert all(url.startswith(ours) for url in sources), sources
    # And alice's avatar beside her name is our copy, as is her header image (remote
    # people have no profile page here: their name links to their server)
    author = await actor_at(inst.db, alice.uri)
    assert author is not None and author.avatar_small_url and author.header_large_url
    assert f'src="{author.avatar_small_url}"' in html
    assert author.header_large_url.startswith(ours) and author.avatar_small_url.startswith(ours)


async def test_a_mobilizon_event_with_its_poster_is_shown(inst, stub):
    ana = await resident(inst.federation, "ana")
    alice = stub.add_actor("alice")
    market = stub.add_actor("marche", type="Group")
    await we_follow(inst, stub, ana, market)
    create = alice.fixture("mobilizon/create-event.json", uuid="9c3f", group=market.username)
    create["actor"] = create["object"]["actor"] = market.uri
    create["object"]["attributedTo"] = market.uri
    poster = create["object"]["attachment"][0]["url"]
    stub.serve_file(poster.removeprefix(stub.base_url), picture((900, 1273)))

    await deliver_and_process(inst, stub, market, create)

    post = await post_at(inst.db, create["object"]["id"])
    assert post is not None and post.kind == "event"
    [shown] = post.attachments
    assert shown.remote_url == poster and shown.description is None
    assert shown.url.startswith(inst.base_url + "/media/")
    html = await _page(inst, f"/posts/{post.id}")
    assert f'src="{shown.url}"' in html or f"{shown.url} 900w" in html
    assert all(url.startswith(inst.base_url + "/media/") for url in _img_sources(html))


async def test_pictures_that_cannot_be_fetched_are_skipped_with_nothing_stored(inst, stub):
    ana = await resident(inst.federation, "ana")
    alice = stub.add_actor("alice")
    await we_follow(inst, stub, ana, alice)
    endless = stub.serve_endless("/media/endless.jpg")
    declared = stub.serve_endless("/media/declared.jpg", declared=2 * 1024**3)
    svg = stub.serve_file("/media/drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    note = _mastodon_note(
        alice,
        "1002",
        [
            _document("http://10.0.0.1/secret.jpg", "private"),
            _document(endless, "endless"),
            _document(declared, "two gigabytes"),
            _document(svg, "a drawing"),
        ],
    )

    await deliver_and_process(inst, stub, alice, create_of(alice, note))

    post = await post_at(inst.db, note["id"])
    assert post is not None and post.attachments == ()
    async with inst.db.read() as conn:
        assert await remote_media_store.total_bytes(conn) == 0
    assert not (inst.config.data_dir / "media").exists()


async def test_the_cache_keeps_under_its_limit_oldest_first(inst, stub):
    urls = [
        stub.serve_file(f"/media/{n}.jpg", picture((800, 600), colour=(40 * n, 90, 30)))
        for n in range(3)
    ]
    for url in urls:
        await remote_media.copy_attachments(
            inst.services, [Attachment(url="", media_type="image/jpeg", remote_url=url)]
        )
    async with inst.db.read() as conn:
        copies = await remote_media_store.by_urls(conn, urls)
        total = await remote_media_store.total_bytes(conn)
    assert len(copies) == 3
    # When the limit leaves room for about two of them
    sizes = [copies[u].size_bytes for u in urls]
    inst.services.config = replace(inst.services.config, remote_media_cache_bytes=total - 1)
    removed = await remote_media.evict(inst.services)
    # Then the oldest went, rows and files
    assert removed >= 1
    async with inst.db.read() as conn:
        left = await remote_media_store.by_urls(conn, urls)
    assert urls[0] not in left and urls[2] in left
    media = inst.config.data_dir / "media"
    assert not (media / copies[urls[0]].file_key).exists()
    assert (media / copies[urls[2]].file_key).exists()
    assert sum(sizes) == total


async def test_a_boosted_note_arrives_with_our_copy_of_its_picture(inst, stub):
    # Given ana follows alice, who boosts bob's note with a photo
    ana = await resident(inst.federation, "ana")
    alice = stub.add_actor("alice")
    await we_follow(inst, stub, ana, alice)
    bob = stub.add_actor("bob")
    photo = stub.serve_file("/media/boat.jpg", picture((1000, 700)))
    note = stub.serve(bob.note("301", attachment=[_document(photo, "A boat in the harbour")]))
    announce = alice.fixture(
        "mastodon/announce.json",
        announce_id="302",
        announced=note["id"],
        announced_author=note["attributedTo"],
    )

    # When the boost arrives
    await deliver_and_process(inst, stub, alice, announce)

    # Then the note holds our copy of the photo
    post = await post_at(inst.db, note["id"])
    assert post is not None
    [copy] = post.attachments
    assert copy.remote_url == photo and copy.description == "A boat in the harbour"
    assert copy.url.startswith(inst.base_url + "/media/")
