"""A person's page (ours): who they are, what they published, follow buttons, and
"follow from your own server" for visitors with an account elsewhere."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.models import Actor
from fedlocal.services import people, pins, profiles
from fedlocal.services import vouches as vouch_service

from ..forms import FormState
from ..page import Page
from ..post_text import title_of
from .cards import Card
from .groups import show_group

PAGE_SIZE = 20


async def by_name(page: Page) -> Response:
    return await show(
        page, await people.person(page.services, page.request.path_params["username"])
    )


async def show(page: Page, actor: Actor, remote: FormState | None = None, status: int = 200):
    if actor.role == "group":
        return await show_group(page, actor)
    is_me = page.me is not None and page.me.id == actor.id
    found = await profiles.profile(page.services, page.me, actor, limit=PAGE_SIZE)
    cards = [
        Card(
            post, actor, title_of(post) or "—", post.place.name if post.place else None, None, None
        )
        for post in found.posts
    ]
    pinned = [
        Card(post, actor, title_of(post) or "—", None, None, None)
        for post in await pins.pinned_posts(page.services, actor)
        if post.visibility in pins.PINNABLE
    ]
    trust = None
    if actor.is_local and actor.role == "resident":
        trust = await vouch_service.trust(page.services, page.account, actor)
    return await page.render(
        "profile.html",
        trust=trust,
        status=status,
        actor=actor,
        cards=cards,
        pinned=pinned,
        followers=found.followers,
        following=found.following,
        follow=found.follow,
        blocking=found.blocking,
        muting=found.muting,
        blocked_by=found.blocked_by,
        is_me=is_me,
        quarter=actor.home_quarter,
        remote=remote or FormState(),
        section="me" if is_me else "",
    )
