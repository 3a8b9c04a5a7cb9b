"""`/metrics`: off by default, shown only to the configured networks or token, in the
Prometheus text format, with queue depths, failing hosts (bounded), latencies by route
template and the workers' last steps."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import insert

from fedlocal.config import ConfigError, build_config
from fedlocal.services import accounts
from fedlocal.store import actors as actor_store
from fedlocal.store import inbox_queue as inbox_store
from fedlocal.store import outbox as outbox_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import deliveries
from tests.support.instance import running_instance
from tests.support.waiting import wait_for

TOKEN = "s3cret-metrics-token"


async def get(inst, path: str = "/metrics", **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as http:
        return await http.get(path, headers=headers)


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample line, or None when absent."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + want + '}') if want else ''} (\S+)$"
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else None


async def test_metrics_are_off_by_default(tmp_path) -> None:
    async with running_instance(tmp_path, run_workers=False) as inst:
        assert (await get(inst)).status_code == 404


@pytest.mark.parametrize(
    "settings, headers, shown",
    [
        ({"metrics_allow": ["10.0.0.0/8"]}, {}, False),
        ({"metrics_allow": ["127.0.0.0/8"]}, {}, True),
        ({"metrics_token": TOKEN}, {}, False),
        ({"metrics_token": TOKEN}, {"Authorization": "Bearer wrong"}, False),
        ({"metrics_token": TOKEN}, {"Authorization": f"Bearer {TOKEN}"}, True),
    ],
    ids=["other network", "loopback allowed", "no token", "wrong token", "token"],
)
async def test_only_the_allowed_networks_or_the_token_see_metrics(
    tmp_path, settings, headers, shown
) -> None:
    async with running_instance(
        tmp_path, run_workers=False, metrics_enabled=True, **settings
    ) as inst:
        response = await get(inst, **headers)
    assert response.status_code == (200 if shown else 404)
    if shown:
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")


def test_enabling_metrics_without_saying_who_may_read_them_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="metrics_allow"):
        build_config(
            {
                "name": "N",
                "base_url": "https://n.example",
                "data_dir": "/tmp/n",
                "metrics_enabled": True,
            },
            environ={},
        )


async def test_metrics_show_queues_failing_hosts_latencies_and_workers(tmp_path) -> None:
    async with running_instance(
        tmp_path, metrics_enabled=True, metrics_allow=["127.0.0.1/32", "::1/128"]
    ) as inst:
        ctx = inst.services
        await accounts.create_account(ctx, "ana", "a long password")
        # Given work waiting (in the inbox queue's own database), and deliveries failing
        # to more hosts than are named
        async with ctx.db.inbox.write() as conn:
            await inbox_store.enqueue(
                conn, body=b"{}", activity_uri="https://x.example/a", actor_uri=None, key_id=None
            )
        async with ctx.db.write() as conn:
            ana = await actor_store.get_local_actor(conn, "ana")
            activity = await outbox_store.enqueue_activity(
                conn, uri="https://n.example/activities/1", actor_id=ana.id, body="{}"
            )
            now = utcnow()
            for n in range(12):  # host hNN has n + 1 deliveries given up on
                await conn.execute(
                    insert(deliveries),
                    [
                        {
                            "activity_id": activity,
                            "inbox_url": f"https://h{n:02}.example/users/{k}/inbox",
                            "domain": f"h{n:02}.example",
                            "state": "dead",
                            "attempts": 12,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                        for k in range(n + 1)
                    ],
                )
        # And requests answered on a templated route
        for name in ("ana", "nobody-at-all"):
            await get(inst, f"/users/{name}", Accept="application/activity+json")
        await wait_for(
            lambda: {"inbox", "delivery"} <= set(inst.federation.heartbeats.last),
            message="the workers to take a step",
        )

        # When the operator's Prometheus reads /metrics
        text = (await get(inst)).text

    # Then the queue depths, templated routes and workers are there
    assert sample(text, "fedlocal_deliveries", state="dead") == sum(range(1, 13))
    assert sample(text, "fedlocal_inbox_queue", state="failed") in (0, 1)
    assert sample(text, "fedlocal_media_processing", state="processing") == 0
    assert re.search(r'^fedlocal_inbox_queue\{state="(pending|failed)"\} \d+$', text, re.M)
    assert 'route="/users/{username}"' in text
    assert "nobody-at-all" not in text
    assert sample(text, "fedlocal_worker_last_step_timestamp_seconds", worker="inbox")
    assert sample(text, "fedlocal_worker_last_step_timestamp_seconds", worker="delivery")
    assert re.search(
        r'^fedlocal_http_request_duration_seconds_bucket\{method="GET",'
        r'route="/users/\{username\}",le="\+Inf"\} 2$',
        text,
        re.M,
    )
    # And the failing hosts are the worst ten by name, the rest summed
    assert sample(text, "fedlocal_delivery_failures", host="h11.example") == 12
    assert sample(text, "fedlocal_delivery_failures", host="h02.example") == 3
    assert sample(text, "fedlocal_delivery_failures", host="h01.example") is None
    assert sample(text, "fedlocal_delivery_failures", host="other") == 1 + 2
