"""What the demo already published on an instance: `demo-seed.json` in its data directory.

Posts have no natural key (two neighbours may well publish the same title), so the demo
notes, for each seed entry it published, the post's URI. Everything else it seeds is found
again by its own key — an account or a group by name, a follow by its two actors, an
interest or an RSVP by post and person, a status by the post's current status — so only
publications need this record.

The file lives beside the SQLite database, so `--reset` removes both together, and the
schema stays the server's own. An entry whose post is missing from the database (the
database was replaced by hand) does not count: the entry is published again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

FILE_NAME = "demo-seed.json"
VERSION = 1


class Ledger:
    def __init__(self, path: Path, published: dict[str, str] | None = None):
        self.path = path
        self.published: dict[str, str] = dict(published or {})

    @classmethod
    def load(cls, data_dir: Path) -> Ledger:
        path = data_dir / FILE_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError):
            return cls(path)  # unreadable: publish again rather than stop the demo
        if not isinstance(raw, dict) or raw.get("version") != VERSION:
            return cls(path)
        published = raw.get("published")
        return cls(path, published if isinstance(published, dict) else {})

    def uri(self, item_id: str) -> str | None:
        return self.published.get(item_id)

    def record(self, item_id: str, uri: str) -> None:
        """Note a publication at once (written to a temporary file, then renamed)."""
        self.published[item_id] = uri
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        document = {"version": VERSION, "published": self.published}
        temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False), "utf-8")
        os.replace(temporary, self.path)

    def forget(self, item_id: str) -> None:
        self.published.pop(item_id, None)
