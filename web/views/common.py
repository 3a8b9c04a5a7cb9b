"""What several views share: links to posts and people, who may see a post, the centre
of a resident's nearby feed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from fedlocal.boundary import ids
from fedlocal.config import Config, Quarter
from fedlocal.models import Actor, Post
from fedlocal.services.errors import NotFound, ServiceError
from fedlocal.services.views import may_see
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import posts as post_store

from ..forms import FormState
from ..page import Page
from ..service_messages import translate_service_error


def path_id(text: str) -> int:
    """A post id from a URL segment (404 for anything else)."""
    return ids.path_id(text, "post")


async def can_see(conn: AsyncConnection, post: Post, me: Actor | None) -> bool:
    """Whether `me` (None: a visitor) may read `post` here: the same rule as the client
    API's (`services.views.may_see`)."""
    follows_author = False
    if me is not None and post.visibility == "followers":
        follow = await follow_store.get_follow(conn, me.id, post.actor_id)
        follows_author = follow is not None and follow.state == "accepted"
    return may_see(me, post, follows_author)


async def visible_post(page: Page, post_id: int) -> tuple[Post, Actor]:
    """The post and its author if this visitor may see it, else NotFound."""
    async with page.web.db.read() as conn:
        post = await post_store.get_post(conn, post_id)
        if post is None or not await can_see(conn, post, page.me):
            raise NotFound("no such post")
        author = await actor_store.get_actor(conn, post.actor_id)
    if author is None:
        raise NotFound("no such post")
    return post, author


def centre_quarter(config: Config, me: Actor | None, chosen: str | None = None) -> Quarter | None:
    """The quarter a feed is centred on: the one chosen in the filters, else the
    resident's home quarter, else the instance's first."""
    for name in (chosen, me.home_quarter if me else None):
        if name:
            found = config.find_quarter(name)
            if found is not None:
                return found
    return config.quarters[0] if config.quarters else None


def centre_point(config: Config, quarter: Quarter | None) -> tuple[float, float] | None:
    if quarter is not None:
        return quarter.latitude, quarter.longitude
    if config.latitude or config.longitude:
        return config.latitude, config.longitude
    return None


def keep_error(page: Page, state: FormState, exc: ServiceError, fields: dict[str, str]) -> None:
    """A service's refusal, shown beside the form field it names (or atop the form)."""
    name = fields.get(exc.field or "", exc.field or "_form")
    state.error(name if name in fields.values() else "_form", translate_service_error(page.t, exc))
