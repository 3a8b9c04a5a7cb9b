"""Pictures through the client API: upload, describe, post and read back (with httpx and
with Mastodon.py), avatars and headers, the instance's limits, and bad uploads refused
with a clear 4xx, nothing kept and the server still answering."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon
from PIL import Image

from fedlocal.services import accounts
from fedlocal.services import media as media_service
from fedlocal.store import media as media_store
from tests.api.conftest import PASSWORD
from tests.media.pictures import (
    GPS_IFD,
    SVG_WITH_SCRIPT,
    photo_with_gps,
    picture,
    png_header_only,
)
from tests.support.waiting import wait_for


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def upload(http, who, data: bytes, name: str = "photo.jpg", kind: str = "image/jpeg", **form):
    """Upload through v2 and, as clients do, wait for processing to end: the v2 answer if
    it was ready at once (or refused), else the first `GET` that is no longer 206."""
    sent = await post_v2(http, who, data, name, kind, **form)
    if sent.status_code != 202:
        return sent
    return await wait_until_processed(http, who, sent.json()["id"])


async def post_v2(http, who, data: bytes, name="photo.jpg", kind="image/jpeg", **form):
    return await http.post(
        "/api/v2/media", headers=who.headers, files={"file": (name, data, kind)}, data=form
    )


async def wait_until_processed(http, who, media_id: str):
    async def finished():
        got = await http.get(f"/api/v1/media/{media_id}", headers=who.headers)
        return got if got.status_code != 206 else None

    return await wait_for(finished, message=f"upload {media_id} processed")


async def test_a_photo_is_uploaded_described_posted_and_read_back(inst, http, ana) -> None:
    # Given ana uploads a photo with GPS in its EXIF
    sent = await upload(http, ana, photo_with_gps((2400, 1800)), description="A drill")
    assert sent.status_code == 200, sent.text
    attachment = sent.json()
    assert attachment["type"] == "image" and attachment["description"] == "A drill"
    assert attachment["meta"]["original"] == {
        "width": 1600,
        "height": 1200,
        "size": "1600x1200",
        "aspect": pytest.approx(4 / 3),
    }
    assert attachment["meta"]["small"]["width"] == 400
    assert attachment["blurhash"] and attachment["url"].startswith(inst.base_url + "/media/")
    # When she describes it, sets its focus and posts it
    changed = await http.put(
        f"/api/v1/media/{attachment['id']}",
        headers=ana.headers,
        data={"description": "A red drill, barely used", "focus": "-0.5,0.25"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["meta"]["focus"] == {"x": -0.5, "y": 0.25}
    posted = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        data={"status": "Je prête ma perceuse", "media_ids[]": [attachment["id"]]},
    )
    assert posted.status_code == 200, posted.text
    # Then the status carries it, and the file has no GPS
    shown = (await http.get(f"/api/v1/statuses/{posted.json()['id']}")).json()
    [media] = shown["media_attachments"]
    assert media["id"] == attachment["id"]
    assert media["description"] == "A red drill, barely used"
    assert media["meta"]["focus"] == {"x": -0.5, "y": 0.25}
    got = await http.get(media["url"])
    assert got.headers["content-type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(got.content)).getexif().get_ifd(GPS_IFD)
    # And a posted picture is no longer changed through the media endpoint (as Mastodon)
    again = await http.put(
        f"/api/v1/media/{attachment['id']}", headers=ana.headers, data={"description": "x"}
    )
    assert again.status_code == 404


async def test_a_status_with_only_a_picture_and_the_limits(inst, http, ana, bob) -> None:
    ids = [
        (await upload(http, ana, picture((60, 60), colour=(i, 9, 9)))).json()["id"]
        for i in range(5)
    ]
    alone = await http.post("/api/v1/statuses", headers=ana.headers, data={"media_ids[]": ids[:1]})
    assert alone.status_code == 200 and alone.json()["media_attachments"][0]["id"] == ids[0]
    five = await http.post(
        "/api/v1/statuses", headers=ana.headers, data={"status": "5", "media_ids[]": ids}
    )
    assert five.status_code == 422 and "at most 4" in five.json()["error"]
    theirs = await http.post(
        "/api/v1/statuses", headers=bob.headers, data={"status": "x", "media_ids[]": ids[1:2]}
    )
    assert theirs.status_code == 422
    assert (await http.get(f"/api/v1/media/{ids[1]}", headers=bob.headers)).status_code == 404
    nonsense = await http.post(
        "/api/v1/statuses", headers=ana.headers, data={"status": "x", "media_ids[]": ["abc"]}
    )
    assert nonsense.status_code == 422


async def test_the_instance_says_its_picture_limits(http) -> None:
    v2 = (await http.get("/api/v2/instance")).json()["configuration"]
    assert v2["statuses"]["max_media_attachments"] == 4
    limits = v2["media_attachments"]
    assert "image/jpeg" in limits["supported_mime_types"]
    assert "image/svg+xml" not in limits["supported_mime_types"]
    assert limits["image_size_limit"] == 16 * 1024 * 1024
    assert limits["image_matrix_limit"] == 33_177_600
    assert limits["description_limit"] == 1500
    v1 = (await http.get("/api/v1/instance")).json()["configuration"]
    assert v1["media_attachments"] == limits


async def test_avatar_and_header_are_set_and_served(inst, http, ana) -> None:
    before = (await http.get("/api/v1/accounts/verify_credentials", headers=ana.headers)).json()
    assert before["avatar"] == inst.base_url + "/avatars/original/missing.png"
    assert (await http.get(before["avatar"])).status_code == 200
    assert (await http.get(before["header"])).status_code == 200
    changed = await http.patch(
        "/api/v1/accounts/update_credentials",
        headers=ana.headers,
        files={
            "avatar": ("me.png", picture((500, 500), kind="PNG"), "image/png"),
            "header": ("street.jpg", picture((1500, 500)), "image/jpeg"),
        },
        data={"display_name": "Ana"},
    )
    assert changed.status_code == 200, changed.text
    account = changed.json()
    assert account["display_name"] == "Ana"
    for key in ("avatar", "avatar_static", "header", "header_static"):
        assert account[key].startswith(inst.base_url + "/media/")
    got = await http.get(account["avatar"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    shown = (await http.get(f"/api/v1/accounts/{ana.actor.id}")).json()
    assert shown["avatar"] == account["avatar"] and shown["header"] == account["header"]


BAD_UPLOADS = {
    "decompression bomb": ("bomb.png", png_header_only(100_000, 100_000), "image/png", 422),
    "truncated": ("cut.jpg", picture((900, 700), quality=95)[:4000], "image/jpeg", 422),
    "svg with script": ("cat.svg", SVG_WITH_SCRIPT, "image/svg+xml", 422),
    "extension lies": ("holiday.jpg", SVG_WITH_SCRIPT, "image/jpeg", 422),
    "gif": ("move.gif", picture((20, 20), kind="GIF"), "image/gif", 422),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS), ids=list(BAD_UPLOADS))
async def test_a_bad_upload_gets_a_clear_4xx_and_leaves_nothing(inst, http, ana, case) -> None:
    name, data, kind, status = BAD_UPLOADS[case]
    answer = await upload(http, ana, data, name, kind)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"].startswith("Validation failed: ")
    await assert_nothing_kept(inst, http)


async def test_a_40_mb_upload_is_refused_before_it_is_read(inst, http, ana) -> None:
    big = picture((64, 64)) + b"\x00" * (40 * 1024 * 1024)
    answer = await upload(http, ana, big, "big.jpg")
    assert answer.status_code == 413, answer.text
    assert "error" in answer.json()
    await assert_nothing_kept(inst, http)


async def test_a_file_whose_extension_lies_is_judged_by_its_content(inst, http, ana) -> None:
    answer = await upload(http, ana, picture((80, 60), kind="PNG"), "photo.jpg", "image/jpeg")
    assert answer.status_code == 200
    assert answer.json()["meta"]["original"]["width"] == 80


async def assert_nothing_kept(inst, http) -> None:
    async with inst.db.read() as conn:
        assert await media_store.count_uploads(conn) == 0
    assert files_under(inst.config.data_dir / "media") == []
    assert (await http.get("/api/v1/instance")).status_code == 200


def in_thread(function, *args, **kwargs):
    return asyncio.to_thread(function, *args, **kwargs)


async def test_mastodon_py_uploads_describes_posts_and_reads_back_a_photo(inst) -> None:
    await accounts.create_account(inst.services, "cleo", PASSWORD, email="cleo@example.org")
    client_id, client_secret = await in_thread(
        Mastodon.create_app, "fedlocal tests", api_base_url=inst.base_url
    )
    cleo = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=inst.base_url)
    await in_thread(cleo.log_in, "cleo", PASSWORD, allow_http=True)
    # Given a photo uploaded by Mastodon.py (v2 endpoint)
    media = await in_thread(
        cleo.media_post,
        io.BytesIO(photo_with_gps((1200, 900))),
        mime_type="image/jpeg",
        file_name="drill.jpg",
        description="A drill",
        focus=(0.2, -0.1),
        synchronous=True,
    )
    assert media.url and media.type == "image"
    # When it is described again and posted
    media = await in_thread(cleo.media_update, media.id, description="A cordless drill")
    status = await in_thread(cleo.status_post, "Perceuse à prêter", media_ids=[media.id])
    # Then reading the status back gives the picture with its description
    read = await in_thread(cleo.status, status.id)
    [attachment] = read.media_attachments
    assert attachment.id == media.id
    assert attachment.description == "A cordless drill"
    assert attachment.meta.original.width == 1200
    assert attachment.meta.focus.x == pytest.approx(0.2)
    assert attachment.blurhash == media.blurhash


class SlowPictures:
    """The instance's picture pipeline, held until `release` is set (the test's way to
    keep an upload processing as long as it needs)."""

    def __init__(self, real):
        self.real = real
        self.limits = real.limits
        self.release = asyncio.Event()
        self.started = 0

    async def process(self, data: bytes):
        self.started += 1
        await self.release.wait()
        return await self.real.process(data)


@pytest.fixture
def slow(inst) -> SlowPictures:
    slow = SlowPictures(inst.services.pictures)
    inst.services.pictures = slow
    return slow


async def test_v2_answers_202_while_processing_then_the_picture_is_ready_and_posts(
    inst, http, ana, slow
) -> None:
    # Given ana uploads a photo through v2 while processing is slow
    sent = await post_v2(http, ana, picture((300, 200)), description="A ladder")
    # Then v2 answers 202 without addresses yet
    assert sent.status_code == 202, sent.text
    entity = sent.json()
    assert entity["url"] is None and entity["preview_url"] is None
    assert entity["type"] == "image" and "original" not in entity["meta"]
    assert entity["description"] == "A ladder"
    media_id = entity["id"]
    # And reading it answers 206; describing it works meanwhile
    assert (await http.get(f"/api/v1/media/{media_id}", headers=ana.headers)).status_code == 206
    changed = await http.put(
        f"/api/v1/media/{media_id}", headers=ana.headers, data={"description": "A tall ladder"}
    )
    assert changed.status_code == 200 and changed.json()["url"] is None
    # And a status naming it is refused with Mastodon's words
    early = await http.post(
        "/api/v1/statuses", headers=ana.headers, data={"status": "x", "media_ids[]": [media_id]}
    )
    assert early.status_code == 422
    assert "have not finished processing" in early.json()["error"]
    # When processing is released
    slow.release.set()
    ready = await wait_until_processed(http, ana, media_id)
    # Then GET answers 200 with real addresses, and the status posts
    assert ready.status_code == 200, ready.text
    attachment = ready.json()
    assert attachment["description"] == "A tall ladder"
    assert attachment["meta"]["original"]["width"] == 300
    assert (await http.get(attachment["url"])).status_code == 200
    assert (await http.get(attachment["preview_url"])).status_code == 200
    posted = await http.post(
        "/api/v1/statuses", headers=ana.headers, data={"status": "x", "media_ids[]": [media_id]}
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["media_attachments"][0]["url"] == attachment["url"]


async def test_a_picture_refused_in_the_background_answers_422_and_leaves_no_file(
    inst, http, ana, slow
) -> None:
    # Given a file that is not a picture, uploaded while processing is slow
    sent = await post_v2(http, ana, SVG_WITH_SCRIPT, "cat.svg", "image/svg+xml")
    assert sent.status_code == 202, sent.text
    # When processing ends
    slow.release.set()
    got = await wait_until_processed(http, ana, sent.json()["id"])
    # Then reading it answers 422 with the reason, it cannot be posted, and no file is kept
    assert got.status_code == 422, got.text
    assert "not a picture we accept" in got.json()["error"]
    posted = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        data={"status": "x", "media_ids[]": [sent.json()["id"]]},
    )
    assert posted.status_code == 422
    assert files_under(inst.config.data_dir / "media") == []


async def test_a_picture_processed_at_once_gets_200_from_v2_and_v1_waits(
    inst, http, ana, slow
) -> None:
    # Given processing that is already free to go
    slow.release.set()
    # When ana uploads a small picture through v2, then through v1
    v2 = await post_v2(http, ana, picture((40, 30)))
    v1 = await http.post(
        "/api/v1/media",
        headers=ana.headers,
        files={"file": ("a.png", picture((50, 30), kind="PNG"), "image/png")},
    )
    # Then both answer 200 with their addresses
    assert v2.status_code == 200, v2.text
    assert v2.json()["url"].startswith(inst.base_url + "/media/")
    assert v1.status_code == 200, v1.text
    assert v1.json()["meta"]["original"]["width"] == 50
    assert slow.started == 2


async def test_v1_waits_for_slow_processing(inst, http, ana, slow) -> None:
    # Given processing held, a v1 upload is sent
    sending = asyncio.create_task(
        http.post(
            "/api/v1/media",
            headers=ana.headers,
            files={"file": ("a.jpg", picture((40, 40)), "image/jpeg")},
        )
    )
    await wait_for(lambda: slow.started == 1, message="processing started")
    assert not sending.done()
    # When processing is released, it answers 200 with the picture
    slow.release.set()
    answer = await sending
    assert answer.status_code == 200 and answer.json()["url"], answer.text


async def test_mastodon_py_waits_for_a_slow_upload_through_v2_and_posts_it(
    inst, slow, monkeypatch
) -> None:
    # v2 answers at once, so Mastodon.py gets its 202 and has to poll.
    monkeypatch.setattr(media_service, "PROCESSING_WAIT", 0.0)
    await accounts.create_account(inst.services, "dan", PASSWORD, email="dan@example.org")
    client_id, client_secret = await in_thread(
        Mastodon.create_app, "fedlocal tests", api_base_url=inst.base_url
    )
    # Mastodon.py polls every 5 s, uvicorn's keep-alive timeout: a fresh connection for
    # each request, so the server never closes the one it is about to reuse.
    session = requests.Session()
    session.headers["Connection"] = "close"
    dan = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=inst.base_url,
        session=session,
    )
    await in_thread(dan.log_in, "dan", PASSWORD, allow_http=True)
    # Given an upload through v2 answered 202, then processing released
    uploading = asyncio.create_task(
        in_thread(
            dan.media_post,
            io.BytesIO(picture((120, 90))),
            mime_type="image/jpeg",
            file_name="saw.jpg",
            synchronous=True,
        )
    )
    await wait_for(lambda: slow.started == 1, message="processing started")
    slow.release.set()
    # When Mastodon.py has polled it to the end
    media = await uploading
    # Then it has its address and posts
    assert media.url
    status = await in_thread(dan.status_post, "Scie", media_ids=[media.id])
    assert status.media_attachments[0].id == media.id
