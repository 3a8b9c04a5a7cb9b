"""What a verb handler receives, and how it says "ignore this" or "try again later"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...models import Actor
from ..runtime import Federation


@dataclass(frozen=True)
class InboxContext:
    federation: Federation
    activity: dict[str, Any]
    actor: Actor

    @property
    def services(self):
        return self.federation.services

    @property
    def our_prefix(self) -> str:
        """What every URL of ours starts with (`https://host[:port]/`)."""
        return f"{self.federation.urls.base}/"


class Ignored(Exception):
    """The activity is valid but has nothing to do here; it is marked processed."""


class RetryLater(Exception):
    """A temporary failure (a remote server is unreachable); the worker retries."""
