"""Where picture files live, behind one small interface (`MediaFiles`).

Files are named by the SHA-256 of their content (`ab/abcdef….jpg`): the same picture
uploaded twice is one file, a name never changes meaning, and a URL can be cached for
ever. The database says which rows use a file; the services remove a file when its last
row goes (`services.media`).

`LocalMediaFiles` keeps them under `data_dir/media`, served by `serve.py`. An
S3-compatible store is another class with the same four methods (docs/admin.md,
"Pictures"): `put` uploads with the content type and a long `Cache-Control`, `delete`
removes the object, `url` gives the bucket's (or its CDN's) public address, and
`exists` asks for the object's head. Nothing else in the program knows where files are.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

EXTENSIONS = {"image/jpeg": "jpg", "image/webp": "webp", "image/png": "png"}
CONTENT_TYPES = {extension: kind for kind, extension in EXTENSIONS.items()}
# What a key looks like: nothing else is ever a path below the media directory.
KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.(jpg|webp|png)$")


def key_for(data: bytes, content_type: str) -> str:
    """The name of a file holding `data`."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest}.{EXTENSIONS[content_type]}"


def content_type_of(key: str) -> str:
    return CONTENT_TYPES[key.rpartition(".")[2]]


class MediaFiles(Protocol):
    """A store of picture files named by their content."""

    async def put(self, data: bytes, content_type: str) -> str:
        """Keep `data` (if not kept already); its key."""

    async def delete(self, key: str) -> None:
        """Remove a file; nothing happens when it is not there."""

    async def exists(self, key: str) -> bool: ...

    def url(self, key: str) -> str:
        """The public address of a file."""


class LocalMediaFiles:
    """Files in a directory, served by this server at `{base_url}/media/{key}`."""

    def __init__(self, root: Path, base_url: str):
        self.root = root
        self.base_url = base_url.rstrip("/")

    def path(self, key: str) -> Path | None:
        """Where the file of `key` is, for a well-formed key (else None)."""
        if not KEY.match(key):
            return None
        return self.root / key

    async def put(self, data: bytes, content_type: str) -> str:
        key = key_for(data, content_type)
        await asyncio.to_thread(self._write, key, data)
        return key

    def _write(self, key: str, data: bytes) -> None:
        target = self.root / key
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its place, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def delete(self, key: str) -> None:
        path = self.path(key)
        if path is not None:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        path = self.path(key)
        return path is not None and await asyncio.to_thread(path.is_file)

    def url(self, key: str) -> str:
        return f"{self.base_url}/media/{key}"
