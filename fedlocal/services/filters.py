"""Filters (Mastodon's v2): a resident's keywords and statuses to keep out of sight, in
the contexts they choose (home and lists, notifications, public timelines, threads,
account pages), until they expire.

Where a filter applies, `hide` takes the status (or the notification about it) out of
the page and of the streams; `warn` and `blur` keep it, with the filters that caught it
(the status entity's `filtered`, Mastodon's FilterResult) so the app shows a warning or
blurs its pictures. Keywords match the status's text, content warning and picture
descriptions, ignoring case; a `whole_word` keyword only at word boundaries."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ..clock import utcnow
from ..models import Actor, Filter, FilterKeyword, FilterStatus, Post
from ..sanitize import html_to_text
from ..store import filters as filter_store
from .context import ServiceContext
from .errors import InvalidInput, NotFound
from .lists import title as list_title
from .views import FilterMatch, NotificationView, PostView
from .visibility import visible_post

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")
MAX_KEYWORD = 256
MAX_FILTERS = 100
MAX_KEYWORDS = 100
# Ten years: longer is "never".
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600


@dataclass(frozen=True)
class KeywordInput:
    """A keyword as an app sends it in `keywords_attributes`: a new one (no id), a
    change of one (an id), or a removal (`destroy`)."""

    keyword: str | None = None
    whole_word: bool | None = None
    id: int | None = None
    destroy: bool = False


def _context(context: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(context))
    if not chosen:
        raise InvalidInput("Validation failed: Context can't be blank", field="context")
    if any(c not in CONTEXTS for c in chosen):
        raise InvalidInput(
            "Validation failed: Context is not one of home, notifications, public, thread, account",
            field="context",
        )
    return chosen


def _action(action: str | None) -> str:
    if action not in ACTIONS:
        raise InvalidInput(
            "Validation failed: Filter action is not one of warn, hide, blur",
            field="filter_action",
        )
    return action


def _keyword(keyword: str | None) -> str:
    cleaned = (keyword or "").strip()
    if not cleaned:
        raise InvalidInput("Validation failed: Keyword can't be blank", field="keyword")
    if len(cleaned) > MAX_KEYWORD:
        raise InvalidInput("Validation failed: Keyword is too long", field="keyword")
    return cleaned


def expiry(expires_in: int | None, now: datetime) -> datetime | None:
    if expires_in is None or expires_in <= 0:
        return None
    return now + timedelta(seconds=min(expires_in, MAX_EXPIRES_IN))


async def owned(ctx: ServiceContext, owner: Actor, filter_id: int) -> Filter:
    async with ctx.db.read() as conn:
        found = await filter_store.get(conn, filter_id)
    if found is None or found.actor_id != owner.id:
        raise NotFound("Record not found")
    return found


async def filters_of(ctx: ServiceContext, owner: Actor) -> list[Filter]:
    async with ctx.db.read() as conn:
        return await filter_store.filters_of(conn, owner.id)


async def create(
    ctx: ServiceContext,
    owner: Actor,
    *,
    title: str | None,
    context: Sequence[str],
    action: str | None = None,
    expires_in: int | None = None,
    keywords: Sequence[KeywordInput] = (),
) -> Filter:
    cleaned = list_title(title)
    contexts = _context(context)
    chosen = _action(action or "warn")
    new = [(_keyword(k.keyword), bool(k.whole_word)) for k in keywords if not k.destroy]
    if len(new) > MAX_KEYWORDS:
        raise InvalidInput("Validation failed: Too many keywords", field="keywords_attributes")
    now = utcnow()
    async with ctx.db.write() as conn:
        if len(await filter_store.filters_of(conn, owner.id)) >= MAX_FILTERS:
            raise InvalidInput("Validation failed: You have reached the maximum number of filters")
        filter_id = await filter_store.create(
            conn,
            owner.id,
            title=cleaned,
            context=contexts,
            action=chosen,
            expires_at=expiry(expires_in, now),
            at=now,
        )
        for keyword, whole_word in new:
            await filter_store.add_keyword(conn, filter_id, keyword, whole_word)
        made = await filter_store.get(conn, filter_id)
    assert made is not None
    return made


async def change(
    ctx: ServiceContext,
    owner: Actor,
    filter_id: int,
    *,
    title: str | None = None,
    context: Sequence[str] | None = None,
    action: str | None = None,
    expires_in: int | None = None,
    expires_in_given: bool = False,
    keywords: Sequence[KeywordInput] = (),
) -> Filter:
    """Change what is given; `keywords` adds, changes (by id) and removes keywords. All
    checked before anything is written."""
    found = await owned(ctx, owner, filter_id)
    values: dict[str, object] = {}
    if title is not None:
        values["title"] = list_title(title)
    if context is not None:
        values["context"] = _context(context)
    if action is not None:
        values["action"] = _action(action)
    if expires_in_given:
        values["expires_at"] = expiry(expires_in, utcnow())
    own_keywords = {k.id for k in found.keywords}
    for k in keywords:
        if k.id is not None and k.id not in own_keywords:
            raise NotFound("Record not found")
        if not k.destroy and (k.id is None or k.keyword is not None):
            _keyword(k.keyword)
    async with ctx.db.write() as conn:
        await filter_store.change(conn, found.id, **values)
        for k in keywords:
            if k.id is None:
                if not k.destroy:
                    await filter_store.add_keyword(
                        conn, found.id, _keyword(k.keyword), bool(k.whole_word)
                    )
            elif k.destroy:
                await filter_store.remove_keyword(conn, k.id)
            else:
                changed: dict[str, object] = {}
                if k.keyword is not None:
                    changed["keyword"] = _keyword(k.keyword)
                if k.whole_word is not None:
                    changed["whole_word"] = k.whole_word
                await filter_store.change_keyword(conn, k.id, **changed)
        made = await filter_store.get(conn, found.id)
    assert made is not None
    return made


async def remove(ctx: ServiceContext, owner: Actor, filter_id: int) -> None:
    found = await owned(ctx, owner, filter_id)
    async with ctx.db.write() as conn:
        await filter_store.remove(conn, found.id)


async def own_keyword(ctx: ServiceContext, owner: Actor, keyword_id: int) -> FilterKeyword:
    async with ctx.db.read() as conn:
        found = await filter_store.keyword(conn, keyword_id)
    if found is None:
        raise NotFound("Record not found")
    await owned(ctx, owner, found.filter_id)
    return found


async def add_keyword(
    ctx: ServiceContext, owner: Actor, filter_id: int, keyword: str | None, whole_word: bool
) -> FilterKeyword:
    found = await owned(ctx, owner, filter_id)
    cleaned = _keyword(keyword)
    async with ctx.db.write() as conn:
        keyword_id = await filter_store.add_keyword(conn, found.id, cleaned, whole_word)
        made = await filter_store.keyword(conn, keyword_id)
    assert made is not None
    return made


async def change_keyword(
    ctx: ServiceContext,
    owner: Actor,
    keyword_id: int,
    keyword: str | None,
    whole_word: bool | None,
) -> FilterKeyword:
    found = await own_keyword(ctx, owner, keyword_id)
    values: dict[str, object] = {}
    if keyword is not None:
        values["keyword"] = _keyword(keyword)
    if whole_word is not None:
        values["whole_word"] = whole_word
    async with ctx.db.write() as conn:
        await filter_store.change_keyword(conn, found.id, **values)
        changed = await filter_store.keyword(conn, found.id)
    assert changed is not None
    return changed


async def remove_keyword(ctx: ServiceContext, owner: Actor, keyword_id: int) -> None:
    found = await own_keyword(ctx, owner, keyword_id)
    async with ctx.db.write() as conn:
        await filter_store.remove_keyword(conn, found.id)


async def own_status(ctx: ServiceContext, owner: Actor, filter_status_id: int) -> FilterStatus:
    async with ctx.db.read() as conn:
        found = await filter_store.status(conn, filter_status_id)
    if found is None:
        raise NotFound("Record not found")
    await owned(ctx, owner, found.filter_id)
    return found


async def add_status(
    ctx: ServiceContext, owner: Actor, filter_id: int, post_id: int
) -> FilterStatus:
    found = await owned(ctx, owner, filter_id)
    post, _author = await visible_post(ctx, owner, post_id)
    async with ctx.db.write() as conn:
        return await filter_store.add_status(conn, found.id, post.id)


async def remove_status(ctx: ServiceContext, owner: Actor, filter_status_id: int) -> None:
    found = await own_status(ctx, owner, filter_status_id)
    async with ctx.db.write() as conn:
        await filter_store.remove_status(conn, found.id)


# Applying filters


def _pattern(keyword: FilterKeyword) -> re.Pattern[str]:
    """Mastodon's rule: a whole-word keyword is bounded where it starts or ends with a
    word character."""
    text = re.escape(keyword.keyword)
    if keyword.whole_word:
        start = r"\b" if re.match(r"\w", keyword.keyword) else ""
        end = r"\b" if re.search(r"\w$", keyword.keyword) else ""
        text = start + text + end
    return re.compile(text, re.IGNORECASE)


def _searchable(post: Post) -> str:
    parts = [post.summary or "", post.name or "", html_to_text(post.content)]
    parts.extend(a.description or "" for a in post.attachments)
    return "\n".join(parts)


def match(found: Sequence[Filter], post: Post) -> list[FilterMatch]:
    """The filters of `found` that catch `post`."""
    text: str | None = None
    matches = []
    for item in found:
        statuses = tuple(s.post_id for s in item.statuses if s.post_id == post.id)
        keywords: list[str] = []
        if item.keywords:
            text = _searchable(post) if text is None else text
            keywords = [k.keyword for k in item.keywords if _pattern(k).search(text)]
        if statuses or keywords:
            matches.append(FilterMatch(item, tuple(keywords), statuses))
    return matches


async def active(conn: AsyncConnection, viewer: Actor | None, context: str) -> list[Filter]:
    if viewer is None:
        return []
    found = await filter_store.filters_of(conn, viewer.id, active_at=utcnow())
    return [f for f in found if context in f.context]


def _kept(view: PostView, found: Sequence[Filter]) -> PostView | None:
    matches = match(found, view.post)
    if not matches:
        return view
    if any(m.filter.action == "hide" for m in matches):
        return None
    return dataclasses.replace(view, filtered=tuple(matches))


async def apply(
    conn: AsyncConnection, viewer: Actor | None, shown: Sequence[PostView], context: str
) -> list[PostView]:
    """`shown` as the viewer's filters for `context` leave it: hidden ones out, the
    others marked with the filters that warn about them."""
    found = await active(conn, viewer, context)
    if not found:
        return list(shown)
    kept = (_kept(view, found) for view in shown)
    return [view for view in kept if view is not None]


async def apply_to_notifications(
    conn: AsyncConnection, viewer: Actor, shown: Sequence[NotificationView]
) -> list[NotificationView]:
    """Notifications about a status the viewer's `notifications` filters hide are left
    out; those about a status they warn of carry the warning."""
    found = await active(conn, viewer, "notifications")
    if not found:
        return list(shown)
    result = []
    for view in shown:
        if view.status is None:
            result.append(view)
            continue
        status = _kept(view.status, found)
        if status is not None:
            result.append(dataclasses.replace(view, status=status))
    return result
