"""Forms that create something are not sent twice.

The CSRF token already refuses the same form sent twice, but "Back, then Publish again"
sends a new one: the browser fetches the form page again (pages are `no-store`), with a
fresh token, and fills in what was typed. So create forms carry a second one-use key,
`once` (`Page.once_field`), in a field the browser restores on Back: a text input,
hidden, whose value the script sets from `data-key` after loading (Chromium restores
neither a `type=hidden` input nor a field still holding its page's value). The re-sent
form carries the key of the first sending, already used: such a replay creates nothing
and goes to the resident's page with a notice. Without JavaScript the field is empty and
only the CSRF token's own one-use check applies.

The key is signed like a CSRF token and recorded as used, before the view runs, in the
same store (so two sendings at once cannot both pass)."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.clock import utcnow
from fedlocal.services import sessions as session_service

from . import csrf
from .dispatch import View
from .links import actor_link
from .page import Page

FIELD = "once"


def once(view: View) -> View:
    """`view`, refusing a second sending of the same rendering of its form."""

    async def guarded(page: Page) -> Response:
        session = page.visitor.session
        key = page.form.get(FIELD) or None
        if session is None or key is None:
            return await view(page)
        now = utcnow()
        try:
            nonce_hash = csrf.verify(session.csrf_secret, key, now)
        except csrf.CsrfError:
            return await view(page)  # the CSRF token guards it; nothing to match
        # Its own random nonce: recorded beside the CSRF tokens' (a 64-character hash).
        if not await session_service.use_form_token(page.services, session.id, nonce_hash, now=now):
            target = actor_link(page.me) if page.me is not None else "/"
            return page.redirect(target, notice="already-sent")
        return await view(page)

    return guarded
