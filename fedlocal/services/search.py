"""Search as Mastodon apps use it: a URL or a handle (fetched from its server when
`resolve` is asked for — how app users find people on other instances), hashtags, and
accounts by name. Statuses are found by URL only (no full-text search, as Mastodon
without its search engine)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..formatting import normalise_hashtag
from ..models import Actor, Post
from ..store import actors as actor_store
from ..store import hashtags as hashtag_store
from ..store import timelines as timeline_store
from . import views
from .context import ServiceContext
from .errors import ServiceError
from .views import AccountView, PostView

TYPES = ("accounts", "statuses", "hashtags")
_HANDLE = re.compile(r"^@?([\w.-]+)@([\w.-]+(?::\d{1,5})?)$")


@dataclass(frozen=True)
class SearchResults:
    accounts: list[AccountView] = field(default_factory=list)
    statuses: list[PostView] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)


async def search(
    ctx: ServiceContext,
    viewer: Actor | None,
    query: str,
    *,
    type: str | None = None,
    resolve: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    query = query.strip()
    if not query:
        return SearchResults()
    # Fetching from other servers is for residents only (as Mastodon: resolve needs a token).
    resolve = resolve and viewer is not None
    found_actors: list[Actor] = []
    found_posts: list[Post] = []
    tags: list[str] = []
    if query.startswith(("https://", "http://")):
        if offset == 0:
            found = await _by_url(ctx, query, resolve)
            if isinstance(found, Post):
                found_posts.append(found)
            elif isinstance(found, Actor):
                found_actors.append(found)
    elif (handle := _HANDLE.match(query)) is not None:
        if offset == 0:
            actor = await _by_handle(ctx, handle.group(1), handle.group(2), resolve)
            if actor is not None:
                found_actors.append(actor)
    else:
        text = query.lstrip("#@")
        async with ctx.db.read() as conn:
            if type in (None, "hashtags") and text:
                tags = await hashtag_store.tags_starting_with(
                    conn, normalise_hashtag(text), limit=limit + offset
                )
                tags = tags[offset:]
            if type in (None, "accounts") and text and not query.startswith("#"):
                found_actors = await timeline_store.search_actors(
                    conn, text, limit=limit, offset=offset
                )
    async with ctx.db.read() as conn:
        accounts = (
            await views.accounts(conn, found_actors[:limit]) if type in (None, "accounts") else []
        )
        statuses = (
            await views.posts(conn, viewer, found_posts[:limit])
            if type in (None, "statuses")
            else []
        )
    return SearchResults(accounts=accounts, statuses=statuses, hashtags=tags)


async def _by_url(ctx: ServiceContext, url: str, resolve: bool) -> Actor | Post | None:
    async with ctx.db.read() as conn:
        post = await timeline_store.post_by_url(conn, url)
        if post is not None:
            return post
        actor = await timeline_store.actor_by_url(conn, url)
        if actor is not None:
            return actor if actor.role != "instance" else None
    if not resolve or url.startswith(ctx.config.base_url + "/"):
        return None
    try:
        return await ctx.remote.resolve(url)
    except ServiceError:
        return None


async def _by_handle(ctx: ServiceContext, user: str, host: str, resolve: bool) -> Actor | None:
    async with ctx.db.read() as conn:
        if host.lower() == ctx.config.domain:
            actor = await actor_store.get_local_actor(conn, user)
            return actor if actor is not None and actor.role != "instance" else None
        cached = await actor_store.find_remote_actor(conn, user, host)
    if not resolve:
        return cached
    try:
        return await ctx.remote.actor_by_handle(f"{user}@{host}")
    except ServiceError:
        return cached
