"""`POST /api/v1/reports` and Mastodon's admin API for reports, over HTTP: the answers'
shapes, the scopes, the filters, and bad input refused with nothing stored."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from fedlocal.services import accounts
from fedlocal.services import posts as post_service
from fedlocal.store.tables import reports as reports_table
from tests.api.conftest import PASSWORD, Resident, password_token, register_app

ADMIN_SCOPES = "read write admin:read admin:write"


async def _count(inst) -> int:
    async with inst.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(reports_table))).scalar())


async def _moderator(inst, http: httpx.AsyncClient, scope: str = ADMIN_SCOPES) -> Resident:
    account, actor = await accounts.create_account(inst.services, "modo", PASSWORD, admin=True)
    app = await register_app(http, scopes=ADMIN_SCOPES)
    return Resident(account, actor, await password_token(http, app, "modo", scope=scope))


async def test_a_resident_reports_a_post_and_gets_mastodons_report_back(inst, http, ana, bob):
    post = await post_service.publish_note(inst.services, bob.actor, "Vends montres")
    response = await http.post(
        "/api/v1/reports",
        headers=ana.headers,
        json={
            "account_id": str(bob.actor.id),
            "status_ids": [str(post.id)],
            "comment": "Du spam",
            "category": "spam",
        },
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["category"] == "spam" and report["comment"] == "Du spam"
    assert report["status_ids"] == [str(post.id)] and report["rule_ids"] is None
    assert report["action_taken"] is False and report["forwarded"] is False
    assert report["target_account"]["id"] == str(bob.actor.id)
    assert report["target_account"]["acct"] == "bob"


async def test_a_form_encoded_report_of_an_account_works_too(inst, http, ana, bob):
    response = await http.post(
        "/api/v1/reports/",
        headers=ana.headers,
        data={"account_id": str(bob.actor.id), "comment": "Insistant"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["category"] == "other"
    assert response.json()["status_ids"] is None


@pytest.mark.parametrize(
    "body, status",
    [
        ({"comment": "x" * 100_000}, 422),
        ({"category": "rude"}, 422),
        ({"rule_ids": ["1"]}, 422),
        ({"status_ids": ["999999"]}, 404),
        ({"status_ids": ["abc"]}, 404),
        ({"account_id": "999999"}, 404),
        ({"account_id": "abc"}, 404),
        ({"account_id": ""}, 404),
    ],
)
async def test_bad_reports_are_refused_with_nothing_stored(inst, http, ana, bob, body, status):
    response = await http.post(
        "/api/v1/reports", headers=ana.headers, json={"account_id": str(bob.actor.id), **body}
    )
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert await _count(inst) == 0


async def test_reporting_oneself_is_refused(inst, http, ana):
    response = await http.post(
        "/api/v1/reports", headers=ana.headers, json={"account_id": str(ana.actor.id)}
    )
    assert response.status_code == 422
    assert await _count(inst) == 0


async def test_reporting_needs_the_write_reports_scope(inst, http, bob):
    account, _actor = await accounts.create_account(inst.services, "cleo", PASSWORD)
    app = await register_app(http, scopes="read")
    token = await password_token(http, app, "cleo", scope="read")
    response = await http.post(
        "/api/v1/reports",
        headers={"Authorization": f"Bearer {token}"},
        json={"account_id": str(bob.actor.id)},
    )
    assert response.status_code == 403
    assert await _count(inst) == 0


async def _report(http, reporter: Resident, target: Resident) -> str:
    response = await http.post(
        "/api/v1/reports", headers=reporter.headers, json={"account_id": str(target.actor.id)}
    )
    assert response.status_code == 200, response.text
    return response.json()["id"]


async def test_moderators_list_filter_and_resolve_reports(inst, http, ana, bob):
    # Given two reports: ana's about bob, bob's about ana
    about_bob = await _report(http, ana, bob)
    about_ana = await _report(http, bob, ana)
    modo = await _moderator(inst, http)

    # The open ones, newest first, as Admin::Report
    listed = await http.get("/api/v1/admin/reports", headers=modo.headers)
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()] == [about_ana, about_bob]
    first = listed.json()[1]
    assert first["account"]["username"] == "ana"
    assert first["target_account"]["account"]["acct"] == "bob"
    assert first["assigned_account"] is None and first["statuses"] == []

    # Filtered by target and by reporter
    by_target = await http.get(
        "/api/v1/admin/reports",
        headers=modo.headers,
        params={"target_account_id": str(bob.actor.id)},
    )
    assert [r["id"] for r in by_target.json()] == [about_bob]
    by_reporter = await http.get(
        "/api/v1/admin/reports", headers=modo.headers, params={"account_id": str(bob.actor.id)}
    )
    assert [r["id"] for r in by_reporter.json()] == [about_ana]

    # Assigned, resolved: it leaves the open list and shows among the resolved ones
    path = f"/api/v1/admin/reports/{about_bob}"
    assigned = await http.post(f"{path}/assign_to_self", headers=modo.headers)
    assert assigned.json()["assigned_account"]["username"] == "modo"
    resolved = await http.post(f"{path}/resolve", headers=modo.headers)
    assert resolved.json()["action_taken"] is True
    assert resolved.json()["action_taken_by_account"]["username"] == "modo"
    still_open = await http.get("/api/v1/admin/reports", headers=modo.headers)
    assert [r["id"] for r in still_open.json()] == [about_ana]
    closed = await http.get(
        "/api/v1/admin/reports", headers=modo.headers, params={"resolved": "true"}
    )
    assert [r["id"] for r in closed.json()] == [about_bob]

    # Reopened and unassigned
    reopened = await http.post(f"{path}/reopen", headers=modo.headers)
    assert reopened.json()["action_taken"] is False
    unassigned = await http.post(f"{path}/unassign", headers=modo.headers)
    assert unassigned.json()["assigned_account"] is None
    shown = await http.get(path, headers=modo.headers)
    assert shown.status_code == 200 and shown.json()["id"] == about_bob


async def test_the_admin_api_is_for_moderators_with_admin_scopes(inst, http, ana, bob):
    report_id = await _report(http, ana, bob)
    # A resident with every ordinary scope: the admin scopes are not theirs
    assert (await http.get("/api/v1/admin/reports", headers=ana.headers)).status_code == 403
    # A token with the admin scopes but for an account that is not staff
    account, _actor = await accounts.create_account(inst.services, "cleo", PASSWORD)
    app = await register_app(http, scopes=ADMIN_SCOPES)
    token = await password_token(http, app, "cleo", scope=ADMIN_SCOPES)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await http.get("/api/v1/admin/reports", headers=headers)).status_code == 403
    resolve = await http.post(f"/api/v1/admin/reports/{report_id}/resolve", headers=headers)
    assert resolve.status_code == 403
    # A moderator with read only cannot resolve
    modo = await _moderator(inst, http, scope="admin:read")
    resolve = await http.post(f"/api/v1/admin/reports/{report_id}/resolve", headers=modo.headers)
    assert resolve.status_code == 403
    unknown = await http.get("/api/v1/admin/reports/999999", headers=modo.headers)
    assert unknown.status_code == 404


async def test_an_admin_api_account_action_answering_a_report_resolves_it(inst, http, ana, bob):
    report_id = await _report(http, ana, bob)
    modo = await _moderator(inst, http)
    # A report about another account is refused, and nothing is done
    wrong = await http.post(
        f"/api/v1/admin/accounts/{ana.actor.id}/action",
        headers=modo.headers,
        data={"type": "silence", "report_id": report_id},
    )
    assert wrong.status_code == 422
    # Limiting bob with the report's number resolves it
    done = await http.post(
        f"/api/v1/admin/accounts/{bob.actor.id}/action",
        headers=modo.headers,
        data={"type": "silence", "report_id": report_id, "text": "Calmez-vous"},
    )
    assert done.status_code == 200, done.text
    shown = await http.get(f"/api/v1/admin/reports/{report_id}", headers=modo.headers)
    assert shown.json()["action_taken"] is True
    assert shown.json()["action_taken_by_account"]["username"] == "modo"
    account = await http.get(f"/api/v1/admin/accounts/{bob.actor.id}", headers=modo.headers)
    assert account.json()["silenced"] is True
