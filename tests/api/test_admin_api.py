"""Mastodon's admin API: accounts and domain blocks, through Mastodon.py as a moderator's
app calls them, and the refusals (scopes, non-staff tokens, bad input)."""

from __future__ import annotations

import asyncio

import pytest
from mastodon import Mastodon, MastodonAPIError

from fedlocal.services import audit, staff
from fedlocal.services.accounts import create_account
from fedlocal.store import accounts as account_store
from tests.api.conftest import PASSWORD, password_token, register_app
from tests.services.sharing_support import remote_person

ADMIN_SCOPES = "read write admin:read admin:write"


def in_thread(function, *args, **kwargs):
    return asyncio.to_thread(function, *args, **kwargs)


async def client_for(inst, http, login: str, scope: str = ADMIN_SCOPES) -> Mastodon:
    app = await register_app(http, scopes=ADMIN_SCOPES)
    token = await password_token(http, app, login, scope=scope)
    return Mastodon(access_token=token, api_base_url=inst.base_url, version_check_mode="none")


async def person(inst, name, **options):
    return await create_account(inst.services, name, PASSWORD, **options)


@pytest.fixture
async def team(inst):
    admin, _ = await person(inst, "mairie", admin=True)
    modo, _ = await person(inst, "modo")
    await staff.set_role(inst.services, admin, modo.id, "moderator")
    lea = await person(inst, "lea")
    return admin, modo, lea


async def test_a_moderator_lists_and_moderates_accounts(inst, http, team):
    admin, _modo, (lea, lea_actor) = team
    client = await client_for(inst, http, "modo")

    listed = await in_thread(client.admin_accounts)
    assert {a["username"] for a in listed} == {"mairie", "modo", "lea"}
    one = await in_thread(client.admin_account, lea_actor.id)
    assert one["account"]["acct"] == "lea" and one["domain"] is None
    assert (one["silenced"], one["suspended"], one["disabled"]) == (False, False, False)
    assert one["role"]["id"] == "-99"
    staff_only = await in_thread(client.admin_accounts, staff_only=True)
    assert {a["username"]: a["role"]["name"] for a in staff_only} == {
        "mairie": "Admin",
        "modo": "Moderator",
    }

    # Silence (our "limit") with a text: a warning reaches Léa
    await in_thread(
        client.admin_account_moderate, lea_actor.id, "silence", text="Moins de messages, merci."
    )
    assert (await in_thread(client.admin_account, lea_actor.id))["silenced"] is True
    silenced = await in_thread(client.admin_accounts_v2, status="silenced")
    assert [a["username"] for a in silenced] == ["lea"]
    await in_thread(client.admin_account_unsilence, lea_actor.id)
    assert (await in_thread(client.admin_account, lea_actor.id))["silenced"] is False

    # Suspend, then lift it
    await in_thread(client.admin_account_moderate, lea_actor.id, "suspend")
    shown = await in_thread(client.admin_account, lea_actor.id)
    assert shown["suspended"] and shown["disabled"]
    await in_thread(client.admin_account_unsuspend, lea_actor.id)
    assert not (await in_thread(client.admin_account, lea_actor.id))["suspended"]

    entries = await audit.entries(inst.services, admin)
    assert [e.action for e in entries][:4] == ["unsuspend", "suspend", "unlimit", "limit"]
    assert entries[3].by_username == "modo" and entries[3].note == "Moins de messages, merci."


async def test_a_warning_arrives_as_a_moderation_warning_notification(inst, http, team):
    _admin, _modo, (_lea, lea_actor) = team
    moderator = await client_for(inst, http, "modo")
    await in_thread(moderator.admin_account_moderate, lea_actor.id, None, text="Restez courtoise.")

    resident = await client_for(inst, http, "lea", scope="read")
    found = await in_thread(resident.notifications)
    assert [n["type"] for n in found] == ["moderation_warning"]
    assert found[0]["moderation_warning"]["text"] == "Restez courtoise."
    assert found[0]["moderation_warning"]["action"] == "none"


async def test_remote_accounts_are_listed_with_origin_remote(inst, http, team):
    troll = await remote_person(inst.federation, "troll", host="spam.example")
    client = await client_for(inst, http, "modo")
    await in_thread(client.admin_account_moderate, troll.id, "suspend")

    remote = await in_thread(client.admin_accounts_v2, origin="remote", status="suspended")

    assert [(a["username"], a["domain"]) for a in remote] == [("troll", "spam.example")]


