"""`fedlocal backup`, `fedlocal restore` and `fedlocal db copy` (docs/operations.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy.engine import make_url

from ..config import load_config
from ..operations import backup as backups
from ..operations import db_copy as db_copies
from ..operations import restore as restores


async def backup(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    report = await backups.backup(config, Path(args.to))
    size = f"{report.size_bytes / 1_048_576:.1f} MB"
    print(
        f"{config.name}: backed up to {report.path} ({size}, revision {report.revision}, "
        f"{report.files} data files)"
    )
    if not report.database_included:
        print(
            "The PostgreSQL database is not in this archive: back it up with pg_dump, e.g.\n"
            f"  pg_dump --format=custom --file=fedlocal.pgdump '{_plain(config.database_url)}'"
        )
    return 0


async def restore(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    report = await restores.restore(config, Path(getattr(args, "from")), force=args.force)
    made = report.manifest.get("created_at", "?")
    if report.manifest["database_included"]:
        print(
            f"{config.name}: restored the backup of {made} ({report.files} data files), "
            f"database at revision {report.revision}"
        )
    else:
        print(
            f"{config.name}: restored the data files of the backup of {made} ({report.files}); "
            "restore the database from its pg_dump file, e.g.\n"
            f"  pg_restore --no-owner --dbname='{_plain(config.database_url)}' fedlocal.pgdump\n"
            f"then run: fedlocal migrate --config {args.config}"
        )
    return 0


def _plain(url: str) -> str:
    """The URL as psql tools take it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def db_copy(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    report = await db_copies.copy_to_postgres(
        config,
        args.to,
        schema=args.schema,
        progress=lambda table, rows: print(f"  {table}: {rows} rows"),
    )
    print(
        f"{config.name}: copied {report.total} rows into PostgreSQL at revision "
        f"{report.revision}.\nTo serve from it, stop the server, set in {args.config}\n"
        f'  database_url = "{_hide_password(args.to)}"\n'
        "(or FEDLOCAL_DATABASE_URL), and start it again. Keep the SQLite file as a backup."
    )
    return 0


def _hide_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
