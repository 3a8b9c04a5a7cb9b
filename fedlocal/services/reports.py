"""Reports: a resident reports a post, a message or an account; another server's `Flag`
enters the same queue; moderators read each report as it was made and resolve it.

A report keeps a snapshot of what it is about (the account, the posts' text, pictures and
author) taken when it is made, so an edit or a deletion afterwards does not change what
moderators read. A report about another server's account may be forwarded to it as a
`Flag` from our instance actor: the resident who reported is never named there.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..clock import utcnow
from ..models import REPORT_CATEGORIES, Account, Actor, Post, Report
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import moderation as moderation_store
from ..store import posts as post_store
from ..store import reports as report_store
from ..store import timelines as timeline_store
from ..store.moderation import ModerationState
from . import audit, moderation_actions, outgoing, views
from .admin_accounts import AdminAccountView
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .staff import can_moderate
from .views import PostView
from .visibility import visible_post

# Mastodon's limit on a report's comment.
COMMENT_MAX = 1000
# Posts one report may name.
POSTS_MAX = 20
# What a Flag from another server may carry: a longer comment than ours (Misskey allows
# 2,048 characters), and a bounded list of objects.
FLAG_COMMENT_MAX = 5000
FLAG_OBJECTS_MAX = 100
# Why a report was resolved: dismissed, or one of the moderation actions (`disable`:
# through the admin API's account action).
ACTIONS = ("dismiss", "remove_post", "warn", "limit", "suspend", "disable", "block_domain")
# The note an action carries (the audit log's, and a warning's text).
ACTION_NOTE_MAX = moderation_actions.MAX_NOTE


@dataclass(frozen=True)
class ReportInput:
    """What a resident says when reporting: the account, some of its posts (a post or a
    message), a category and a comment; `forward` sends it on to the account's server."""

    account_id: int
    post_ids: tuple[int, ...] = ()
    category: str = "other"
    comment: str = ""
    forward: bool = False


@dataclass(frozen=True)
class ReportView:
    """A report with the people it names, for the queue and the API."""

    report: Report
    reporter: Actor | None
    target: Actor
    assigned: Account | None = None
    resolved_by: Account | None = None


def check_input(given: ReportInput) -> None:
    """The checks that need no database: category, comment, number of posts."""
    if given.category not in REPORT_CATEGORIES:
        raise InvalidInput(
            "choose a reason among: %(choices)s",
            field="category",
            choices=", ".join(REPORT_CATEGORIES),
        )
    if len(given.comment) > COMMENT_MAX:
        raise InvalidInput(
            "the comment is too long (at most %(max)s characters)",
            field="comment",
            max=COMMENT_MAX,
        )
    if len(given.post_ids) > POSTS_MAX:
        raise InvalidInput("a report names at most %(max)s posts", field="post_ids", max=POSTS_MAX)


# Snapshots


def actor_snapshot(actor: Actor) -> dict[str, Any]:
    return {
        "uri": actor.uri,
        "url": actor.url or actor.uri,
        "handle": actor.handle,
        "display_name": actor.display_name or actor.username,
        "summary": actor.summary,
        "avatar": actor.icon_url if actor.is_local else actor.avatar_small_url,
    }


def post_snapshot(post: Post, author: Actor) -> dict[str, Any]:
    return {
        "id": post.id,
        "uri": post.uri,
        "url": post.url or post.uri,
        "kind": post.kind,
        "visibility": post.visibility,
        "author": author.handle,
        "name": post.name,
        "summary": post.summary,
        "content": post.content,
        "published": post.published.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "media": [
            {
                "url": a.url or a.remote_url,
                "preview_url": a.preview_url,
                "remote_url": a.remote_url,
                "description": a.description,
            }
            for a in post.attachments
        ],
    }


def snapshot(target: Actor, posts: Sequence[Post]) -> dict[str, Any]:
    return {"account": actor_snapshot(target), "posts": [post_snapshot(p, target) for p in posts]}


# Filing a report


async def subject(
    ctx: ServiceContext, reporter: Actor, *, account_id: int | None, post_id: int | None
) -> tuple[Actor, Post | None]:
    """What a report form is about: a post (or a message) and its author, or an account;
    NotFound for what does not exist or the reporter may not see."""
    if post_id is not None:
        post, author = await visible_post(ctx, reporter, post_id)
        return author, post
    if account_id is None:
        raise NotFound("no such account")
    async with ctx.db.read() as conn:
        target = await actor_store.get_actor(conn, account_id)
    if target is None or target.role == "instance":
        raise NotFound("no such account")
    return target, None


