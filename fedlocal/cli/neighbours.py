"""`fedlocal neighbours add|list|remove` and `fedlocal group create`."""

from __future__ import annotations

import argparse

from ..services import groups, neighbours
from .runtime import open_instance, resident


def _describe(link: neighbours.NeighbourLink) -> str:
    outgoing = {"accepted": "linked", "pending": "waiting for their approval"}.get(
        link.outgoing or "", "not followed"
    )
    incoming = {"accepted": "they see our posts", "pending": "they asked to link"}.get(
        link.incoming or "", "they do not follow us"
    )
    return f"{link.domain:<28} {link.actor.uri}  ({outgoing}; {incoming})"


async def add(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        link = await neighbours.link(federation.services, args.domain)
    print(_describe(link))
    return 0


async def remove(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        removed = await neighbours.unlink(federation.services, args.domain)
    for link in removed:
        print(f"unlinked {link.domain} ({link.actor.uri})")
    return 0


async def list_links(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        links = await neighbours.neighbours(federation.services)
    if not links:
        print("no neighbours yet: fedlocal neighbours add --config FILE DOMAIN")
    for link in links:
        print(_describe(link))
    return 0


async def create_group(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        creator = await resident(federation, args.by)
        group = await groups.create_group(
            federation.services,
            creator,
            args.name,
            display_name=args.display_name or args.name,
            summary=args.summary or "",
            approval_required=args.approval,
        )
    print(f"created group @{group.handle} ({group.uri}), moderated by {args.by}")
    return 0
