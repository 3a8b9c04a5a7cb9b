"""`fedlocal backup` and `fedlocal restore`: backup → wipe → restore → the same instance,
also when the backup is taken while the server writes; and bad archives, bad disks and
occupied instances refused with one line, nothing half-done."""

from __future__ import annotations

import asyncio
import errno
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert

from fedlocal.config import build_config
from fedlocal.operations import OperationFailed
from fedlocal.operations import backup as backups
from fedlocal.operations import restore as restores
from fedlocal.services import posts
from fedlocal.store import Database, current_revision, head_revision
from fedlocal.store import actors as actor_store
from fedlocal.store.clock import utcnow
from fedlocal.store.migrate import alembic_config
from fedlocal.store.tables import received_activities
from tests.support.instance import running_instance
from tests.support.processes import run_cli, write_config
from tests.support.waiting import wait_for

from .disks import read_only_directory, tiny_disk
from .populated import counts, files_under, populate, sqlite_rows

UNCOMMITTED = "https://ailleurs.example/activities/uncommitted"


def config_file(directory: Path, base_url: str) -> Path:
    return write_config(
        directory / "instance.toml",
        {"name": "Nord", "base_url": base_url, "data_dir": str(directory / "data")},
    )


def one_line(result) -> str:
    assert result.returncode != 0, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    assert len(result.stderr.strip().splitlines()) == 1, result.describe()
    return result.stderr.strip()


async def _backup_in_thread(config, target: Path):
    # Its own thread and loop, as a separate `fedlocal backup` process would be.
    return await asyncio.to_thread(lambda: asyncio.run(backups.backup(config, target)))


async def test_backup_wipe_restore_gives_back_the_same_instance(tmp_path: Path) -> None:
    # Given an instance with posts, pictures, follows and queued work, and a writer busy
    data = tmp_path / "data"
    async with running_instance(data, run_workers=False) as inst:
        await populate(inst)
        ctx = inst.services
        async with ctx.db.read() as conn:
            ana = await actor_store.get_local_actor(conn, "ana")
        writing = True
        written = 0

        async def writer() -> None:
            nonlocal written
            while writing:
                await posts.publish_note(ctx, ana, f"Note {written}")
                written += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(writer())
        await wait_for(lambda: written >= 3, message="the writer to start")
        # When it is backed up while the writer goes on
        during = await _backup_in_thread(inst.config, tmp_path / "during.tar.gz")
        writing = False
        await task
        assert written > 3
        # And while a write transaction is open: the backup neither waits for it nor
        # takes its uncommitted row
        async with ctx.db.write() as conn:
            await conn.execute(
                insert(received_activities).values(uri=UNCOMMITTED, received_at=utcnow())
            )
            await _backup_in_thread(inst.config, tmp_path / "open.tar.gz")
        await _backup_in_thread(inst.config, tmp_path / "quiet.tar.gz")
        base_url = inst.config.base_url
    database = data / "fedlocal.sqlite3"
    before = sqlite_rows(database)
    media_before = files_under(data / "media")
    assert media_before and counts(before)["deliveries"] + counts(before)["outgoing_activities"]
    assert during.database_included and during.revision

    # Then the backup taken during writes restores to a consistent instance, a prefix of it
    config = config_file(tmp_path, base_url)
    shutil.rmtree(data)
    run_cli("restore", "--config", str(config), "--from", str(tmp_path / "during.tar.gz"))
    restored = sqlite_rows(database)
    for table, rows in restored.items():
        assert set(rows) <= set(before[table]), table
    assert counts(restored)["objects"] >= counts(before)["objects"] - written
    assert files_under(data / "media") == media_before

    shutil.rmtree(data)
    run_cli("restore", "--config", str(config), "--from", str(tmp_path / "open.tar.gz"))
    assert (UNCOMMITTED,) not in [row[:1] for row in sqlite_rows(database)["received_activities"]]
    assert (UNCOMMITTED,) in [row[:1] for row in before["received_activities"]]

    # And the quiet backup, restored after a wipe, gives back every row and every file
    shutil.rmtree(data)
    result = run_cli("restore", "--config", str(config), "--from", str(tmp_path / "quiet.tar.gz"))
    assert "restored" in result.stdout
    assert sqlite_rows(database) == before
    assert files_under(data / "media") == media_before

    # And the restored instance serves its posts
    async with running_instance(data, run_workers=False) as inst, inst.db.read() as conn:
        assert await actor_store.get_local_actor(conn, "bea") is not None


async def test_the_cli_backs_up_with_a_manifest(tmp_path: Path) -> None:
    async with running_instance(tmp_path / "data", run_workers=False) as inst:
        await populate(inst)
        config = config_file(tmp_path, inst.config.base_url)
        result = run_cli("backup", "--config", str(config), "--to", str(tmp_path / "b.tar.gz"))
    assert "backed up" in result.stdout
    with tarfile.open(tmp_path / "b.tar.gz") as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert names[0] == "manifest.json"
    assert {"config.toml", "database/fedlocal.sqlite3"} <= set(names)
    assert any(name.startswith("data/media/") for name in names)
    assert manifest["alembic_revision"] == head_revision()
    assert manifest["format"] == "fedlocal-backup" and manifest["created_at"]
    assert [n for n in names if n.endswith(("-wal", "-shm"))] == []


