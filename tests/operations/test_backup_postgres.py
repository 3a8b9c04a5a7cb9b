"""A PostgreSQL instance's backup: the config and data files archived, the database left
to pg_dump (the command says so); restored as files, with pg_restore advice."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from tests.support.databases import postgres_url_or_skip
from tests.support.processes import run_cli, write_config

pytestmark = pytest.mark.postgres


def instance(directory: Path, url: str) -> Path:
    return write_config(
        directory / "nord.toml",
        {
            "name": "Nord",
            "base_url": "https://nord.example",
            "data_dir": str(directory / "data"),
            # Only read (its revision) by `backup`; `restore` leaves it to pg_restore.
            "database_url": url,
        },
    )


def test_a_postgresql_backup_holds_the_files_and_says_to_use_pg_dump(tmp_path: Path) -> None:
    url = postgres_url_or_skip()
    config = instance(tmp_path / "before", url)
    photo = tmp_path / "before" / "data" / "media" / "ab" / "abcdef.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a picture")

    made = run_cli("backup", "--config", str(config), "--to", str(tmp_path / "b.tar.gz"))

    assert "pg_dump --format=custom" in made.stdout
    with tarfile.open(tmp_path / "b.tar.gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        assert "data/media/ab/abcdef.jpg" in archive.getnames()
        assert "database/fedlocal.sqlite3" not in archive.getnames()
    assert manifest["database"] == "postgresql" and manifest["database_included"] is False

    fresh = instance(tmp_path / "after", url)
    restored = run_cli("restore", "--config", str(fresh), "--from", str(tmp_path / "b.tar.gz"))
    assert "pg_restore" in restored.stdout
    assert (tmp_path / "after" / "data" / "media" / "ab" / "abcdef.jpg").read_bytes() == (
        photo.read_bytes()
    )

    sqlite = write_config(
        tmp_path / "sqlite.toml",
        {"name": "Nord", "base_url": "https://nord.example", "data_dir": str(tmp_path / "s")},
    )
    refused = run_cli(
        "restore", "--config", str(sqlite), "--from", str(tmp_path / "b.tar.gz"), expect=1
    )
    assert "PostgreSQL instance" in refused.stderr