async def test_only_staff_tokens_with_admin_scopes_reach_the_admin_api(inst, http, team):
    _admin, _modo, (_lea, lea_actor) = team
    resident = await client_for(inst, http, "lea")
    without_scope = await client_for(inst, http, "modo", scope="read write")
    for client in (resident, without_scope):
        with pytest.raises(MastodonAPIError) as refused:
            await in_thread(client.admin_accounts)
        assert refused.value.args[1] == 403
    response = await http.get("/api/v1/admin/accounts")
    assert response.status_code == 401


async def test_bad_actions_are_refused_and_change_nothing(inst, http, team):
    admin, modo, (lea, lea_actor) = team
    client = await client_for(inst, http, "modo")
    token = client.access_token
    headers = {"Authorization": f"Bearer {token}"}

    unknown = await http.post(
        f"/api/v1/admin/accounts/{lea_actor.id}/action", data={"type": "ban"}, headers=headers
    )
    assert unknown.status_code == 422 and "type" in unknown.json()["error"]
    itself = await http.post(
        f"/api/v1/admin/accounts/{modo.actor_id}/action", data={"type": "silence"}, headers=headers
    )
    assert itself.status_code == 422
    on_admin = await http.post(
        f"/api/v1/admin/accounts/{admin.actor_id}/action",
        data={"type": "suspend"},
        headers=headers,
    )
    assert on_admin.status_code == 403
    missing = await http.get("/api/v1/admin/accounts/999999", headers=headers)
    assert missing.status_code == 404
    bad_filter = await http.get("/api/v2/admin/accounts?status=banned", headers=headers)
    assert bad_filter.status_code == 422
    assert [e.action for e in await audit.entries(inst.services, admin)] == ["role"]
    async with inst.db.read() as conn:
        assert not (await account_store.get_account_by_username(conn, "mairie")).is_disabled


async def test_admins_manage_domain_blocks(inst, http, team):
    admin, _modo, _lea = team
    client = await client_for(inst, http, "mairie")

    created = await in_thread(
        client.admin_create_domain_block,
        "Spam.Example",
        severity="suspend",
        public_comment="Spam en masse",
        private_comment="signalé trois fois",
    )
    assert created["domain"] == "spam.example" and created["severity"] == "suspend"
    assert created["public_comment"] == "Spam en masse"
    assert not await inst.services.domains.allows("spam.example")

    listed = await in_thread(client.admin_domain_blocks)
    assert [b["domain"] for b in listed] == ["spam.example"]
    updated = await in_thread(client.admin_update_domain_block, created["id"], severity="silence")
    assert updated["severity"] == "silence"
    assert await inst.services.domains.allows("spam.example")
    assert await inst.services.domains.is_silenced("spam.example")

    public = (await http.get("/api/v1/instance/domain_blocks")).json()
    assert public == [
        {
            "domain": "spam.example",
            "digest": created["digest"],
            "severity": "silence",
            "comment": "Spam en masse",
        }
    ]

    # A duplicate, a malformed domain: 422, nothing stored
    with pytest.raises(MastodonAPIError) as duplicate:
        await in_thread(client.admin_create_domain_block, "spam.example")
    assert duplicate.value.args[1] == 422
    with pytest.raises(MastodonAPIError) as malformed:
        await in_thread(client.admin_create_domain_block, "not a domain!")
    assert malformed.value.args[1] == 422
    assert len(await in_thread(client.admin_domain_blocks)) == 1

    await in_thread(client.admin_delete_domain_block, created["id"])
    assert await in_thread(client.admin_domain_blocks) == []
    assert not await inst.services.domains.is_silenced("spam.example")
    actions = [e.action for e in await audit.entries(inst.services, admin)]
    assert actions[:3] == ["unblock_domain", "update_domain_block", "block_domain"]


async def test_domain_blocks_are_the_admins(inst, http, team):
    moderator = await client_for(inst, http, "modo")
    with pytest.raises(MastodonAPIError) as refused:
        await in_thread(moderator.admin_create_domain_block, "spam.example")
    assert refused.value.args[1] == 403
    with pytest.raises(MastodonAPIError) as listing:
        await in_thread(moderator.admin_domain_blocks)
    assert listing.value.args[1] == 403
