"""'Follow from your own server': a visitor names their account elsewhere
(`@me@their.server`); their server's WebFinger answer carries a subscribe template
(`…?uri={uri}`), where they confirm the follow of the actor they were looking at."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from activitypub import webfinger
from activitypub.fetch_errors import FetchError

from .context import ServiceContext
from .errors import Forbidden, InvalidInput, RemoteFailure


async def subscribe_url(
    ctx: ServiceContext,
    client: httpx.AsyncClient,
    handle: str,
    actor_uri: str,
) -> str:
    """Where to send the visitor `handle` so they can follow `actor_uri` from home (asking
    their server over http only when this instance itself is served so: a demo)."""
    try:
        user, host = webfinger.parse_handle(handle.strip())
    except ValueError:
        raise InvalidInput("write your address as @name@your.server", field="handle") from None
    if not await ctx.domains.allows(host):
        raise Forbidden("%(host)s is blocked by this instance", host=host, field="handle")
    template: str | None
    if host == ctx.config.domain:
        template = ctx.urls.authorize_interaction()
    else:
        try:
            template = await webfinger.subscribe_template(
                client, f"{user}@{host}", scheme="http" if ctx.config.scheme == "http" else "https"
            )
        except (FetchError, ValueError) as exc:
            raise RemoteFailure(
                "could not find %(handle)s", handle=f"{user}@{host}", field="handle"
            ) from exc
    if template is None:
        raise RemoteFailure(
            "%(host)s does not say how to follow from there", host=host, field="handle"
        )
    url = template.replace("{uri}", quote(actor_uri, safe=""))
    if not url.startswith(("https://", "http://")):
        raise RemoteFailure("%(host)s gave an unusable address", host=host, field="handle")
    return url
