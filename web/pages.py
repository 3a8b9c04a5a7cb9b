"""The resident web app's shared parts: the services it calls, templates, translations,
sessions. The app puts a `Pages` in `app.state.pages`; the pages are the routes of
`web/routes.py`, and the actor and post pages the federation routes serve to browsers
(`web/routes.FederatedPages`)."""

from __future__ import annotations

from pathlib import Path

import httpx
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request

from fedlocal.sanitize import sanitize_html
from fedlocal.services.context import ServiceContext

from .auth import Sessions, cookie_name
from .i18n import LANGUAGE_COOKIE, I18n, Translator
from .page import Page
from .pictures import Pictures
from .post_text import title_of
from .words import Words

# The confirmation shown once after a form (`Page.redirect(notice=…)`).
NOTICE_COOKIE = "fedlocal_notice"

TEMPLATES = Path(__file__).parent / "templates"


class Pages:
    def __init__(self, services: ServiceContext, client: httpx.AsyncClient):
        """`client` looks up visitors' own servers ("follow from your own server")."""
        self.services = services
        self.client = client
        config = self.config = services.config
        self.urls = services.urls
        self.categories = services.categories
        self.i18n = I18n(config.languages, config.default_language)
        self.sessions = Sessions(config, services)
        self.language_cookie = cookie_name(config, LANGUAGE_COOKIE)
        self.notice_cookie = cookie_name(config, NOTICE_COOKIE)
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
        self.env.globals["title_of"] = title_of
        self.env.globals["pictures"] = Pictures(f"{config.base_url.rstrip('/')}/media/")

    def words(self, t: Translator) -> Words:
        return Words(t, self.categories, self.config.timezone)

    async def open_page(self, request: Request) -> Page:
        visitor = await self.sessions.load(request)
        account = visitor.account if visitor.logged_in else None
        language = self.i18n.choose(
            account_locale=account.locale if account is not None else None,
            cookie=request.cookies.get(self.language_cookie),
            accept_language=request.headers.get("accept-language"),
        )
        return Page(self, request, visitor, self.i18n.translator(language))
