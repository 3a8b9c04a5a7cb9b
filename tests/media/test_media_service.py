"""Uploads kept and served, and removed with what used them: a refused file leaves
nothing, a deleted post takes its files (unless another row shares them), an upload
never posted goes after a day, a new avatar replaces the old one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from fedlocal.services import accounts, media, posts, signup
from fedlocal.services.errors import InvalidInput
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.store import media as media_store
from fedlocal.store.clock import utcnow
from tests.support.waiting import wait_for

from .pictures import SVG_WITH_SCRIPT, photo_with_gps, picture, png_header_only


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def media_root(inst) -> Path:
    return inst.config.data_dir / "media"


@pytest.fixture
async def ana(inst):
    return await accounts.create_account(inst.services, "ana", "a long password")


async def count_rows(inst) -> int:
    async with inst.db.read() as conn:
        return await media_store.count_uploads(conn)


async def test_an_upload_is_kept_as_two_files_named_by_content_and_served(
    inst, ana, media_root
) -> None:
    _account, actor = ana
    kept = await media.upload(inst.services, actor, photo_with_gps(), description="A red drill")
    assert kept.description == "A red drill" and not kept.is_attached
    assert [p.relative_to(media_root).as_posix() for p in files_under(media_root)] == sorted(
        [kept.file_key, kept.small_key]
    )
    url = inst.services.files.url(kept.file_key)
    assert url == f"{inst.base_url}/media/{kept.file_key}"
    async with httpx.AsyncClient(trust_env=False) as http:
        got = await http.get(url)
        assert got.status_code == 200
        assert got.headers["content-type"] == "image/jpeg"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "immutable" in got.headers["cache-control"]
        assert "max-age=31536000" in got.headers["cache-control"]
        assert got.content == (media_root / kept.file_key).read_bytes()
        for bad in ("../fedlocal.sqlite3", "ab/..%2f..%2fconfig.toml", "nothing.jpg"):
            assert (await http.get(f"{inst.base_url}/media/{bad}")).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        png_header_only(100_000, 100_000),
        picture((800, 600), quality=95)[:5000],
        SVG_WITH_SCRIPT,
        b"GIF89a" + b"\x00" * 100,
    ],
    ids=["bomb", "truncated", "svg", "gif"],
)
async def test_a_refused_upload_leaves_no_row_and_no_file(inst, ana, media_root, data) -> None:
    _account, actor = ana
    with pytest.raises(InvalidInput) as refused:
        await media.upload(inst.services, actor, data)
    assert refused.value.field == "file" and refused.value.message
    assert files_under(media_root) == []
    assert await count_rows(inst) == 0


async def test_deleting_a_post_removes_its_files_but_not_those_another_row_uses(
    inst, ana, media_root
) -> None:
    _account, actor = ana
    photo = photo_with_gps()
    # Given the same photo uploaded twice (one file), and a second photo, on one post
    first = await media.upload(inst.services, actor, photo)
    twin = await media.upload(inst.services, actor, photo)
    other = await media.upload(inst.services, actor, picture((300, 300), colour=(0, 0, 255)))
    assert twin.file_key == first.file_key
    post = await posts.publish_note(
        inst.services, actor, "Two photos", media_ids=[first.id, other.id]
    )
    assert [a.media_id for a in post.attachments] == [first.id, other.id]
    # When the post is deleted
    await posts.delete_post(inst.services, actor, post.id)
    # Then the other photo's files are gone, the shared one stays for the twin upload
    left = {p.relative_to(media_root).as_posix() for p in files_under(media_root)}
    assert left == {twin.file_key, twin.small_key}
    assert await count_rows(inst) == 1


async def test_an_upload_never_posted_is_removed_after_a_day(inst, ana, media_root) -> None:
    _account, actor = ana
    waiting = await media.upload(inst.services, actor, photo_with_gps())
    posted = await media.upload(inst.services, actor, picture((200, 200), colour=(9, 9, 9)))
    await posts.publish_note(inst.services, actor, "Kept", media_ids=[posted.id])
    maintenance = MaintenanceWorker(inst.services)
    # Not yet: a few hours later the upload may still be posted
    await maintenance.run_once(now=utcnow() + timedelta(hours=20))
    assert (media_root / waiting.file_key).exists()
    # A day later it is gone, row and files; the posted one stays
    await maintenance.run_once(now=utcnow() + timedelta(days=1, minutes=1))
    assert not (media_root / waiting.file_key).exists()
    assert (media_root / posted.file_key).exists()
    assert await count_rows(inst) == 1


async def test_a_picture_can_be_attached_once_by_its_owner_and_four_at_most(inst, ana) -> None:
    _account, actor = ana
    _bea_account, bea = await accounts.create_account(inst.services, "bea", "a long password")
    theirs = await media.upload(inst.services, bea, picture((50, 50)))
    with pytest.raises(InvalidInput):
        await posts.publish_note(inst.services, actor, "Not mine", media_ids=[theirs.id])
    mine = [
        await media.upload(inst.services, actor, picture((50, 50), colour=(i, 0, 0)))
        for i in range(5)
    ]
    with pytest.raises(InvalidInput) as refused:
        await posts.publish_note(inst.services, actor, "Five", media_ids=[m.id for m in mine])
    assert "at most 4" in refused.value.message
    await posts.publish_note(inst.services, actor, "One", media_ids=[mine[0].id])
    with pytest.raises(InvalidInput) as refused:
        await posts.publish_note(inst.services, actor, "Again", media_ids=[mine[0].id])
    assert "already" in refused.value.message


async def test_a_new_avatar_replaces_the_old_one_and_its_files(inst, ana, media_root) -> None:
    account, _actor = ana
    first = await media.set_profile_pictures(inst.services, account, avatar=picture((400, 400)))
    assert first.icon_url and first.icon_url.startswith(f"{inst.base_url}/media/")
    old_key = first.icon_url.rpartition("/media/")[2]
    second = await media.set_profile_pictures(
        inst.services, account, avatar=picture((400, 400), colour=(1, 200, 1))
    )
    # A refused header changes nothing, not even the avatar sent with it
    with pytest.raises(InvalidInput):
        await media.set_profile_pictures(
            inst.services, account, avatar=picture((90, 90)), header=SVG_WITH_SCRIPT
        )
    header = await media.set_profile_pictures(inst.services, account, header=picture((1500, 500)))
    assert second.icon_url != first.icon_url
    assert header.icon_url == second.icon_url and header.image_url
    assert not (media_root / old_key).exists()
    assert await count_rows(inst) == 2


async def test_removing_an_account_removes_its_pictures(inst, media_root) -> None:
    # Given a sign-up waiting for approval that uploaded an avatar and a photo
    admin, _ = await accounts.create_account(inst.services, "zoe", "a long password", admin=True)
    waiting, actor = await accounts.create_account(
        inst.services, "dan", "a long password", approved=False
    )
    await media.set_profile_pictures(inst.services, waiting, avatar=picture((600, 600)))
    await media.upload(inst.services, actor, photo_with_gps())
    assert len(files_under(media_root)) == 4
    # When the administrator turns it down
    await signup.reject_signup(inst.services, admin, waiting.id)
    # Then its rows and files are gone
    assert files_under(media_root) == []
    assert await count_rows(inst) == 0


class HeldPictures:
    """The instance's picture pipeline, held until `release` is set."""

    def __init__(self, real):
        self.real = real
        self.limits = real.limits
        self.release = asyncio.Event()

    async def process(self, data: bytes):
        await self.release.wait()
        return await self.real.process(data)


