"""What a browser gets at an actor's or a post's own URL. The URL is the federation's
(its routes negotiate JSON or HTML); the page is the web app's, which app.py passes to
`federation_routes` as this interface."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from ...models import Actor, Post


class HtmlPages(Protocol):
    async def actor_page(self, request: Request, actor: Actor) -> Response:
        """The profile page of one of our actors (not the instance actor)."""
        ...

    async def post_page(self, request: Request, post: Post, author: Actor) -> Response:
        """The page of one of our posts; a deleted one's says it is gone (410)."""
        ...
