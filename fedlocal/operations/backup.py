"""`fedlocal backup`: one archive holding the whole instance (format in `archive.py`).

The SQLite copy is made with SQLite's online backup API in a single step, which reads
one consistent snapshot while the server goes on writing (WAL lets writers in). The
archive is written to a temporary file beside the target and renamed only once complete
and flushed to disk: a full or read-only disk gives one line and no half file.

PostgreSQL databases are backed up with their own tool (`pg_dump`); the archive then holds
the config and the data directory, and its manifest says the database is not in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Config
from ..store import Database, current_revision
from ..store.database import INBOX_FILE_SUFFIX, inbox_file_of
from ..store.tables import inbox_queue
from .archive import (
    CONFIG_MEMBER,
    DATA_PREFIX,
    DATABASE_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SQLITE_SIDE_FILES,
    one_line,
    sqlite_path,
    sqlite_revision,
)
from .errors import OperationFailed


@dataclass(frozen=True)
class BackupReport:
    path: Path
    revision: str | None
    database_included: bool
    files: int
    size_bytes: int


async def backup(config: Config, target: Path) -> BackupReport:
    """Write the archive of `config`'s instance to `target`, while it may be serving."""
    revision = None if sqlite_path(config) is not None else await _revision_of(config)
    return await asyncio.to_thread(_backup, config, target, revision)


def _backup(config: Config, target: Path, revision: str | None) -> BackupReport:
    target = target.absolute()
    if target.is_dir():
        raise OperationFailed(f"{target} is a directory: give the archive's file name")
    directory = target.parent
    if not directory.is_dir():
        raise OperationFailed(f"cannot write the backup: no directory {directory}")
    database_file = sqlite_path(config)
    if database_file is not None and not database_file.exists():
        raise OperationFailed(f"no database at {database_file}: nothing to back up")
    with _writing_beside(target) as (work, partial):
        snapshot = None
        if database_file is not None:
            snapshot = work / "fedlocal.sqlite3"
            _snapshot_sqlite(database_file, snapshot)
            revision = sqlite_revision(snapshot)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "fedlocal_version": __version__,
            "alembic_revision": revision,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "instance": {"name": config.name, "base_url": config.base_url},
            "database": "sqlite" if snapshot is not None else "postgresql",
            "database_included": snapshot is not None,
        }
        files = _write_archive(partial, manifest, config, snapshot, skip={target, partial, work})
        _flush(partial)
        os.replace(partial, target)
        _flush_directory(directory)
    return BackupReport(target, revision, snapshot is not None, files, target.stat().st_size)


@contextlib.contextmanager
def _writing_beside(target: Path) -> Iterator[tuple[Path, Path]]:
    """A scratch directory and a partial file next to `target`, both removed on the way
    out (the partial one is renamed to `target` on success); disk errors become one line."""
    work: Path | None = None
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        yield work, work / "archive.partial"
    except OSError as exc:
        raise OperationFailed(_disk_problem(exc, target)) from None
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            raise OperationFailed(_disk_problem(OSError(errno.ENOSPC, "full"), target)) from None
        raise OperationFailed(f"cannot copy the database: {one_line(exc)}") from None
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def _disk_problem(exc: OSError, target: Path) -> str:
    if exc.errno == errno.ENOSPC:
        return f"cannot write the backup to {target}: the disk is full (nothing was kept)"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"cannot write the backup to {target}: {target.parent} is not writable"
    return f"cannot write the backup to {target}: {exc.strerror or exc}"


def _snapshot_sqlite(source: Path, destination: Path) -> None:
    """A consistent copy of a live SQLite database (one read transaction), as one file,
    with the activities waiting in its inbox queue's file (store/inbox_file.py) in its own
    `inbox_queue` table, from where the restored instance moves them back at start.

    The queue is copied first: the inbox worker records an activity as received in the
    database before it removes the activity from the queue, so one processed in between
    is in both copies (and dropped as already received after a restore), never in
    neither."""
    queue_file = Path(inbox_file_of(str(source)))
    queue_copy = destination.with_name(destination.name + INBOX_FILE_SUFFIX)
    if queue_file.exists():
        _copy_whole(queue_file, queue_copy)
    _copy_whole(source, destination)
    if queue_file.exists():
        _queue_into(destination, queue_copy)


def _copy_whole(source: Path, destination: Path) -> None:
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)  # all pages in one step: one snapshot, whatever writers do
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def _queue_into(database: Path, queue_copy: Path) -> None:
    """Append the queue's rows from `queue_copy` to `database`'s own inbox table (new ids:
    it may hold rows an older version left there)."""
    columns = ", ".join(c.name for c in inbox_queue.columns if c.name != "id")
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("ATTACH DATABASE ? AS queued", (str(queue_copy),))
        connection.execute(
            f"INSERT INTO main.inbox_queue ({columns})"  # noqa: S608 (our own column names)
            f" SELECT {columns} FROM queued.inbox_queue ORDER BY id"
        )
        connection.execute("DETACH DATABASE queued")
    finally:
        connection.close()


async def _revision_of(config: Config) -> str | None:
    database = Database(config.database_url)
    try:
        return await current_revision(database)
    finally:
        await database.dispose()


def _write_archive(
    path: Path, manifest: dict[str, Any], config: Config, snapshot: Path | None, *, skip: set[Path]
) -> int:
    data_files = list(_data_files(config, skip))
    manifest["files"] = len(data_files)
    with path.open("xb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
        if config.path is not None:
            archive.add(config.path, arcname=CONFIG_MEMBER, recursive=False)
        if snapshot is not None:
            archive.add(snapshot, arcname=DATABASE_MEMBER, recursive=False)
        for file, name in data_files:
            # A picture the maintenance worker removes meanwhile is simply not kept.
            with contextlib.suppress(FileNotFoundError):
                archive.add(file, arcname=name, recursive=False)
    return len(data_files)


def _data_files(config: Config, skip: set[Path]) -> Iterator[tuple[Path, str]]:
    """Every file under data_dir but the live database (copied through SQLite instead)."""
    root = config.data_dir
    database_file = sqlite_path(config)
    live = (
        {Path(f"{database_file}{suffix}") for suffix in SQLITE_SIDE_FILES}
        if database_file
        else set()
    )
    if not root.is_dir():
        return
    for directory, subdirectories, names in os.walk(root):
        here = Path(directory)
        subdirectories[:] = sorted(d for d in subdirectories if here / d not in skip)
        for name in sorted(names):
            file = here / name
            if file in live or file in skip or not file.is_file():
                continue
            yield file, f"{DATA_PREFIX}/{file.relative_to(root).as_posix()}"


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, fileobj=io.BytesIO(data))


def _flush(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _flush_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
