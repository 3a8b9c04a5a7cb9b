"""A post's page, whatever its kind: offers and requests, events, notes."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.models import Actor, Post
from fedlocal.services import edits, messages, pins

from ..page import Page
from . import events, group_purchases, listings, rides
from .common import visible_post


async def pin(page: Page) -> Response:
    """The author pins their post (on their profile; an organisation's also tops the
    feeds)."""
    post, _author = await visible_post(page, page.request.path_params["post_id"])
    await pins.pin(page.services, _me(page), post.id)
    return page.redirect(f"/posts/{post.id}", notice="pinned")


async def unpin(page: Page) -> Response:
    post, _author = await visible_post(page, page.request.path_params["post_id"])
    await pins.unpin(page.services, _me(page), post.id)
    return page.redirect(f"/posts/{post.id}", notice="unpinned")


def _me(page: Page) -> Actor:
    assert page.me is not None  # the route requires a login
    return page.me


async def show_by_id(page: Page) -> Response:
    # A deleted post's address says it is gone (410), not that it never was.
    post, author = await visible_post(page, page.request.path_params["post_id"], tombstone=True)
    return await show(page, post, author)


async def show(page: Page, post: Post, author: Actor) -> Response:
    if post.is_deleted:
        return await page.error(410, page.t("This post was deleted."), title=page.t("Gone"))
    if page.me is not None and post.actor_id == page.me.id and post.visibility in pins.PINNABLE:
        page.pinned = await pins.is_pinned(page.services, post)
    if post.kind in ("offer", "request") and post.listing is not None:
        return await listings.detail(page, post, author)
    if post.kind == "event" and post.event is not None:
        return await events.detail(page, post, author)
    if post.kind == "ride" and post.ride is not None:
        return await rides.detail(page, post, author)
    if post.kind == "group_purchase":
        return await group_purchases.detail(page, post, author)
    # A message's own page leads to its thread, where it can be answered.
    thread_id = await messages.thread_of_message(page.services, page.me, post) if page.me else None
    return await page.render("note.html", post=post, author=author, thread_id=thread_id)


async def edit(page: Page) -> Response:
    """The author changes the text of their note (its history is kept; the edit goes to
    whoever got the post)."""
    assert page.me is not None
    post, _author = await visible_post(page, page.request.path_params["post_id"])
    updated = await edits.edit_note(
        page.services,
        page.me,
        post.id,
        edits.EditInput(
            text=page.form.get("text") or "",
            spoiler_text=post.summary,
            sensitive=post.sensitive,
            language=post.language,
        ),
    )
    return page.redirect(f"/posts/{updated.id}", notice="edited")
