"""A new account's daily limits through the client API: a Mastodon app posting statuses
and direct messages meets them as Mastodon's own rate limits answer (429, X-RateLimit-*)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from fedlocal.store.tables import objects
from tests.api.conftest import make_resident, register_app
from tests.support.instance import running_instance

LIMITS = {"new_account_days": 7, "new_account_posts_per_day": 2, "new_account_messages_per_day": 1}


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, default_language="fr", **LIMITS) as instance:
        yield instance


async def _posts(inst, actor_id: int) -> int:
    async with inst.db.read() as conn:
        query = select(func.count()).select_from(objects).where(objects.c.actor_id == actor_id)
        return (await conn.execute(query)).scalar()


async def test_a_new_account_past_its_daily_posts_gets_a_429_saying_when(inst, http):
    ana = await make_resident(inst, http, "ana")
    for text in ("Bonjour", "Perceuse à prêter #offre"):
        response = await http.post("/api/v1/statuses", headers=ana.headers, data={"status": text})
        assert response.status_code == 200, response.text

    refused = await http.post(
        "/api/v1/statuses", headers=ana.headers, data={"status": "Encore un #offre"}
    )

    assert refused.status_code == 429
    assert "(posts: 2 in 24 hours during the first 7 days)" in refused.json()["error"]
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    reset = datetime.fromisoformat(refused.headers["X-RateLimit-Reset"])
    assert reset.tzinfo is not None
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    assert await _posts(inst, ana.actor.id) == 2


async def test_direct_messages_have_their_own_limit(inst, http):
    await register_app(http)
    ana = await make_resident(inst, http, "ana")
    await make_resident(inst, http, "bea")
    sent = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        data={"status": "@bea bonjour", "visibility": "direct"},
    )
    assert sent.status_code == 200, sent.text

    refused = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        data={"status": "@bea tu es là ?", "visibility": "direct"},
    )

    assert refused.status_code == 429
    assert "private messages" in refused.json()["error"]
    public = await http.post("/api/v1/statuses", headers=ana.headers, data={"status": "Salut"})
    assert public.status_code == 200
    assert await _posts(inst, ana.actor.id) == 2
