"""One request to the web app as its views see it: who is asking, in which language, the
form they sent, and how to answer (a rendered template, a redirect, an error page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from fedlocal.clock import utcnow
from fedlocal.config import Config
from fedlocal.models import Account, Actor
from fedlocal.services import messages as message_service
from fedlocal.services import notifications as notification_service
from fedlocal.services.context import ServiceContext

from . import csrf
from .auth import Visitor
from .forms import FormData
from .i18n import LANGUAGE_NAMES, Translator
from .links import actor_link, post_path
from .notices import NOTICES

if TYPE_CHECKING:
    from .pages import Pages

# A notice waits this long for the page after the redirect that set it.
NOTICE_SECONDS = 60

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages carry one-time form tokens and personal content: never from a cache.
    "Cache-Control": "private, no-store",
    # The same URLs serve ActivityStreams JSON (federation) and differ per visitor.
    "Vary": "Accept, Cookie",
}


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after a form; anything else (another site, `//host`,
    a backslash trick) is replaced by `default`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 for char in target) or len(target) > 2000:
        return default
    return target


class Page:
    def __init__(self, web: Pages, request: Request, visitor: Visitor, translator: Translator):
        self.web = web
        self.request = request
        self.visitor = visitor
        self.t = translator
        self.form = FormData()
        # The one-use notice: set on a redirect, shown (and cleared) by the next page.
        self._notice_to_set: str | None = None
        self._notice_shown = False
        # On a post's page seen by its author: whether they pinned it (None: no pin button).
        self.pinned: bool | None = None

    # Who and where

    @property
    def config(self) -> Config:
        return self.web.config

    @property
    def services(self) -> ServiceContext:
        return self.web.services

    @property
    def me(self) -> Actor | None:
        return self.visitor.actor if self.visitor.logged_in else None

    @property
    def account(self) -> Account | None:
        return self.visitor.account if self.visitor.logged_in else None

    @property
    def lang(self) -> str:
        return self.t.language

    @property
    def path(self) -> str:
        """This page's path with its query, to come back to."""
        query = self.request.url.query
        return self.request.url.path + (f"?{query}" if query else "")

    @property
    def client_ip(self) -> str:
        client = self.request.client
        return client.host if client else "unknown"

    # Answers

    def csrf_field(self) -> Markup:
        token = csrf.issue(self.visitor.csrf_secret, utcnow())
        return Markup(f'<input type="hidden" name="{csrf.FIELD}" value="{token}">')  # noqa: S704

    def once_field(self) -> Markup:
        """The one-use key of a form that creates something (`web/once.py`). Its value
        is set by the script from `data-key`: a browser restores, when Back shows the
        form page again, only a field set after loading."""
        key = csrf.issue(self.visitor.csrf_secret, utcnow())
        return Markup(  # noqa: S704
            f'<input type="text" name="once" value="" data-key="{key}" hidden>'
        )

    async def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        unread = unread_messages = 0
        if self.me is not None:
            unread = await notification_service.unread_count(self.services, self.me)
            unread_messages = await message_service.unread_count(self.services, self.me)
        notice_key = self.request.cookies.get(self.web.notice_cookie)
        notice = NOTICES.get(notice_key) if notice_key else None
        self._notice_shown = notice_key is not None
        html = self.web.env.get_template(template).render(
            page=self,
            instance=self.config,
            me=self.me,
            account=self.account,
            lang=self.lang,
            languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in self.config.languages],
            _=self.t.gettext,
            ngettext=self.t.ngettext,
            t=self.t,
            csrf_field=self.csrf_field,
            once_field=self.once_field,
            notice=self.t(notice) if notice else None,
            notice_key=notice_key if notice else None,
            unread=unread,
            # Threads with a message not read yet: the badge of every "Messages" link.
            unread_messages=unread_messages,
            words=self.web.words(self.t),
            actor_link=actor_link,
            post_path=post_path,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def redirect(self, url: str, *, notice: str | None = None) -> RedirectResponse:
        """A redirect after a form; `notice` (a key of NOTICES) is shown once by the next
        page. It travels in a short-lived cookie, not in the URL: a reload, the language
        switch or a shared link would show it again."""
        self._notice_to_set = notice
        return RedirectResponse(url, status_code=303)

    def to_login(self) -> RedirectResponse:
        back = self.path if self.request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(back, safe='')}", status_code=303)

    async def error(
        self, status: int, message: str, *, title: str | None = None, reference: str | None = None
    ) -> HTMLResponse:
        """The error page; `reference` (a request id) is shown for the administrators."""
        return await self.render(
            "error.html",
            status=status,
            message=message,
            title=title or self.t("Sorry"),
            reference=reference,
        )

    def _apply_notice(self, response: Response) -> None:
        options: dict[str, Any] = {
            "path": "/",
            "httponly": True,
            "samesite": "lax",
            "secure": self.web.sessions.secure,
        }
        if self._notice_to_set is not None:
            response.set_cookie(
                self.web.notice_cookie, self._notice_to_set, max_age=NOTICE_SECONDS, **options
            )
        elif self._notice_shown:
            response.delete_cookie(self.web.notice_cookie, **options)

    async def finish(self, response: Response) -> Response:
        """Store a session the page's forms need, set or clear the cookie, add headers."""
        await self.web.sessions.ensure(self.visitor)
        self.web.sessions.apply(self.visitor, response)
        self._apply_notice(response)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if "content-language" not in response.headers:
            response.headers["Content-Language"] = self.lang
        return response
