"""`fedlocal queue failures|retry|drop`: what the inbox and delivery workers gave up on."""

from __future__ import annotations

import argparse

from ..services import queues
from ..services.errors import InvalidInput
from .runtime import open_instance

ERROR_WIDTH = 200


def _one_line(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= ERROR_WIDTH else text[: ERROR_WIDTH - 1] + "…"


def describe(failure: queues.Failure) -> str:
    """One failure on one line: id, when, what, who, attempts, why."""
    when = failure.at.strftime("%Y-%m-%d %H:%M UTC")
    what = f"{failure.verb or '?'} {failure.activity_uri or '(no id)'}"
    party = f"from {failure.party}" if failure.kind == "inbox" else f"to {failure.party}"
    why = _one_line(failure.error) or "no error recorded"
    if failure.status is not None:
        why = f"HTTP {failure.status}: {why}"
    return f"{failure.ref!s:<16} {when}  {what}  {party}  attempts {failure.attempts}  {why}"


async def list_failures(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        found = await queues.failures(federation.services, kind=args.kind)
    if not found:
        print("no failures: every activity was processed, or is still being tried")
    for failure in found:
        print(describe(failure))
    return 0


def _refs(args: argparse.Namespace) -> list[queues.FailureRef] | None:
    """The failures named on the command line; None for --all."""
    if args.all == bool(args.ids):
        raise InvalidInput("name the failures to act on (inbox:ID, delivery:ID), or say --all")
    if args.all:
        return None
    return [queues.parse_ref(text, kind=args.kind) for text in args.ids]


def _report(done: int, refs: list[queues.FailureRef] | None, what: str) -> None:
    line = f"{done} {'failure' if done == 1 else 'failures'} {what}"
    if refs is not None and done < len(refs):
        line += f" ({len(refs) - done} of those named are not failures: done, dropped or unknown)"
    print(line)


async def retry(args: argparse.Namespace) -> int:
    refs = _refs(args)
    async with open_instance(args.config) as federation:
        done = await queues.retry(federation.services, refs, kind=args.kind)
    _report(done, refs, "put back in the queue")
    return 0


async def drop(args: argparse.Namespace) -> int:
    refs = _refs(args)
    async with open_instance(args.config) as federation:
        done = await queues.drop(federation.services, refs, kind=args.kind)
    _report(done, refs, "dropped")
    return 0
