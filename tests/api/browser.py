"""Driving the authorization page as a browser does: GET the page (its cookie kept), fill
in the form, POST it, then follow the redirect or read the out-of-band code."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
_ACTION = re.compile(r'<form method="post" action="([^"]*)">')
_CODE = re.compile(r'<code id="oauth-code" class="oauth-code">([^<]+)</code>')


def form_fields(page: str) -> tuple[str, dict[str, str]]:
    """(action, hidden fields) of the authorization form."""
    action = _ACTION.search(page)
    assert action is not None, page
    fields = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(page)}
    return html.unescape(action.group(1)), fields


async def submit_login(
    authorize_url: str, login: str, password: str, *, decision: str = "approve"
) -> httpx.Response:
    """Open the page in a fresh "browser" and submit the form; the answer is returned
    unfollowed (a redirect to an app's own scheme cannot be followed anyway)."""
    async with httpx.AsyncClient(timeout=10.0, trust_env=False) as browser:
        page = await browser.get(authorize_url)
        assert page.status_code == 200, page.text
        action, fields = form_fields(page.text)
        fields.update(username=login, password=password, decision=decision)
        return await browser.post(urljoin(authorize_url, action), data=fields)


def oob_code(response: httpx.Response) -> str:
    match = _CODE.search(response.text)
    assert response.status_code == 200 and match is not None, response.text
    return html.unescape(match.group(1))


def redirect_query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}