async def test_the_day_old_sweep_removes_failed_and_processing_uploads_and_only_their_files(
    inst, ana, media_root
) -> None:
    _account, actor = ana
    # Given a posted picture, one refused in the background and one still processing
    posted = await media.upload(inst.services, actor, picture((200, 200), colour=(9, 9, 9)))
    await posts.publish_note(inst.services, actor, "Kept", media_ids=[posted.id])
    held = HeldPictures(inst.services.pictures)
    inst.services.pictures = held
    refused = await media.upload_in_background(inst.services, actor, SVG_WITH_SCRIPT, wait=0)
    held.release.set()
    await wait_for(lambda: state_of(inst, refused.id), message="refusal recorded")
    assert await state_of(inst, refused.id) == ("failed", refused_message())
    held.release = asyncio.Event()
    pending = await media.upload_in_background(inst.services, actor, photo_with_gps(), wait=0)
    assert pending.state == "processing" and pending.file_key == ""
    # When the sweep runs a day later
    maintenance = MaintenanceWorker(inst.services)
    await maintenance.run_once(now=utcnow() + timedelta(days=1, minutes=1))
    # Then only the posted picture's row and files remain
    assert await count_rows(inst) == 1
    assert files_under(media_root) == sorted(
        {media_root / k for k in (posted.file_key, posted.small_key)}
    )
    # And the processing one, finishing after its row went, leaves no file
    held.release.set()
    await wait_for(lambda: not media._processing, message="background processing ended")
    assert files_under(media_root) == sorted(
        {media_root / k for k in (posted.file_key, posted.small_key)}
    )


async def state_of(inst, media_id: int):
    async with inst.db.read() as conn:
        found = await media_store.get_upload(conn, media_id)
    return None if found is None or found.state == "processing" else (found.state, found.error)


def refused_message() -> str:
    return "this file is not a picture we accept: send a JPEG, PNG, WebP or HEIC photo"


async def test_an_upload_in_the_background_refused_at_once_leaves_nothing(
    inst, ana, media_root
) -> None:
    _account, actor = ana
    with pytest.raises(InvalidInput):
        await media.upload_in_background(inst.services, actor, SVG_WITH_SCRIPT, wait=5)
    assert await count_rows(inst) == 0
    assert files_under(media_root) == []
