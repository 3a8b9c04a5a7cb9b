"""A person's page (ours): who they are, what they published, follow buttons, and
"follow from your own server" for visitors with an account elsewhere."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.models import Actor
from fedlocal.services.errors import NotFound
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import posts as post_store

from ..forms import FormState
from ..page import Page
from ..post_text import title_of
from .cards import Card
from .groups import show_group

PAGE_SIZE = 20


async def by_name(page: Page) -> Response:
    async with page.web.db.read() as conn:
        actor = await actor_store.get_local_actor(conn, page.request.path_params["username"])
    if actor is None or actor.role == "instance":
        raise NotFound("no such account")
    return await show(page, actor)


async def show(page: Page, actor: Actor, remote: FormState | None = None, status: int = 200):
    if actor.role == "group":
        return await show_group(page, actor)
    me = page.me
    is_me = me is not None and me.id == actor.id
    visibilities = ("public", "unlisted", "followers", "local") if is_me else ("public",)
    async with page.web.db.read() as conn:
        posts = await post_store.list_actor_posts(
            conn, actor.id, visibilities=visibilities, limit=PAGE_SIZE
        )
        followers = await follow_store.count_followers(conn, actor.id)
        following = await follow_store.count_following(conn, actor.id)
        follow = await follow_store.get_follow(conn, me.id, actor.id) if me and not is_me else None
    cards = [
        Card(
            post, actor, title_of(post) or "—", post.place.name if post.place else None, None, None
        )
        for post in posts
        if not post.in_reply_to_uri
    ]
    return await page.render(
        "profile.html",
        status=status,
        actor=actor,
        cards=cards,
        followers=followers,
        following=following,
        follow=follow,
        is_me=is_me,
        quarter=actor.home_quarter,
        remote=remote or FormState(),
        section="me" if is_me else "",
    )