@pytest.fixture
async def instance_dir(tmp_path: Path):
    async with running_instance(tmp_path / "data", run_workers=False) as inst:
        await populate(inst)
        config = inst.config
    return config


async def test_a_backup_to_a_read_only_directory_is_one_line_and_leaves_nothing(
    tmp_path: Path, instance_dir, monkeypatch
) -> None:
    locked = tmp_path / "locked"
    with read_only_directory(locked) as real:
        if not real:  # cannot make one here: the error the system would give
            monkeypatch.setattr(backups.tempfile, "mkdtemp", _raises(errno.EROFS))
        with pytest.raises(OperationFailed, match="not writable"):
            await backups.backup(instance_dir, locked / "b.tar.gz")
        assert list(locked.iterdir()) == []


async def test_a_full_disk_is_one_line_and_leaves_no_half_file(
    tmp_path: Path, instance_dir, monkeypatch
) -> None:
    small = tmp_path / "small"
    with tiny_disk(small) as real:
        if not real:
            monkeypatch.setattr(backups, "_flush", _raises(errno.ENOSPC))
        with pytest.raises(OperationFailed, match="disk is full"):
            await backups.backup(instance_dir, small / "b.tar.gz")
        assert list(small.iterdir()) == []


def _raises(number: int):
    def fail(*_args, **_kwargs):
        raise OSError(number, os.strerror(number))

    return fail


def _restore_into(tmp_path: Path, archive: Path):
    config = config_file(tmp_path / "fresh", "http://127.0.0.1:9")
    return run_cli("restore", "--config", str(config), "--from", str(archive), expect=None)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"not an archive at all", "not a fedlocal backup"),
        (None, "no manifest.json"),
        (b"truncated", "not a fedlocal backup"),
    ],
    ids=["garbage", "foreign tar", "truncated"],
)
def test_a_corrupt_or_foreign_archive_is_refused(tmp_path: Path, content, problem) -> None:
    archive = tmp_path / "bad.tar.gz"
    if content is None:
        (tmp_path / "notes.txt").write_text("hello")
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(tmp_path / "notes.txt", arcname="notes.txt")
    elif content == b"truncated":
        (tmp_path / "notes.txt").write_bytes(b"x" * 100_000)
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(tmp_path / "notes.txt", arcname="manifest.json")
        archive.write_bytes(archive.read_bytes()[:200])
    else:
        archive.write_bytes(content)
    assert problem in one_line(_restore_into(tmp_path, archive))
    assert not (tmp_path / "fresh" / "data").exists()


async def test_restore_refuses_an_instance_with_data_unless_forced(
    tmp_path: Path, instance_dir
) -> None:
    target = tmp_path / "b.tar.gz"
    await backups.backup(instance_dir, target)
    occupied = build_config(
        {"name": "Nord", "base_url": instance_dir.base_url, "data_dir": str(instance_dir.data_dir)},
        environ={},
    )
    before = sqlite_rows(occupied.data_dir / "fedlocal.sqlite3")
    with pytest.raises(OperationFailed, match="already holds an instance"):
        await restores.restore(occupied, target)
    report = await restores.restore(occupied, target, force=True)
    assert report.files >= 1
    assert sqlite_rows(occupied.data_dir / "fedlocal.sqlite3") == before


async def test_restore_refuses_another_instance_or_a_newer_revision(
    tmp_path: Path, instance_dir
) -> None:
    target = tmp_path / "b.tar.gz"
    await backups.backup(instance_dir, target)
    elsewhere = build_config(
        {"name": "Sud", "base_url": "https://sud.example", "data_dir": str(tmp_path / "sud")},
        environ={},
    )
    with pytest.raises(OperationFailed, match="the backup is of"):
        await restores.restore(elsewhere, target)

    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(target) as source, tarfile.open(newer, "w:gz") as out:
        for member in source:
            data = source.extractfile(member)
            if member.name == "manifest.json":
                manifest = json.loads(data.read())
                manifest["alembic_revision"] = "9999"
                body = json.dumps(manifest).encode()
                member.size = len(body)
                data = io.BytesIO(body)
            out.addfile(member, data)
    fresh = build_config(
        {"name": "Nord", "base_url": instance_dir.base_url, "data_dir": str(tmp_path / "fresh")},
        environ={},
    )
    with pytest.raises(OperationFailed, match="newer fedlocal"):
        await restores.restore(fresh, newer)
    assert not (tmp_path / "fresh").exists()


async def test_a_backup_from_an_older_version_is_restored_then_migrated_forward(
    tmp_path: Path,
) -> None:
    # Given an instance whose database is at an older revision (an older fedlocal)
    old = build_config(
        {"name": "Nord", "base_url": "https://nord.example", "data_dir": str(tmp_path / "old")},
        environ={},
    )
    database = Database(old.database_url)
    try:
        async with database.write() as conn:
            await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0009"))
    finally:
        await database.dispose()
    made = await backups.backup(old, tmp_path / "old.tar.gz")
    assert made.revision == "0009"

    # When it is restored by this version
    fresh = build_config(
        {"name": "Nord", "base_url": "https://nord.example", "data_dir": str(tmp_path / "new")},
        environ={},
    )
    report = await restores.restore(fresh, tmp_path / "old.tar.gz")

    # Then it is at this version's revision
    assert report.manifest["alembic_revision"] == "0009"
    restored = Database(fresh.database_url)
    try:
        assert await current_revision(restored) == head_revision() == report.revision
    finally:
        await restored.dispose()
