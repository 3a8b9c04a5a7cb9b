"""The backup archive's format, shared by `backup.py` and `restore.py`.

A gzipped tar holding `manifest.json` (format, fedlocal version, Alembic revision, date,
instance), `config.toml` (the config file as it was), the database as
`database/fedlocal.sqlite3` (SQLite only: a PostgreSQL database is backed up with
`pg_dump`), and everything else under `data_dir` as `data/…` (the pictures in
`data/media/`). The instance's keys live in the database, so nothing else is needed to
bring it back.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from ..config import Config
from ..store.database import INBOX_FILE_SUFFIX
from ..store.sqlite_driver import WRITER_LOCK_SUFFIX, WRITER_QUEUE_SUFFIX

FORMAT = "fedlocal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CONFIG_MEMBER = "config.toml"
DATABASE_MEMBER = "database/fedlocal.sqlite3"
DATA_PREFIX = "data"
# The database and the files SQLite and our writers keep beside it (sqlite_driver.py).
_OWN_SIDE_FILES = ("", "-wal", "-shm", "-journal", WRITER_LOCK_SUFFIX, WRITER_QUEUE_SUFFIX)
# ... and the inbox queue's file with its own (store/inbox_file.py): the archive keeps
# its rows in the database's own `inbox_queue` table, moved back to the file at start.
SQLITE_SIDE_FILES = (
    *_OWN_SIDE_FILES,
    *(INBOX_FILE_SUFFIX + suffix for suffix in _OWN_SIDE_FILES),
)


def sqlite_path(config: Config) -> Path | None:
    """The SQLite file of `config`'s database, or None for PostgreSQL."""
    url = make_url(config.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def sqlite_revision(path: Path) -> str | None:
    """The Alembic revision recorded in the SQLite file at `path` (None if there is none)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return rows[0][0] if len(rows) == 1 else None


def one_line(exc: BaseException) -> str:
    """An error's text on one line (tarfile's and SQLite's may span several)."""
    return " ".join(str(exc).split())