async def file_report(ctx: ServiceContext, reporter: Actor, given: ReportInput) -> Report:
    """One of our residents reports an account (and some of its posts). Refused, with
    nothing stored: oneself, something that does not exist or that they may not see,
    posts of someone else, an unknown category, a comment over COMMENT_MAX."""
    if reporter.role != "resident":
        raise Forbidden("only residents can report")
    check_input(given)
    async with ctx.db.write() as conn:
        target = await actor_store.get_actor(conn, given.account_id)
        if target is None or target.role == "instance":
            raise NotFound("no such account")
        if target.id == reporter.id:
            raise InvalidInput("you cannot report yourself", field="account_id")
        posts = []
        for post_id in dict.fromkeys(given.post_ids):
            post, author = await visible_post(ctx, reporter, post_id, conn=conn)
            if author.id != target.id:
                raise InvalidInput(
                    "the posts reported must be the reported account's", field="post_ids"
                )
            posts.append(post)
        forward = given.forward and not target.is_local
        uri = f"{ctx.urls.base}/flags/{uuid.uuid4()}"
        report = await report_store.insert_report(
            conn,
            uri=uri,
            reporter_id=reporter.id,
            origin_domain=None,
            target_id=target.id,
            post_ids=[p.id for p in posts],
            category=given.category,
            comment=given.comment.strip(),
            forwarded=forward,
            snapshot=snapshot(target, posts),
        )
        if forward:
            instance = await actor_store.get_actor_by_role(conn, "instance")
            if instance is None:
                raise Conflict("this server has no instance actor to forward the report")
            await ctx.outbox.send(
                conn,
                outgoing.ReportForwarded(
                    instance=instance,
                    target=target,
                    report_uri=uri,
                    post_uris=tuple(p.uri for p in posts),
                    comment=report.comment,
                ),
            )
    if forward:
        ctx.outbox.wake()
    return report


async def own_report(ctx: ServiceContext, reporter: Actor, report_id: int) -> ReportView:
    """A report as the resident who made it may read it back."""
    async with ctx.db.read() as conn:
        view = await _view(conn, report_id)
    if view.report.reporter_id != reporter.id or view.report.is_remote:
        raise NotFound("no such report")
    return view


# Inbound: called by the Flag handler inside the inbox worker's transaction.


async def receive_flag(
    conn: AsyncConnection,
    sender: Actor,
    *,
    uri: str | None,
    object_uris: Sequence[str],
    comment: str,
) -> list[Report]:
    """Another server reports some of our accounts and posts: one report per account
    named (directly, or as the author of a post named), attributed to the sender's
    server. Objects that are not ours are left out; none ours, no report."""
    targets: dict[int, Actor] = {}
    posts_of: dict[int, list[Post]] = {}
    for object_uri in dict.fromkeys(object_uris):
        actor = await actor_store.get_actor_by_uri(conn, object_uri)
        if actor is not None:
            if actor.is_local and actor.role != "instance":
                targets.setdefault(actor.id, actor)
            continue
        post = await post_store.get_post_by_uri(conn, object_uri)
        if post is None or not post.is_local:
            continue
        author = await actor_store.get_actor(conn, post.actor_id)
        if author is None:
            continue
        targets.setdefault(author.id, author)
        posts_of.setdefault(author.id, []).append(post)
    made = []
    for target in targets.values():
        posts = posts_of.get(target.id, [])
        made.append(
            await report_store.insert_report(
                conn,
                uri=uri,
                reporter_id=sender.id,
                origin_domain=sender.domain,
                target_id=target.id,
                post_ids=[p.id for p in posts],
                category="other",
                comment=comment.strip(),
                forwarded=False,
                snapshot=snapshot(target, posts),
            )
        )
    return made


# The moderation queue


def _require_moderator(account: Account | None) -> Account:
    """Staff only: moderators and administrators (services/staff.py)."""
    if account is None or not can_moderate(account):
        raise Forbidden("this is for the instance's moderators")
    return account


