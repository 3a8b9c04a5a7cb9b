"""`fedlocal restore`: an archive of `backup.py` brought back as a stopped instance.

The archive is checked before anything is touched (a manifest of ours, this instance's
`base_url`, a revision this code knows, a database that passes SQLite's integrity check),
unpacked beside the data directory, and only then moved into place in one rename; then
the database is migrated forward to this code's revision.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..store import Database, head_revision, migrate
from ..store.migrate import known_revisions
from . import archive as layout
from .errors import OperationFailed


@dataclass(frozen=True)
class RestoreReport:
    manifest: dict[str, Any]
    revision: str | None
    files: int


async def restore(config: Config, source: Path, *, force: bool = False) -> RestoreReport:
    """Bring the archive at `source` back as `config`'s instance (stopped), then migrate it
    to this code's revision. Refuses an instance that already has data unless `force`."""
    database_file = layout.sqlite_path(config)
    with _opened(source) as archive:
        manifest = _manifest(archive, source)
        _check_compatible(manifest, config, database_file)
        if not force:
            _check_fresh(config, database_file)
        staging = _staging_directory(config.data_dir)
        try:
            files = _extract(archive, source, staging)
            staged_database = staging / layout.DATABASE_MEMBER
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
            f"{source} is not a fedlocal backup (not a readable .tar.gz: {layout.one_line(exc)})"
        ) from None
    with archive:
        yield archive


def _manifest(archive: tarfile.TarFile, source: Path) -> dict[str, Any]:
    not_ours = f"{source} is not a fedlocal backup"
    try:
        member = archive.extractfile(layout.MANIFEST)
        manifest = json.loads(member.read()) if member is not None else None
    except KeyError:
        raise OperationFailed(f"{not_ours} (no {layout.MANIFEST})") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as exc:
        raise OperationFailed(f"{not_ours} (damaged: {layout.one_line(exc)})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != layout.FORMAT:
        raise OperationFailed(f"{not_ours} (its manifest is not ours)")
    if manifest.get("format_version") != layout.FORMAT_VERSION:
        raise OperationFailed(
            f"{source} is a fedlocal backup of format {manifest.get('format_version')!r}; "
            f"this fedlocal reads format {layout.FORMAT_VERSION}"
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
    allowed = (
        f"{layout.DATA_PREFIX}/",
        layout.DATABASE_MEMBER,
        layout.MANIFEST,
        layout.CONFIG_MEMBER,
    )
    try:
        for member in archive:
            if not member.name.startswith(allowed):
                raise OperationFailed(f"{source} holds an unexpected entry: {member.name}")
            if member.name == layout.MANIFEST:
                continue
            archive.extract(member, staging, filter="data")
            files += member.name.startswith(f"{layout.DATA_PREFIX}/") and member.isfile()
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise OperationFailed(
            f"{source} is damaged ({layout.one_line(exc)}): nothing was restored"
        ) from None
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
        result = layout.one_line(exc)
    if result != "ok":
        raise OperationFailed(
            f"{source} is damaged (its database fails SQLite's check: {result}): nothing was "
            "restored"
        )
    if layout.sqlite_revision(path) != manifest.get("alembic_revision"):
        raise OperationFailed(f"{source} is damaged (its database and manifest disagree)")


def _move_into_place(
    config: Config, database_file: Path | None, staging: Path, staged_database: Path
) -> None:
    """The new data directory replaces the old in one rename (the old one is kept aside
    until then); the database goes to its own place."""
    data_dir = config.data_dir
    new_data = staging / layout.DATA_PREFIX
    new_data.mkdir(exist_ok=True)
    if database_file is not None and staged_database.exists():
        inside = database_file.is_relative_to(data_dir)
        database_target = new_data / database_file.relative_to(data_dir) if inside else None
        if database_target is not None:
            database_target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged_database, database_target)
        else:
            database_file.parent.mkdir(parents=True, exist_ok=True)
            for suffix in layout.SQLITE_SIDE_FILES[1:]:
                Path(f"{database_file}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(staged_database, f"{database_file}.restoring")
            os.replace(f"{database_file}.restoring", database_file)
    old = staging / "replaced"
    if data_dir.exists():
        os.replace(data_dir, old)
    os.replace(new_data, data_dir)
