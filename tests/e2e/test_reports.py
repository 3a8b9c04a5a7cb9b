"""A report forwarded between two fedlocal instances running as separate processes.

Bob on B publishes (CLI); ana on A, through A's client API, finds the post and reports it
with `forward`. A's delivery worker sends a Flag from A's instance actor; B's inbox and
worker put it in B's moderation queue, attributed to A's server, ana unnamed.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from fedlocal.store.tables import reports as reports_table
from tests.e2e.test_two_instances import Pair
from tests.e2e.test_two_instances import pair as pair  # noqa: F401 (A with ana, B with bob)
from tests.support.processes import PASSWORD
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

DELIVERY_DEADLINE = 20.0


async def _token(http: httpx.AsyncClient, base_url: str, login: str) -> str:
    app = await http.post(
        f"{base_url}/api/v1/apps",
        data={
            "client_name": "e2e",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write",
        },
    )
    assert app.status_code == 200, app.text
    token = await http.post(
        f"{base_url}/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.json()["client_id"],
            "client_secret": app.json()["client_secret"],
            "username": login,
            "password": PASSWORD,
            "scope": "read write",
        },
    )
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


async def test_a_forwarded_report_reaches_the_other_instances_queue(pair: Pair) -> None:
    a, b = pair.a, pair.b
    # Given bob's post on B
    post_url = await b.post("bob", "Montres de luxe à 10 euros")

    async with httpx.AsyncClient(timeout=10.0, trust_env=False) as http:
        # When ana, on A, finds it through A's API and reports it, forwarded
        headers = {"Authorization": f"Bearer {await _token(http, a.base_url, 'ana')}"}
        found = await http.get(
            f"{a.base_url}/api/v2/search",
            params={"q": post_url, "resolve": "true"},
            headers=headers,
        )
        assert found.status_code == 200, found.text
        [status] = found.json()["statuses"]
        report = await http.post(
            f"{a.base_url}/api/v1/reports",
            headers=headers,
            json={
                "account_id": status["account"]["id"],
                "status_ids": [status["id"]],
                "comment": "Arnaque",
                "category": "spam",
                "forward": True,
            },
        )
        assert report.status_code == 200, report.text
        assert report.json()["forwarded"] is True

    # Then B's queue holds it, from A's server, about bob's post, without ana's name
    async with b.store() as store:

        async def arrived():
            async with store.read() as conn:
                return list(await conn.execute(select(reports_table)))

        [row] = await wait_for(arrived, timeout=DELIVERY_DEADLINE, message="the Flag on B")
        assert row.origin_domain == a.domain and row.comment == "Arnaque"
        assert row.target_id == await store.actor_id(b.actor_uri("bob"))
        assert [p["uri"] for p in row.snapshot["posts"]] == [status["uri"]]
        assert "ana" not in str(row.snapshot) and row.reporter_id is not None
