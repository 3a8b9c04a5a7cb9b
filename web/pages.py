"""The resident web app's shared parts: templates, translations, sessions, and the pages
the federation layer shows to browsers.

The app puts a `Pages` in `app.state.pages`. The federation routes serve HTML at actor and
object URLs through its `profile` and `post` methods, so content negotiation stays in one
place; every other page is a route of `web/routes.py`.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from fedlocal.categories import Categories
from fedlocal.config import Config
from fedlocal.models import Actor, Post
from fedlocal.rate_limit import SlidingWindowLimit
from fedlocal.sanitize import sanitize_html
from fedlocal.store import Database
from fedlocal.urls import Urls

from .auth import Sessions
from .dispatch import run_view
from .i18n import LANGUAGE_COOKIE, I18n, Translator
from .page import Page
from .views import posts, profile
from .words import Words

REMOTE_LOOKUPS_PER_MINUTE = 10

TEMPLATES = Path(__file__).parent / "templates"


class Pages:
    def __init__(self, config: Config, db: Database):
        self.config = config
        self.db = db
        self.urls = Urls(config.base_url)
        self.categories = Categories(config.categories)
        self.i18n = I18n(config.languages, config.default_language)
        self.sessions = Sessions(config, db)
        # "Follow from your own server" makes us fetch WebFinger from any host a visitor
        # names: a few lookups a minute per address are plenty for a person.
        self.remote_lookups = SlidingWindowLimit(REMOTE_LOOKUPS_PER_MINUTE, 60)
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # Stored HTML is sanitised on the way in; sanitising again on the way out means a
        # bug upstream cannot become an XSS here.
        self.env.filters["safe_html"] = lambda html: Markup(sanitize_html(html or ""))  # noqa: S704
        self.env.globals["urls"] = self.urls

    def words(self, t: Translator) -> Words:
        return Words(t, self.categories, self.config.timezone)

    async def open_page(self, request: Request) -> Page:
        visitor = await self.sessions.load(request)
        account = visitor.account if visitor.logged_in else None
        language = self.i18n.choose(
            account_locale=account.locale if account is not None else None,
            cookie=request.cookies.get(LANGUAGE_COOKIE),
            accept_language=request.headers.get("accept-language"),
        )
        return Page(self, request, visitor, self.i18n.translator(language))

    # The federation routes' HTML

    async def profile(self, request: Request, actor: Actor) -> Response:
        page = await self.open_page(request)
        return await run_view(page, lambda page: profile.show(page, actor))

    async def post(self, request: Request, post: Post, author: Actor) -> Response:
        page = await self.open_page(request)
        return await run_view(page, lambda page: posts.show(page, post, author))
