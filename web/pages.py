"""The resident web app's shared parts: the services it calls, templates, translations,
sessions. The app puts a `Pages` in `app.state.pages`; the pages are the routes of
`web/routes.py`, and the actor and post pages the federation routes serve to browsers
(`web/routes.FederatedPages`)."""

from __future__ import annotations

from pathlib import Path

import httpx
from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
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


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory for every app of the process: each app has its
    own environment (its URLs and picture links), and compiling a template costs tens of
    milliseconds (`make demo` serves three instances from one process; tests build
    hundreds). A template whose file changed is compiled again: the bucket's checksum is
    of the source. The cost: about 0.9 MB once every template has been used."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, bytes]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        stored = self._code.get(bucket.key)
        if stored is not None and stored[0] == bucket.checksum:
            bucket.bytecode_from_string(stored[1])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.bytecode_to_string())


_TEMPLATE_CODE = SharedTemplateCode()


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
            bytecode_cache=_TEMPLATE_CODE,
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
