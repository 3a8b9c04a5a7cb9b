"""The queues a process works, by name: `fedlocal worker --queues inbox` runs the inbox
worker alone, and another process the rest (docs/operations.md#several-processes). Kept
apart from the workers so that the command line can name them without importing them."""

from __future__ import annotations

import argparse

QUEUES = ("inbox", "deliveries", "push", "exports", "maintenance")


def queue_names(text: str) -> tuple[str, ...]:
    """`inbox,deliveries` as ("inbox", "deliveries"); a usage error for an unknown name or
    none at all."""
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        named = ", ".join(unknown) or repr(text)
        raise argparse.ArgumentTypeError(
            f"unknown queue {named}: expected some of {', '.join(QUEUES)}"
        )
    return names
