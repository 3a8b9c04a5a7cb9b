"""Directories that refuse writes, for real when the test can make them: a read-only one
(permissions, or a read-only tmpfs when running as root) and a nearly full one (a tiny
tmpfs). Where neither is possible, the caller falls back to simulating the error."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


def _writable(directory: Path) -> bool:
    probe = directory / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


def _mount_tmpfs(directory: Path, options: str) -> bool:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _unmount(directory: Path) -> None:
    subprocess.run(["umount", str(directory)], capture_output=True, check=False)


@contextlib.contextmanager
def read_only_directory(directory: Path) -> Iterator[bool]:
    """Make `directory` refuse writes; yields whether that worked for real."""
    directory.mkdir()
    directory.chmod(0o500)
    try:
        if not _writable(directory):
            yield True
            return
        if os.geteuid() == 0 and _mount_tmpfs(directory, "ro,size=1m"):
            try:
                yield not _writable(directory)
            finally:
                _unmount(directory)
            return
        yield False
    finally:
        directory.chmod(0o700)


@contextlib.contextmanager
def tiny_disk(directory: Path, size: str = "64k") -> Iterator[bool]:
    """A filesystem of `size` bytes at `directory`; yields whether it could be made."""
    directory.mkdir()
    if os.geteuid() == 0 and _mount_tmpfs(directory, f"size={size}"):
        try:
            yield True
        finally:
            _unmount(directory)
        return
    yield False
