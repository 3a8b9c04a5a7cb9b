"""Acting as a resident from the command line: the scripting path a town hall uses."""

from __future__ import annotations

import argparse

from ..boundary import ids
from ..services import blocks, follows, posts
from ..services.errors import InvalidInput
from .runtime import open_instance, resident


async def post(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        author = await resident(federation, args.author)
        published = await posts.publish_note(
            federation.services,
            author,
            args.text,
            visibility=args.visibility,
            category=args.category,
        )
    print(published.uri)
    return 0


async def delete(args: argparse.Namespace) -> int:
    post_id = ids.parse_id(args.post.rstrip("/").rsplit("/", 1)[-1])
    if post_id is None:
        raise InvalidInput(f"not a post id or URL: {args.post}")
    async with open_instance(args.config) as federation:
        author = await resident(federation, args.author)
        deleted = await posts.delete_post(federation.services, author, post_id)
    print(f"deleted {deleted.uri}")
    return 0


async def follow(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        follower = await resident(federation, args.author)
        relation = await follows.follow(federation.services, follower, args.target)
    print(f"{args.author} follows {args.target} ({relation.state})")
    return 0


async def unfollow(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        follower = await resident(federation, args.author)
        await follows.unfollow(federation.services, follower, args.target)
    print(f"{args.author} no longer follows {args.target}")
    return 0


async def block(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        blocker = await resident(federation, args.author)
        target = await follows.resolve_target(federation.services, args.target)
        await blocks.block(federation.services, blocker, target.id)
    print(f"{args.author} blocks {args.target}")
    return 0


async def unblock(args: argparse.Namespace) -> int:
    async with open_instance(args.config) as federation:
        blocker = await resident(federation, args.author)
        target = await follows.resolve_target(federation.services, args.target)
        await blocks.unblock(federation.services, blocker, target.id)
    print(f"{args.author} no longer blocks {args.target}")
    return 0
