"""Web Push for Mastodon apps: each access token may hold one subscription (an endpoint
at the app's push service, the subscriber's keys, which notifications it wants and from
whom); every notification is queued for the recipient's subscriptions and pushed by the
push worker (federation/push.py), encrypted for the subscriber and signed with the
instance's VAPID key (fedlocal/webpush.py).

What is pushed is what the apps would show: a notification the resident's policy or
filters keep out is not pushed, nor one of a kind the subscription did not ask for, nor
one from someone outside its `policy` (`followed`: people the resident follows,
`follower`: people following them, `none`: nobody)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from .. import webpush
from ..clock import utcnow
from ..models import Actor, ActorKey, PushDelivery, PushSubscription
from ..sanitize import html_to_text
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import notification_pages
from ..store import push as push_store
from ..store import timelines as timeline_store
from ..urls import Urls
from . import notifications
from .context import ServiceContext
from .errors import InvalidInput, NotFound
from .keys import vapid_key_id
from .oauth import Authorized
from .views import NotificationView

ALERTS = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)
POLICIES = ("all", "followed", "follower", "none")
MAX_ENDPOINT = 2048
BODY_LENGTH = 140


async def _vapid_key(ctx: ServiceContext) -> ActorKey:
    async with ctx.db.read() as conn:
        found = await actor_store.get_key(conn, vapid_key_id(ctx.urls))
    assert found is not None, "the instance has no VAPID key (made at start)"
    return found


async def vapid_public_key(ctx: ServiceContext) -> str:
    """The key apps subscribe with (`vapid_key`, `configuration.vapid.public_key`)."""
    return webpush.public_key_text((await _vapid_key(ctx)).public_pem)


def _alerts(given: Mapping[str, bool]) -> tuple[str, ...]:
    return tuple(alert for alert in ALERTS if given.get(alert))


def _policy(policy: str | None) -> str:
    chosen = policy or "all"
    if chosen not in POLICIES:
        raise InvalidInput(
            "Validation failed: Policy is not one of all, followed, follower, none",
            field="policy",
        )
    return chosen


async def subscribe(
    ctx: ServiceContext,
    auth: Authorized,
    *,
    endpoint: str | None,
    p256dh: str | None,
    secret: str | None,
    alerts: Mapping[str, bool],
    policy: str | None,
    standard: bool,
) -> PushSubscription:
    """The token's subscription (replacing any it had)."""
    assert auth.actor is not None
    url = (endpoint or "").strip()
    if not url.startswith("https://") and not url.startswith("http://") or len(url) > MAX_ENDPOINT:
        raise InvalidInput("Validation failed: Endpoint is not a valid URL", field="endpoint")
    if not p256dh or not secret or not webpush.valid_keys(p256dh, secret):
        raise InvalidInput("Validation failed: Keys are not valid Web Push keys", field="keys")
    chosen = _policy(policy)
    async with ctx.db.write() as conn:
        return await push_store.replace(
            conn,
            token_id=auth.token.id,
            actor_id=auth.actor.id,
            endpoint=url,
            p256dh=p256dh.strip(),
            auth=secret.strip(),
            alerts=_alerts(alerts),
            policy=chosen,
            standard=standard,
            at=utcnow(),
        )


