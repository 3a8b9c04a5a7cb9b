"""Server-rendered HTML pages (the first few; the resident web app grows here).

The federation layer serves HTML at actor and object URLs through the `Pages` object the
app puts in `app.state.pages`, so content negotiation stays in one place.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from fedlocal.config import Config
from fedlocal.models import Actor, Post
from fedlocal.sanitize import sanitize_html
from fedlocal.store import Database
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import posts as post_store
from fedlocal.urls import Urls

TEMPLATES = Path(__file__).parent / "templates"


class Pages:
    def __init__(self, config: Config, db: Database):
        self.config = config
        self.db = db
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            enable_async=False,
        )
        # Stored HTML is sanitised on the way in; sanitising again on the way out means a
        # bug upstream cannot become an XSS here.
        self.env.filters["safe_html"] = lambda html: Markup(sanitize_html(html or ""))  # noqa: S704
        self.env.globals["urls"] = Urls(config.base_url)

    def render(self, name: str, status: int = 200, **context) -> HTMLResponse:
        template = self.env.get_template(name)
        html = template.render(instance=self.config, **context)
        return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})

    async def home(self, request: Request) -> Response:
        async with self.db.read() as conn:
            community = await actor_store.get_actor_by_role(conn, "community")
        return self.render("home.html", community=community)

    async def profile(self, request: Request, actor: Actor) -> Response:
        async with self.db.read() as conn:
            posts = await post_store.list_actor_posts(conn, actor.id, visibilities=("public",))
            followers = await follow_store.count_followers(conn, actor.id)
            following = await follow_store.count_following(conn, actor.id)
        return self.render(
            "profile.html", actor=actor, posts=posts, followers=followers, following=following
        )

    async def profile_by_name(self, request: Request) -> Response:
        async with self.db.read() as conn:
            actor = await actor_store.get_local_actor(conn, request.path_params["username"])
        if actor is None or actor.role == "instance":
            return self.render("error.html", status=404, message="No such account.")
        return await self.profile(request, actor)

    async def post(self, request: Request, post: Post, author: Actor) -> Response:
        if post.is_deleted:
            return self.render("error.html", status=410, message="This post was deleted.")
        return self.render("post.html", post=post, author=author)
