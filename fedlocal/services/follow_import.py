"""Importing the accounts one follows from a file: Mastodon's export
(`Account address,Show boosts,Notify on new posts,Languages`, the header optional) or a
bare list of addresses, one a line.

A file is bounded (`MAX_BYTES`, `MAX_ROWS`); each address is resolved (WebFinger through
the signed, guarded client) and followed, a few at once. At most `BATCH` new follows are
made per import, so a page answers in reasonable time: accounts already followed are
skipped, so sending the same file again carries on where the last import stopped."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field

from ..models import Actor
from ..store import follows as follow_store
from . import follows
from .context import ServiceContext
from .errors import InvalidInput, ServiceError

MAX_BYTES = 512 * 1024
MAX_ROWS = 5000
BATCH = 100
AT_ONCE = 4
_HEADER = "account address"


@dataclass
class ImportReport:
    """What an import did: addresses followed (or asked), already followed, refused (with
    the reason), and how many are left for the next import of the same file."""

    followed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[tuple[str, ServiceError]] = field(default_factory=list)
    left: int = 0


def parse_follows(data: bytes) -> list[str]:
    """The addresses of a follows file, in order, each once (`@` dropped)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("a file of at most %(kb)s KB", kb=MAX_BYTES // 1024, field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("this file is not a list of addresses", field="file") from None
    addresses: dict[str, None] = {}
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise InvalidInput("this file is not a list of addresses", field="file") from None
    for number, row in enumerate(rows):
        first = row[0].strip() if row else ""
        if not first or (number == 0 and first.lower() == _HEADER):
            continue
        addresses[first.lstrip("@")] = None
        if len(addresses) > MAX_ROWS:
            raise InvalidInput("a file of at most %(rows)s addresses", rows=MAX_ROWS, field="file")
    if not addresses:
        raise InvalidInput("this file is not a list of addresses", field="file")
    return list(addresses)


async def import_follows(ctx: ServiceContext, follower: Actor, data: bytes) -> ImportReport:
    """Follow every address of `data` (see the module docstring)."""
    addresses = parse_follows(data)
    report = ImportReport()
    gate = asyncio.Semaphore(AT_ONCE)
    budget = [BATCH]

    async def one(address: str) -> None:
        async with gate:
            if budget[0] <= 0:
                report.left += 1
                return
            try:
                target = await follows.resolve_target(ctx, address)
                async with ctx.db.read() as conn:
                    existing = await follow_store.get_follow(conn, follower.id, target.id)
                if existing is not None or target.id == follower.id:
                    report.already.append(address)
                    return
                if budget[0] <= 0:
                    report.left += 1
                    return
                budget[0] -= 1
                await follows.follow(ctx, follower, address)
                report.followed.append(address)
            except ServiceError as exc:
                report.failed.append((address, exc))

    await asyncio.gather(*(one(address) for address in addresses))
    order = {address: n for n, address in enumerate(addresses)}
    report.followed.sort(key=order.__getitem__)
    report.already.sort(key=order.__getitem__)
    report.failed.sort(key=lambda item: order[item[0]])
    return report
