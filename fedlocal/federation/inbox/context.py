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
    def activity_id(self) -> str:
        """The activity's own id. The verbs that need one (shapes.SHAPES) never reach a
        handler without it; for the others, asking makes the activity ignored."""
        value = self.activity.get("id")
        if not isinstance(value, str) or not value:
            raise Ignored(f"a {self.activity.get('type')} without an id")
        return value

    @property
    def our_prefix(self) -> str:
        """What every URL of ours starts with (`https://host[:port]/`)."""
        return f"{self.federation.urls.base}/"


def object_type(value: Any) -> str | None:
    """The type of an embedded object: its `type` string, or the first string of a `type`
    array; None for a bare id or an object without a usable type. Other servers send
    anything here, and a list must never reach a set lookup or a comparison as is."""
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if isinstance(k, str)), None)
    return kind if isinstance(kind, str) else None


class Ignored(Exception):
    """The activity is valid but has nothing to do here; it is marked processed."""


class RetryLater(Exception):
    """A temporary failure (a remote server is unreachable); the worker retries."""
