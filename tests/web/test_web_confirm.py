"""What cannot be undone asks first, without JavaScript: the first POST shows a page that
says what will happen and changes nothing; its form, sent again with a fresh token, acts."""

from __future__ import annotations

import re
from pathlib import Path

from fedlocal.services import groups as group_service
from fedlocal.services import signup as signup_service
from fedlocal.store import residents as account_store
from web.routes import CONFIRMED_PATHS, web_routes

from .conftest import make_resident
from .web_client import WebClient, csrf_tokens

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"


def _pattern(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


def test_every_danger_button_posts_to_a_confirmed_route():
    # Given every form whose button is marked as a danger in the templates
    web_routes()  # registers the confirmed paths
    confirmed = [_pattern(path) for path in CONFIRMED_PATHS]
    forms = []
    for template in TEMPLATES.glob("*.html"):
        if template.name == "confirm.html":
            continue
        for action, body in re.findall(
            r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', template.read_text(), re.S
        ):
            if 'class="danger"' in body:
                forms.append((template.name, re.sub(r"\{\{.*?\}\}", "x", action)))
    assert len(forms) >= 8
    # Then each posts to a route that asks first
    unconfirmed = [f for f in forms if not any(p.match(f[1]) for p in confirmed)]
    assert not unconfirmed


def _confirmation(response) -> dict[str, str]:
    """The fields of the confirmation page's form."""
    assert response.status_code == 200, response.text[:500]
    assert '<form method="post" action="' in response.text
    assert "Please confirm" in response.text or "Confirmez" in response.text
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.text)
    )
    assert fields["confirm"] == "yes" and fields["csrf_token"] in csrf_tokens(response.text)
    return fields


async def test_suspending_a_resident_asks_first(inst):
    admin, _ = await make_resident(inst, "boss", admin=True)
    target, _ = await make_resident(inst, "zoe")
    async with WebClient(inst.base_url) as boss:
        await boss.log_in("boss")
        # When the admin presses "Suspend"
        asked = await boss.submit(
            "/admin", f"/admin/accounts/{target.id}", {"decision": "suspend"}, confirmed=False
        )
        # Then a page asks, and nothing happened yet
        fields = _confirmation(asked)
        assert "can no longer log in" in asked.text
        async with inst.db.read() as conn:
            assert not (await account_store.get_account(conn, target.id)).is_disabled
        # When they confirm
        done = await boss.http.post(f"/admin/accounts/{target.id}", data=fields)
        assert done.status_code == 303
        async with inst.db.read() as conn:
            assert (await account_store.get_account(conn, target.id)).is_disabled
        # Restoring is not destructive: no question
        restored = await boss.submit(
            "/admin", f"/admin/accounts/{target.id}", {"decision": "restore"}, confirmed=False
        )
        assert restored.status_code == 303
    assert admin.is_admin


async def test_unlinking_a_neighbour_names_it_and_can_be_abandoned(inst):
    await make_resident(inst, "boss", admin=True)
    async with WebClient(inst.base_url, language="fr") as boss:
        await boss.log_in("boss")
        asked = await boss.submit(
            "/admin",
            "/admin/neighbours/remove",
            {"target": "parame.example"},
            confirmed=False,
        )
        fields = _confirmation(asked)
        assert "Supprimer le lien avec parame.example" in asked.text
        assert fields["target"] == "parame.example"
        assert 'href="/admin"' in asked.text or 'href="/"' in asked.text  # the way back


async def test_leaving_a_group_and_removing_a_member_ask_first(inst, alice, alice_web):
    _, alice_actor = alice
    group = await group_service.create_group(
        inst.services, alice_actor, "jardin", display_name="Jardin"
    )
    await make_resident(inst, "bob")
    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        await bob.submit("/groups/jardin", "/groups/jardin/join", {})
        asked = await bob.submit("/groups/jardin", "/groups/jardin/leave", {}, confirmed=False)
        _confirmation(asked)
        page = await bob.get("/groups/jardin")
        assert "Leave the group" in page.text  # still a member
    asked = await alice_web.submit(
        "/groups/jardin",
        "/groups/jardin/remove-member",
        {"member": f"{inst.base_url}/users/bob"},
        confirmed=False,
    )
    _confirmation(asked)
    assert group.username == "jardin"


async def test_revoking_an_invitation_asks_first(inst):
    admin, _ = await make_resident(inst, "boss", admin=True)
    invite = await signup_service.create_invite(inst.services, admin, max_uses=1, days=1)
    async with WebClient(inst.base_url) as boss:
        await boss.log_in("boss")
        asked = await boss.submit(
            "/admin", f"/admin/invites/{invite.id}/revoke", {}, confirmed=False
        )
        _confirmation(asked)
    assert [i.id for i in await signup_service.invites(inst.services, admin)] == [invite.id]