async def subscription(ctx: ServiceContext, auth: Authorized) -> PushSubscription:
    async with ctx.db.read() as conn:
        found = await push_store.of_token(conn, auth.token.id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def change(
    ctx: ServiceContext, auth: Authorized, *, alerts: Mapping[str, bool], policy: str | None
) -> PushSubscription:
    """New alerts and policy: alerts not given keep their value, as in Mastodon."""
    found = await subscription(ctx, auth)
    merged = {alert: alert in found.alerts for alert in ALERTS} | dict(alerts)
    chosen = _policy(policy or found.policy)
    async with ctx.db.write() as conn:
        await push_store.change(conn, found.id, alerts=_alerts(merged), policy=chosen)
        changed = await push_store.get(conn, found.id)
    assert changed is not None
    return changed


async def unsubscribe(ctx: ServiceContext, auth: Authorized) -> None:
    async with ctx.db.write() as conn:
        await push_store.remove_of_token(conn, auth.token.id)


# Pushing


@dataclass(frozen=True)
class Push:
    """One push ready to encrypt: where, for whom, and what."""

    subscription: PushSubscription
    payload: dict[str, Any]


_TITLES = {
    "en": {
        "mention": "%s mentioned you",
        "status": "%s just posted",
        "reblog": "%s boosted your post",
        "follow": "%s followed you",
        "follow_request": "%s requested to follow you",
        "favourite": "%s favourited your post",
        "poll": "A poll has ended",
        "update": "%s edited a post",
    },
    "fr": {
        "mention": "%s vous a mentionné·e",
        "status": "%s vient de publier",
        "reblog": "%s a partagé votre message",
        "follow": "%s vous suit",
        "follow_request": "%s demande à vous suivre",
        "favourite": "%s a aimé votre message",
        "poll": "Un sondage est terminé",
        "update": "%s a modifié un message",
    },
}


def payload(view: NotificationView, language: str, urls: Urls) -> dict[str, Any]:
    """Mastodon's push payload (its `Web::NotificationSerializer`), without the access
    token: only its hash is kept here."""
    actor = view.account.actor
    name = actor.display_name or actor.username
    titles = _TITLES.get(language, _TITLES["en"])
    title = titles.get(view.type, "%s")
    body = ""
    if view.status is not None:
        text = html_to_text(view.status.post.content).strip()
        body = text if len(text) <= BODY_LENGTH else text[: BODY_LENGTH - 1] + "…"
    return {
        "access_token": "",
        "preferred_locale": language,
        "notification_id": str(view.notification.id),
        "notification_type": view.type,
        "icon": actor.icon_url or urls.base + "/avatars/original/missing.png",
        "title": title % name if "%s" in title else title,
        "body": body,
    }


async def prepare(ctx: ServiceContext, delivery: PushDelivery) -> Push | None:
    """The push a queued delivery makes, or None when nothing is to be pushed (the
    subscription or its token is gone, the notification is not one it wants)."""
    async with ctx.db.read() as conn:
        found = await push_store.get(conn, delivery.subscription_id)
        if found is None or not await push_store.token_alive(conn, found.token_id):
            return None
        notification = await notification_pages.get_for(
            conn, found.actor_id, delivery.notification_id
        )
        viewer = await actor_store.get_actor(conn, found.actor_id)
        if notification is None or viewer is None:
            return None
        shown = await notifications.seen(conn, viewer, [notification])
        if not shown or shown[0].type not in found.alerts:
            return None
        view = shown[0]
        if not await _policy_allows(conn, found, viewer, view.account.actor.id):
            return None
        account = await account_store.get_account_by_actor(conn, viewer.id)
    language = (account.locale if account else None) or ctx.config.default_language
    return Push(found, payload(view, language, ctx.urls))


async def _policy_allows(
    conn: AsyncConnection, found: PushSubscription, viewer: Actor, sender_id: int
) -> bool:
    if found.policy == "all":
        return True
    if found.policy == "none":
        return False
    if found.policy == "followed":
        states = await timeline_store.follow_states(conn, viewer.id, [sender_id])
    else:
        states = await timeline_store.follower_states(conn, viewer.id, [sender_id])
    return states.get(sender_id) == "accepted"


def _subject(ctx: ServiceContext) -> str:
    """Who push services may write to about our pushes (VAPID's `sub`): the instance's
    contact address, else its URL."""
    email = ctx.config.contact_email
    return f"mailto:{email}" if email else ctx.config.base_url


async def encrypted(ctx: ServiceContext, push: Push) -> tuple[bytes, dict[str, str]]:
    """The push's body and headers, for its subscription's encoding."""
    key = await _vapid_key(ctx)
    assert key.private_pem is not None
    found = push.subscription
    return webpush.encrypt(
        json.dumps(push.payload).encode(),
        endpoint=found.endpoint,
        p256dh=found.p256dh,
        auth=found.auth,
        standard=found.standard,
        vapid_private_pem=key.private_pem,
        subject=_subject(ctx),
    )


async def drop(ctx: ServiceContext, subscription_ids: Sequence[int]) -> None:
    """Subscriptions their push service says are gone (404, 410)."""
    async with ctx.db.write() as conn:
        for subscription_id in subscription_ids:
            await push_store.remove(conn, subscription_id)