async def _views(conn: AsyncConnection, found: Sequence[Report]) -> list[ReportView]:
    """The reports with the people they name: one query per kind, whatever their number."""
    actor_ids = {r.target_id for r in found} | {r.reporter_id for r in found if r.reporter_id}
    actors = await timeline_store.actors_by_ids(conn, list(actor_ids))
    staff_ids = {r.assigned_account_id for r in found} | {r.resolved_by_id for r in found}
    staff = await report_store.accounts_by_ids(conn, [i for i in staff_ids if i is not None])
    views = []
    for r in found:
        target = actors.get(r.target_id)
        if target is None:
            continue
        views.append(
            ReportView(
                report=r,
                reporter=actors.get(r.reporter_id) if r.reporter_id else None,
                target=target,
                assigned=staff.get(r.assigned_account_id) if r.assigned_account_id else None,
                resolved_by=staff.get(r.resolved_by_id) if r.resolved_by_id else None,
            )
        )
    return views


async def list_reports(
    ctx: ServiceContext,
    moderator: Account | None,
    *,
    resolved: bool | None = False,
    reporter_id: int | None = None,
    target_id: int | None = None,
    max_id: int | None = None,
    min_id: int | None = None,
    since_id: int | None = None,
    limit: int = 20,
) -> list[ReportView]:
    _require_moderator(moderator)
    async with ctx.db.read() as conn:
        found = await report_store.list_reports(
            conn,
            resolved=resolved,
            reporter_id=reporter_id,
            target_id=target_id,
            max_id=max_id,
            min_id=min_id,
            since_id=since_id,
            limit=limit,
        )
        return await _views(conn, found)


async def count_open(ctx: ServiceContext, moderator: Account | None) -> int:
    _require_moderator(moderator)
    async with ctx.db.read() as conn:
        return await report_store.count_open(conn)


async def get_report(ctx: ServiceContext, moderator: Account | None, report_id: int) -> ReportView:
    _require_moderator(moderator)
    async with ctx.db.read() as conn:
        return await _view(conn, report_id)


async def check_about(
    ctx: ServiceContext, moderator: Account | None, report_id: int, account_id: int
) -> None:
    """That report `report_id` is about account `account_id` (an action answering it)."""
    view = await get_report(ctx, moderator, report_id)
    if view.target.id != account_id:
        raise InvalidInput("this report is about another account", field="report_id")


async def _view(conn: AsyncConnection, report_id: int) -> ReportView:
    found = await report_store.get_report(conn, report_id)
    views = await _views(conn, [found] if found is not None else [])
    if not views:
        raise NotFound("no such report")
    return views[0]


async def other_reports(
    ctx: ServiceContext, moderator: Account | None, report: Report, *, limit: int = 20
) -> list[ReportView]:
    """The reported account's other reports, newest first."""
    found = await list_reports(
        ctx, moderator, resolved=None, target_id=report.target_id, limit=limit + 1
    )
    return [v for v in found if v.report.id != report.id][:limit]


async def _change(
    ctx: ServiceContext,
    moderator: Account | None,
    report_id: int,
    audited: str,
    audit_note: str = "",
    **values: Any,
) -> ReportView:
    """Change a report's handling, recorded in the audit log as `audited` in the same
    transaction."""
    staff = _require_moderator(moderator)
    async with ctx.db.write() as conn:
        if await report_store.update_report(conn, report_id, **values) is None:
            raise NotFound("no such report")
        await audit.record(
            conn,
            by_account_id=staff.id,
            action=audited,
            target=f"report:{report_id}",
            note=audit_note,
        )
        return await _view(conn, report_id)


async def resolve(
    ctx: ServiceContext, moderator: Account | None, report_id: int, *, action: str = "dismiss"
) -> ReportView:
    """Close a report (dismissed, or after an action on the account or its posts)."""
    staff = _require_moderator(moderator)
    if action not in ACTIONS:
        raise InvalidInput("unknown moderation action", field="action")
    return await _change(
        ctx,
        staff,
        report_id,
        "resolve_report",
        audit_note=action,
        resolved_at=utcnow(),
        resolved_by_id=staff.id,
        action=action,
    )


async def reopen(ctx: ServiceContext, moderator: Account | None, report_id: int) -> ReportView:
    return await _change(
        ctx,
        moderator,
        report_id,
        "reopen_report",
        resolved_at=None,
        resolved_by_id=None,
        action=None,
    )


