"""`fedlocal backup` and `fedlocal restore`: one archive holding the whole instance.

The archive (a gzipped tar) holds `manifest.json` (format, fedlocal version, Alembic
revision, date, instance), `config.toml` (the config file as it was), the database as
`database/fedlocal.sqlite3` (SQLite only) and everything else under `data_dir` as `data/…`
(the pictures in `data/media/`). The instance's keys live in the database, so nothing
else is needed to bring it back.

The SQLite copy is made with SQLite's online backup API in a single step, which reads
one consistent snapshot while the server goes on writing (WAL lets writers in). The
archive is written to a temporary file beside the target and renamed only once complete
and flushed to disk: a full or read-only disk gives one line and no half file.

PostgreSQL databases are backed up with their own tool (`pg_dump`); the archive then holds
the config and the data directory, and its manifest says the database is not in it.

A restore checks the archive before touching anything (a manifest of ours, a revision
this code knows, a database that passes SQLite's integrity check), unpacks it beside the
data directory, and only then moves it into place; then migrates it forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from .. import __version__
from ..config import Config
from ..store import Database, current_revision, head_revision, migrate
from ..store.migrate import known_revisions
from .errors import OperationFailed

FORMAT = "fedlocal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CONFIG_MEMBER = "config.toml"
DATABASE_MEMBER = "database/fedlocal.sqlite3"
DATA_PREFIX = "data"
_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class BackupReport:
    path: Path
    revision: str | None
    database_included: bool
    files: int
    size_bytes: int


def sqlite_path(config: Config) -> Path | None:
    """The SQLite file of `config`'s database, or None for PostgreSQL."""
    url = make_url(config.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


# --- backup ---------------------------------------------------------------------------------


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
            revision = _sqlite_revision(snapshot)
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
        raise OperationFailed(f"cannot copy the database: {_line(exc)}") from None
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
    """A consistent copy of a live SQLite database (one read transaction), as one file."""
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


def _sqlite_revision(path: Path) -> str | None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return rows[0][0] if len(rows) == 1 else None


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
        {Path(f"{database_file}{suffix}") for suffix in _SQLITE_SIDE_FILES}
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
    archive.addfile(info, fileobj=_BytesReader(data))


class _BytesReader:
    def __init__(self, data: bytes):
        self._data = memoryview(data)

    def read(self, size: int = -1) -> bytes:
        size = len(self._data) if size < 0 else size
        chunk, self._data = self._data[:size], self._data[size:]
        return bytes(chunk)


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


# --- restore --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    manifest: dict[str, Any]
    revision: str | None
    files: int


async def restore(config: Config, source: Path, *, force: bool = False) -> RestoreReport:
    """Bring the archive at `source` back as `config`'s instance (stopped), then migrate it
    to this code's revision. Refuses an instance that already has data unless `force`."""
    database_file = sqlite_path(config)
    with _opened(source) as archive:
        manifest = _manifest(archive, source)
        _check_compatible(manifest, config, database_file)
        if not force:
            _check_fresh(config, database_file)
        staging = _staging_directory(config.data_dir)
        try:
            files = _extract(archive, source, staging)
            staged_database = staging / DATABASE_MEMBER
            if manifest["database_included"]:
                _check_database(staged_database, manifest, source)
            _move_into_place(config, database_file, staging, staged_database)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if manifest["database_included"]:
        database = Database(config.database_url)
        try:
            await migrate(database)
        finally:
            await database.dispose()
    return RestoreReport(
        manifest, head_revision() if manifest["database_included"] else None, files
    )


@contextlib.contextmanager
def _opened(source: Path) -> Iterator[tarfile.TarFile]:
    try:
        # Not a `with`: errors opening it and errors of the caller's body differ.
        archive = tarfile.open(source, mode="r:gz")  # noqa: SIM115
    except FileNotFoundError:
        raise OperationFailed(f"no backup at {source}") from None
    except IsADirectoryError:
        raise OperationFailed(f"{source} is a directory, not a backup") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise OperationFailed(
            f"{source} is not a fedlocal backup (not a readable .tar.gz: {_line(exc)})"
        ) from None
    with archive:
        yield archive


def _manifest(archive: tarfile.TarFile, source: Path) -> dict[str, Any]:
    not_ours = f"{source} is not a fedlocal backup"
    try:
        member = archive.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member is not None else None
    except KeyError:
        raise OperationFailed(f"{not_ours} (no {MANIFEST})") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as exc:
        raise OperationFailed(f"{not_ours} (damaged: {_line(exc)})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise OperationFailed(f"{not_ours} (its manifest is not ours)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise OperationFailed(
            f"{source} is a fedlocal backup of format {manifest.get('format_version')!r}; "
            f"this fedlocal reads format {FORMAT_VERSION}"
        )
    if not isinstance(manifest.get("database_included"), bool):
        raise OperationFailed(f"{not_ours} (its manifest is incomplete)")
    return manifest


def _check_compatible(manifest: dict[str, Any], config: Config, database_file: Path | None) -> None:
    revision = manifest.get("alembic_revision")
    if revision is not None and revision not in known_revisions():
        raise OperationFailed(
            f"the backup is at database revision {revision}, which this fedlocal does not "
            f"know (it goes up to {head_revision()}): restore it with a newer fedlocal"
        )
    base_url = (manifest.get("instance") or {}).get("base_url")
    if base_url != config.base_url:
        raise OperationFailed(
            f"the backup is of {base_url}, this config is for {config.base_url}: the "
            "instance's identity (its actors and keys) belongs to its address"
        )
    if manifest["database_included"] and database_file is None:
        raise OperationFailed(
            "the backup holds a SQLite database but this config uses PostgreSQL: restore it "
            "with a SQLite config, then move it with `fedlocal db copy`"
        )
    if manifest.get("database") == "postgresql" and database_file is not None:
        raise OperationFailed(
            "the backup is of a PostgreSQL instance (its database is in a pg_dump file): "
            "restore it with a PostgreSQL config"
        )


def _check_fresh(config: Config, database_file: Path | None) -> None:
    used = database_file is not None and database_file.exists() and database_file.stat().st_size
    has_files = config.data_dir.is_dir() and any(
        p.is_file() and p != database_file for p in config.data_dir.rglob("*")
    )
    if used or has_files:
        raise OperationFailed(
            f"{config.data_dir} already holds an instance: restore into a fresh one, or add "
            "--force to replace it (stop its server first)"
        )


def _staging_directory(data_dir: Path) -> Path:
    try:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restore-", dir=data_dir.parent))
    except OSError as exc:
        raise OperationFailed(f"cannot restore into {data_dir}: {exc.strerror or exc}") from None


def _extract(archive: tarfile.TarFile, source: Path, staging: Path) -> int:
    files = 0
    allowed = (f"{DATA_PREFIX}/", DATABASE_MEMBER, MANIFEST, CONFIG_MEMBER)
    try:
        for member in archive:
            if not member.name.startswith(allowed):
                raise OperationFailed(f"{source} holds an unexpected entry: {member.name}")
            if member.name == MANIFEST:
                continue
            archive.extract(member, staging, filter="data")
            files += member.name.startswith(f"{DATA_PREFIX}/") and member.isfile()
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise OperationFailed(f"{source} is damaged ({_line(exc)}): nothing was restored") from None
    except OSError as exc:
        raise OperationFailed(
            f"cannot unpack {source} beside {staging.parent}: {exc.strerror or exc}; "
            "nothing was restored"
        ) from None
    return files


def _check_database(path: Path, manifest: dict[str, Any], source: Path) -> None:
    if not path.is_file():
        raise OperationFailed(
            f"{source} is damaged (its database is missing): nothing was restored"
        )
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (result,) = connection.execute("PRAGMA integrity_check").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        result = _line(exc)
    if result != "ok":
        raise OperationFailed(
            f"{source} is damaged (its database fails SQLite's check: {result}): nothing was "
            "restored"
        )
    if _sqlite_revision(path) != manifest.get("alembic_revision"):
        raise OperationFailed(f"{source} is damaged (its database and manifest disagree)")


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _move_into_place(
    config: Config, database_file: Path | None, staging: Path, staged_database: Path
) -> None:
    """The new data directory replaces the old in one rename (the old one is kept aside
    until then); the database goes to its own place."""
    data_dir = config.data_dir
    new_data = staging / DATA_PREFIX
    new_data.mkdir(exist_ok=True)
    if database_file is not None and staged_database.exists():
        inside = database_file.is_relative_to(data_dir)
        database_target = new_data / database_file.relative_to(data_dir) if inside else None
        if database_target is not None:
            database_target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged_database, database_target)
        else:
            database_file.parent.mkdir(parents=True, exist_ok=True)
            for suffix in _SQLITE_SIDE_FILES[1:]:
                Path(f"{database_file}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(staged_database, f"{database_file}.restoring")
            os.replace(f"{database_file}.restoring", database_file)
    old = staging / "replaced"
    if data_dir.exists():
        os.replace(data_dir, old)
    os.replace(new_data, data_dir)
