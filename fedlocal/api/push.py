"""Web Push subscriptions: `/api/v1/push/subscription` — `POST` (subscribe, replacing the
token's subscription), `GET`, `PUT` (alerts and policy), `DELETE` — one per access token,
as Mastodon's WebPushSubscription. `subscription[standard]=true` asks for RFC 8291
`aes128gcm` messages, else the draft `aesgcm` Mastodon long sent."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from ..models import PushSubscription
from ..services import push
from .auth import Call, endpoint
from .params import FALSE, TRUE


def _alerts(call: Call) -> dict[str, bool]:
    found = {}
    for alert in push.ALERTS:
        value = call.params.get(f"data[alerts][{alert}]")
        if value is None:
            continue
        text = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
        if text in TRUE:
            found[alert] = True
        elif text in FALSE:
            found[alert] = False
    return found


def _policy(call: Call) -> str | None:
    return call.params.str("data[policy]") or call.params.str("policy")


async def _entity(call: Call, found: PushSubscription) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "endpoint": found.endpoint,
        "standard": found.standard,
        "alerts": {alert: alert in found.alerts for alert in push.ALERTS},
        "server_key": await push.vapid_public_key(call.ctx),
        "policy": found.policy,
    }


@endpoint("push")
async def create(call: Call):
    assert call.auth is not None
    p = call.params
    made = await push.subscribe(
        call.ctx,
        call.auth,
        endpoint=p.str("subscription[endpoint]"),
        p256dh=p.str("subscription[keys][p256dh]"),
        secret=p.str("subscription[keys][auth]"),
        alerts=_alerts(call),
        policy=_policy(call),
        standard=p.bool("subscription[standard]"),
    )
    return await _entity(call, made)


@endpoint("push")
async def show(call: Call):
    assert call.auth is not None
    return await _entity(call, await push.subscription(call.ctx, call.auth))


@endpoint("push")
async def change(call: Call):
    assert call.auth is not None
    changed = await push.change(call.ctx, call.auth, alerts=_alerts(call), policy=_policy(call))
    return await _entity(call, changed)


@endpoint("push")
async def remove(call: Call):
    assert call.auth is not None
    await push.unsubscribe(call.ctx, call.auth)
    return {}


routes = [
    Route("/api/v1/push/subscription", create, methods=["POST"]),
    Route("/api/v1/push/subscription", show, methods=["GET"]),
    Route("/api/v1/push/subscription", change, methods=["PUT"]),
    Route("/api/v1/push/subscription", remove, methods=["DELETE"]),
]
