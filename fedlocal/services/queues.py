"""The work queues' failures, for an admin to see, retry or drop.

Two queues keep what their workers gave up on: the inbox queue (an activity whose
processing failed — a bug, or a remote server that stayed unreachable) and the
deliveries (an activity another server refused for good, or never took in all our
attempts). Each failure is named `inbox:<id>` or `delivery:<id>` (the two queues number
their rows separately), which is how the CLI prints and reads them and the admin page
sends them back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from activitypub.jsonutil import MalformedJSON, loads_bounded

from ..store import inbox_queue as inbox_store
from ..store import outbox as outbox_store
from .context import ServiceContext
from .errors import InvalidInput

KINDS = ("inbox", "delivery")
LISTED = 200


@dataclass(frozen=True)
class FailureRef:
    """One failure: which queue, which row."""

    kind: str  # inbox | delivery
    id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Failure:
    """A failed inbox item or a dead delivery, as an admin sees it."""

    ref: FailureRef
    verb: str | None  # the activity's type, when its body says
    activity_uri: str | None
    # Who sent it (inbox) or where it was going (delivery: the target inbox).
    party: str | None
    attempts: int
    error: str | None
    status: int | None  # the target's last HTTP status (deliveries)
    at: datetime  # when it was received (inbox) or queued (delivery)

    @property
    def kind(self) -> str:
        return self.ref.kind


def parse_ref(text: str, *, kind: str | None = None) -> FailureRef:
    """`inbox:12` or `delivery:7`; a bare number when `kind` says which queue."""
    named, sep, number = text.strip().rpartition(":")
    if not sep:
        named, number = kind or "", text.strip()
    elif kind is not None and named != kind:
        raise InvalidInput(f"{text!r} is not in the {kind} queue", field="id")
    if named not in KINDS:
        raise InvalidInput(
            f"{text!r}: name a failure as inbox:ID or delivery:ID, as `failures` lists them",
            field="id",
        )
    if not number.isdigit() or len(number) > 18:
        raise InvalidInput(f"{text!r} is not a failure's id", field="id")
    return FailureRef(named, int(number))


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"the kind is inbox or delivery, not {kind!r}", field="kind")


def _verb(document: Any) -> str | None:
    verb = document.get("type") if isinstance(document, dict) else None
    return verb if isinstance(verb, str) else None


def _received_verb(body: bytes) -> str | None:
    """The type an inbox item says it is; its body came from another server, and a
    failed one may be anything."""
    try:
        return _verb(loads_bounded(body))
    except MalformedJSON:
        return None


async def failures(
    ctx: ServiceContext, *, kind: str | None = None, limit: int = LISTED
) -> list[Failure]:
    """The failures of both queues (or of `kind`), newest first in each, inbox first;
    at most `limit` of each."""
    _check_kind(kind)
    found: list[Failure] = []
    if kind in (None, "inbox"):
        async with ctx.db.inbox.read() as conn:
            for item in await inbox_store.failed_items(conn, limit=limit):
                found.append(
                    Failure(
                        ref=FailureRef("inbox", item.id),
                        verb=_received_verb(item.body),
                        activity_uri=item.activity_uri,
                        party=item.actor_uri,
                        attempts=item.attempts,
                        error=item.last_error,
                        status=None,
                        at=item.received_at,
                    )
                )
    if kind in (None, "delivery"):
        async with ctx.db.read() as conn:
            for dead in await outbox_store.dead_deliveries(conn, limit=limit):
                found.append(
                    Failure(
                        ref=FailureRef("delivery", dead.id),
                        verb=_verb(json.loads(dead.body)),  # ours: well-formed
                        activity_uri=dead.activity_uri,
                        party=dead.inbox_url,
                        attempts=dead.attempts,
                        error=dead.last_error,
                        status=dead.last_status,
                        at=dead.created_at,
                    )
                )
    return found


def _ids(refs: Sequence[FailureRef] | None, kind: str, wanted: str | None) -> list[int] | None:
    """The row ids of queue `kind` to act on: None for all of them (no refs given and the
    kind wanted), [] for none."""
    if refs is None:
        return None if wanted in (None, kind) else []
    return [ref.id for ref in refs if ref.kind == kind]


async def retry(
    ctx: ServiceContext, refs: Sequence[FailureRef] | None, *, kind: str | None = None
) -> int:
    """Put failures back in their queue as new (due now, no attempt spent): those of
    `refs`, or every one (of `kind`, if given) when `refs` is None. Returns how many; a
    ref that is no failure (done, dropped, never was) is skipped."""
    _check_kind(kind)
    inbox_ids = _ids(refs, "inbox", kind)
    delivery_ids = _ids(refs, "delivery", kind)
    requeued = revived = 0
    if inbox_ids != []:
        async with ctx.db.inbox.write() as conn:
            requeued = await inbox_store.requeue_failed(conn, inbox_ids)
    if delivery_ids != []:
        async with ctx.db.write() as conn:
            revived = await outbox_store.revive_deliveries(conn, delivery_ids)
    if revived:
        ctx.outbox.wake()  # the inbox worker polls; the delivery worker sleeps till due
    return requeued + revived


async def drop(
    ctx: ServiceContext, refs: Sequence[FailureRef] | None, *, kind: str | None = None
) -> int:
    """Forget failures: those of `refs`, or every one (of `kind`, if given) when `refs`
    is None. Returns how many."""
    _check_kind(kind)
    inbox_ids = _ids(refs, "inbox", kind)
    delivery_ids = _ids(refs, "delivery", kind)
    count = 0
    if inbox_ids != []:
        async with ctx.db.inbox.write() as conn:
            count += await inbox_store.delete_failed(conn, inbox_ids)
    if delivery_ids != []:
        async with ctx.db.write() as conn:
            count += await outbox_store.delete_dead_deliveries(conn, delivery_ids)
    return count
