"""What apps read about the instance before anything else: `/health`, the contact
account (the first admin, with the Admin role), the thumbnail, no empty VAPID key."""

from __future__ import annotations

import asyncio

from mastodon import Mastodon

from fedlocal.services import accounts
from tests.api.conftest import PASSWORD, make_resident, password_token, register_app


async def test_health_answers_ok_as_plain_text(inst, http) -> None:
    response = await http.get("/health")
    assert (response.status_code, response.text) == (200, "OK")
    assert response.headers["content-type"].startswith("text/plain")
    assert (await http.head("/health")).status_code == 200


async def test_the_first_admin_is_the_contact_with_the_admin_role(inst, http) -> None:
    # Given no admin yet: no contact account
    before = (await http.get("/api/v2/instance")).json()
    assert before["contact"]["account"] is None

    # When ana (a resident) and then two admins exist
    ana = await make_resident(inst, http, "ana")
    await accounts.create_account(inst.services, "zoe", PASSWORD, admin=True)
    await accounts.create_account(inst.services, "yves", PASSWORD, admin=True)

    # Then the first admin is the contact, in v1 and v2, with the Admin badge
    v2 = (await http.get("/api/v2/instance")).json()
    v1 = (await http.get("/api/v1/instance")).json()
    assert v2["contact"]["account"]["acct"] == "zoe"
    assert v1["contact_account"]["acct"] == "zoe"
    assert v2["contact"]["account"]["roles"] == [{"id": "3", "name": "Admin", "color": ""}]

    # And the admin's own account says its role; a resident's says none
    zoe = await make_resident_token(inst, http, "zoe")
    mine = (await http.get("/api/v1/accounts/verify_credentials", headers=zoe)).json()
    assert mine["role"]["name"] == "Admin" and mine["role"]["highlighted"] is True
    theirs = (await http.get("/api/v1/accounts/verify_credentials", headers=ana.headers)).json()
    assert theirs["role"]["name"] == "" and theirs["roles"] == []


async def make_resident_token(inst, http, username: str) -> dict[str, str]:
    app = await register_app(http)
    return {"Authorization": f"Bearer {await password_token(http, app, username)}"}


async def test_thumbnail_is_served_and_the_vapid_key_is_the_apps_one(inst, http) -> None:
    v2 = (await http.get("/api/v2/instance")).json()
    v1 = (await http.get("/api/v1/instance")).json()
    url = v2["thumbnail"]["url"]
    assert url.startswith(inst.base_url) and v1["thumbnail"] == url
    picture = await http.get(url.replace(inst.base_url, ""))
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")
    # The instance's VAPID key: an uncompressed P-256 point, as apps register with it
    key = v2["configuration"]["vapid"]["public_key"]
    assert len(key) == 87 and key.startswith("B")
    app = await register_app(http)
    assert app["vapid_key"] == key


async def test_mastodon_py_reads_the_instance(inst, http) -> None:
    await accounts.create_account(inst.services, "zoe", PASSWORD, admin=True)
    client = Mastodon(api_base_url=inst.base_url)
    found = await asyncio.to_thread(client.instance_v2)
    assert found.contact.account.acct == "zoe"
    assert await asyncio.to_thread(client.instance_health) is True