async def assign(
    ctx: ServiceContext, moderator: Account | None, report_id: int, *, to_self: bool
) -> ReportView:
    staff = _require_moderator(moderator)
    return await _change(
        ctx,
        staff,
        report_id,
        "assign_report" if to_self else "unassign_report",
        assigned_account_id=staff.id if to_self else None,
    )


NOTE_MAX = 5000


async def act(
    ctx: ServiceContext,
    moderator: Account | None,
    report_id: int,
    action: str,
    *,
    status_id: int | None = None,
    note: str = "",
) -> ReportView:
    """Answer a report: dismiss it, or act on the account reported (warn, limit,
    suspend, block its domain) or on one of the posts it names (remove it), through the
    moderation actions (services/moderation_actions.py, which record it in the audit log
    with the report's number); the report is then resolved with that action."""
    staff = _require_moderator(moderator)
    if action not in ACTIONS:
        raise InvalidInput("unknown moderation action", field="action")
    view = await get_report(ctx, staff, report_id)
    if action != "dismiss":
        if action == "remove_post" and (status_id is None or status_id not in view.report.post_ids):
            raise InvalidInput("choose one of the posts reported", field="status_id")
        await moderation_actions.apply(
            ctx,
            staff,
            action,
            account_id=view.target.id,
            status_id=status_id if action == "remove_post" else None,
            note=note,
            report_id=report_id,
        )
    return await resolve(ctx, staff, report_id, action=action)


async def set_note(
    ctx: ServiceContext, moderator: Account | None, report_id: int, note: str
) -> ReportView:
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            "the note is too long (at most %(max)s characters)", field="note", max=NOTE_MAX
        )
    note = note.strip()
    return await _change(ctx, moderator, report_id, "note_report", audit_note=note, note=note)


# What the client API shows of reports: the people named and the posts still held.


@dataclass(frozen=True)
class ReportDetails:
    view: ReportView
    reporter: AdminAccountView | None
    target: AdminAccountView
    assigned: AdminAccountView | None
    resolved_by: AdminAccountView | None
    # The reported posts we still hold, as their author sees them (deleted ones are in
    # the snapshot only).
    statuses: tuple[PostView, ...]


async def details(ctx: ServiceContext, found: Sequence[ReportView]) -> list[ReportDetails]:
    """The reports' people and posts for the client API, in a few queries."""
    async with ctx.db.read() as conn:
        staff_ids = {
            a.actor_id for v in found for a in (v.assigned, v.resolved_by) if a is not None
        }
        actors = {v.target.id: v.target for v in found}
        actors.update({v.reporter.id: v.reporter for v in found if v.reporter is not None})
        actors.update(await timeline_store.actors_by_ids(conn, list(staff_ids - set(actors))))
        held = await timeline_store.posts_by_ids(
            conn, [i for v in found for i in v.report.post_ids]
        )
        account_views = await views.accounts(conn, list(actors.values()))
        behind = await account_store.accounts_by_actor_ids(conn, list(actors))
        states = await moderation_store.states(conn, list(actors))
        people = {
            v.actor.id: AdminAccountView(
                view=v,
                account=behind.get(v.actor.id),
                state=states.get(v.actor.id) or ModerationState(v.actor.id),
            )
            for v in account_views
        }
        # The posts as their author sees them: one set of queries per account reported.
        by_author: dict[int, dict[int, Post]] = {}
        for post in held.values():
            by_author.setdefault(post.actor_id, {})[post.id] = post
        rendered: dict[int, PostView] = {}
        for author_id, posts in by_author.items():
            if author_id not in actors:
                continue
            for view in await views.posts(conn, actors[author_id], list(posts.values())):
                rendered[view.post.id] = view
        result = []
        for v in found:
            shown = [rendered[i] for i in v.report.post_ids if i in rendered]
            result.append(
                ReportDetails(
                    view=v,
                    reporter=people.get(v.reporter.id) if v.reporter else None,
                    target=people[v.target.id],
                    assigned=people.get(v.assigned.actor_id) if v.assigned else None,
                    resolved_by=people.get(v.resolved_by.actor_id) if v.resolved_by else None,
                    statuses=tuple(shown),
                )
            )
        return result
