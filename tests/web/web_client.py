"""A browser stand-in for HTTP-level tests of the web app: cookies kept, forms read for
their one-time CSRF token and sent back like a browser sends them."""

from __future__ import annotations

import re
from typing import Any

import httpx

PASSWORD = "a long enough password"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_tokens(html: str) -> list[str]:
    return _TOKEN.findall(html)


class WebClient:
    def __init__(self, base_url: str, *, language: str = "en"):
        self.http = httpx.AsyncClient(
            base_url=base_url,
            follow_redirects=False,
            trust_env=False,
            timeout=30.0,
            headers={"Accept-Language": language},
        )

    async def __aenter__(self) -> WebClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.http.aclose()

    async def get(self, path: str, **options: Any) -> httpx.Response:
        return await self.http.get(path, **options)

    async def token(self, page: str) -> str:
        """A fresh form token, as the page at `page` carries it."""
        response = await self.http.get(page)
        assert response.status_code == 200, (page, response.status_code, response.text[:500])
        tokens = csrf_tokens(response.text)
        assert tokens, f"no form on {page}"
        return tokens[-1]

    async def submit(
        self,
        page: str,
        action: str,
        data: dict[str, str],
        *,
        token: str | None = None,
        confirmed: bool = True,
    ) -> httpx.Response:
        """Send a form of `page` to `action`, with a token from `page` unless given, and
        already confirmed (`confirm=yes`, as the confirmation page sends it) unless told
        otherwise: tests of an action are not about its confirmation step."""
        token = token if token is not None else await self.token(page)
        extra = {"confirm": "yes"} if confirmed else {}
        return await self.http.post(action, data={"csrf_token": token, **extra, **data})

    async def log_in(
        self, login: str, password: str = PASSWORD, *, accept_terms: bool = True
    ) -> httpx.Response:
        """Log in; a resident asked to accept the current terms (an account made without
        signing up) accepts them, unless told otherwise: tests of other pages are not
        about the consent step, as `submit` confirms for them."""
        response = await self.submit("/login", "/login", {"login": login, "password": password})
        assert response.status_code == 303, response.text[:2000]
        if accept_terms:
            await self.accept_terms_if_asked()
        return response

    async def accept_terms_if_asked(self) -> None:
        asked = await self.http.get("/legal/accept")
        if asked.status_code == 200:
            tokens = csrf_tokens(asked.text)
            accepted = await self.http.post(
                "/legal/accept", data={"csrf_token": tokens[0], "next": "/"}
            )
            assert accepted.status_code == 303, accepted.text[:2000]

    async def sign_up(self, username: str, password: str = PASSWORD, **fields: str):
        """The sign-up form, its terms accepted unless `agreement=""` says otherwise."""
        fields.setdefault("agreement", "yes")
        return await self.submit(
            "/signup", "/signup", {"username": username, "password": password, **fields}
        )


def notice(response: httpx.Response) -> str | None:
    """The notice a redirect leaves for the next page (its one-use cookie), if any."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.startswith("fedlocal_notice_"):
            value = rest.split(";", 1)[0]
            return value or None
    return None
