"""Web Push: an app subscribes its token, a notification reaches its push service
encrypted for it (the test decrypts it as the app would), signed with the instance's
VAPID key; a push service's 410 drops the subscription. Mastodon.py subscribes and
decrypts the draft (`aesgcm`) encoding Mastodon long sent."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from datetime import timedelta

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from mastodon import Mastodon
from sqlalchemy import func, select

from fedlocal.clock import utcnow
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.store.tables import push_deliveries
from tests.api.test_streaming import follow, post
from tests.support.recording_inbox import recording_inbox
from tests.support.waiting import wait_for


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Subscriber:
    """An app's side of a subscription: its key pair and auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    async def subscribe(self, http, resident, endpoint: str, *, standard: bool = False) -> None:
        """Subscribe `resident`'s token to follow notifications, as a form."""
        made = await http.post(
            "/api/v1/push/subscription",
            headers=resident.headers,
            data={
                "subscription[endpoint]": endpoint,
                "subscription[keys][p256dh]": self.p256dh,
                "subscription[keys][auth]": b64url(self.auth),
                "subscription[standard]": "true" if standard else "false",
                "data[alerts][follow]": "true",
            },
        )
        assert made.status_code == 200, made.text

    def decrypt(self, body: bytes) -> dict:
        clear = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(clear)


async def queued(inst) -> int:
    async with inst.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(push_deliveries))).scalar_one()


async def test_a_mention_is_pushed_encrypted_and_a_410_drops_the_subscription(
    inst, http, ana, bob
) -> None:
    async with recording_inbox(then=201) as service:
        # Given ana's app subscribed (RFC 8291) for mentions, from anyone
        app = Subscriber()
        endpoint = f"{service.base_url}/push/ana-phone"
        made = await http.post(
            "/api/v1/push/subscription",
            headers=ana.headers,
            json={
                "subscription": {
                    "endpoint": endpoint,
                    "keys": {"p256dh": app.p256dh, "auth": b64url(app.auth)},
                    "standard": True,
                },
                "data": {"alerts": {"mention": True, "follow": False}, "policy": "all"},
            },
        )
        assert made.status_code == 200, made.text
        subscription = made.json()
        vapid = (await http.get("/api/v2/instance")).json()["configuration"]["vapid"]
        assert subscription["server_key"] == vapid["public_key"]
        assert subscription["alerts"]["mention"] is True
        assert subscription["alerts"]["follow"] is False
        assert subscription["standard"] is True and subscription["policy"] == "all"

        # When bob follows her (not asked for) and then mentions her
        await follow(http, bob, ana)
        mention = await post(http, bob, "@ana le marché est ouvert")

        # Then one push arrives, which her app decrypts
        await wait_for(lambda: service.received, message="a push")
        [pushed] = service.received
        assert pushed.path == "/push/ana-phone"
        assert pushed.headers["content-encoding"] == "aes128gcm"
        assert int(pushed.headers["ttl"]) > 0
        assert pushed.headers["authorization"].startswith("vapid t=")
        assert pushed.headers["authorization"].endswith(f",k={vapid['public_key']}")
        message = app.decrypt(pushed.body)
        assert message["notification_type"] == "mention"
        assert message["title"] == "bob vous a mentionné·e"
        assert message["body"].endswith("le marché est ouvert")
        found = await http.get(
            f"/api/v1/notifications/{message['notification_id']}", headers=ana.headers
        )
        assert found.json()["status"]["id"] == mention["id"]
        assert await wait_for(_empty(inst), message="the follow's push dropped unsent")

        # When the push service says the subscription is gone
        service.answer(410)
        await post(http, bob, "@ana encore moi")
        await wait_for(lambda: len(service.received) == 2, message="the second push")

        # Then the subscription is dropped
        async def dropped() -> bool:
            gone = await http.get("/api/v1/push/subscription", headers=ana.headers)
            return gone.status_code == 404

        await wait_for(dropped, message="the subscription to be dropped")
        assert await queued(inst) == 0


def _empty(inst):
    async def check() -> bool:
        return await queued(inst) == 0

    return check


async def test_a_failing_push_service_is_retried(inst, http, ana, bob) -> None:
    async with recording_inbox([503], then=201) as service:
        app = Subscriber()
        await app.subscribe(http, ana, f"{service.base_url}/push/1", standard=True)
        await follow(http, bob, ana)
        await wait_for(lambda: service.received, message="the first attempt")
        assert service.received[0].answered == 503
        # The retry comes due after the backoff: make it due now
        async with inst.db.write() as conn:
            await conn.execute(push_deliveries.update().values(next_attempt_at=func.now()))
        await wait_for(lambda: len(service.received) == 2, message="the retry")
        assert app.decrypt(service.received[1].body)["notification_type"] == "follow"


async def test_subscriptions_belong_to_their_token(inst, http, ana) -> None:
    assert (await http.get("/api/v1/push/subscription", headers=ana.headers)).status_code == 404
    bad = await http.post(
        "/api/v1/push/subscription",
        headers=ana.headers,
        data={
            "subscription[endpoint]": "https://push.example/1",
            "subscription[keys][p256dh]": "pas-une-clé",
            "subscription[keys][auth]": "AAAA",
        },
    )
    assert bad.status_code == 422
    app = Subscriber()
    form = {
        "subscription[endpoint]": "https://push.example/1",
        "subscription[keys][p256dh]": app.p256dh,
        "subscription[keys][auth]": b64url(app.auth),
        "data[alerts][mention]": "true",
    }
    assert (await http.post("/api/v1/push/subscription", headers=ana.headers, data=form)).json()[
        "standard"
    ] is False
    changed = await http.put(
        "/api/v1/push/subscription",
        headers=ana.headers,
        data={"data[alerts][favourite]": "true", "data[policy]": "followed"},
    )
    assert changed.json()["alerts"]["mention"] is True
    assert changed.json()["alerts"]["favourite"] is True
    assert changed.json()["policy"] == "followed"
    wrong = await http.put(
        "/api/v1/push/subscription", headers=ana.headers, data={"data[policy]": "friends"}
    )
    assert wrong.status_code == 422
    assert (await http.delete("/api/v1/push/subscription", headers=ana.headers)).json() == {}
    assert (await http.get("/api/v1/push/subscription", headers=ana.headers)).status_code == 404


async def test_mastodon_py_subscribes_and_decrypts_a_push(inst, http, ana, bob) -> None:
    async with recording_inbox(then=201) as service:
        client = Mastodon(access_token=ana.token, api_base_url=inst.base_url)
        private, public = await asyncio.to_thread(client.push_subscription_generate_keys)
        made = await asyncio.to_thread(
            client.push_subscription_set,
            f"{service.base_url}/push/mastodon-py",
            public,
            mention_events=True,
        )
        assert made.alerts.mention is True and made.alerts.follow is False
        await post(http, bob, "@ana bonjour")
        await wait_for(lambda: service.received, message="a push")
        [pushed] = service.received
        assert pushed.headers["content-encoding"] == "aesgcm"
        message = await asyncio.to_thread(
            client.push_subscription_decrypt_push,
            pushed.body,
            private,
            pushed.headers["encryption"],
            pushed.headers["crypto-key"],
        )
    assert message.notification_type == "mention"
    assert message.body.endswith("bonjour")


async def test_a_refused_push_is_given_up_then_forgotten(inst, http, ana, bob) -> None:
    async with recording_inbox([400], then=201) as service:
        app = Subscriber()
        await app.subscribe(http, ana, f"{service.base_url}/push/2")
        await follow(http, bob, ana)

        async def given_up() -> bool:
            async with inst.db.read() as conn:
                states = (await conn.execute(select(push_deliveries.c.state))).scalars().all()
            return list(states) == ["dead"]

        await wait_for(given_up, message="the push given up")
    # The subscription stays (a 400 says nothing of it); a week later the push is forgotten
    assert (await http.get("/api/v1/push/subscription", headers=ana.headers)).status_code == 200
    await MaintenanceWorker(inst.services).run_once(utcnow() + timedelta(days=8))
    assert await queued(inst) == 0
