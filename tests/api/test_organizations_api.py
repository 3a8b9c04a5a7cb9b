"""Verified organisations and pins through the client API, as Mastodon apps use them."""

from __future__ import annotations

from fedlocal.services import organizations
from tests.api.conftest import make_resident


async def _status(http, who, text, **fields):
    response = await http.post(
        "/api/v1/statuses", headers=who.headers, data={"status": text, **fields}
    )
    return response


async def test_an_organisation_shows_a_role_and_a_verified_field(inst, http):
    mairie = await make_resident(inst, http, "mairie")
    await organizations.set_organization(inst.services, "mairie", "town_hall", by_account_id=None)

    entity = (await http.get(f"/api/v1/accounts/{mairie.actor.id}")).json()

    assert entity["roles"] == [
        {"id": "organization-town_hall", "name": "Mairie", "color": "#1f4e9c"}
    ]
    assert entity["fields"][0]["name"] == "Organisation"
    assert entity["fields"][0]["value"] == "Mairie"
    assert entity["fields"][0]["verified_at"]
    assert (entity["bot"], entity["group"]) == (False, False)


async def test_a_person_has_no_role(inst, http, ana):
    entity = (await http.get(f"/api/v1/accounts/{ana.actor.id}")).json()
    assert (entity["roles"], entity["fields"]) == ([], [])


async def test_pin_unpin_and_the_pinned_list(inst, http, ana):
    first = (await _status(http, ana, "Vide-grenier dimanche")).json()
    second = (await _status(http, ana, "Autre chose")).json()

    pinned = await http.post(f"/api/v1/statuses/{first['id']}/pin", headers=ana.headers)

    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["pinned"] is True
    listed = await http.get(f"/api/v1/accounts/{ana.actor.id}/statuses", params={"pinned": "true"})
    assert [s["id"] for s in listed.json()] == [first["id"]]
    shown = await http.get(f"/api/v1/statuses/{second['id']}", headers=ana.headers)
    assert shown.json()["pinned"] is False

    unpinned = await http.post(f"/api/v1/statuses/{first['id']}/unpin", headers=ana.headers)
    assert unpinned.json()["pinned"] is False
    listed = await http.get(f"/api/v1/accounts/{ana.actor.id}/statuses", params={"pinned": "true"})
    assert listed.json() == []


async def test_pinning_someone_elses_post_or_a_sixth_is_refused(inst, http, ana, bob):
    own = [(await _status(http, ana, f"Annonce {i}")).json()["id"] for i in range(6)]

    others = await http.post(f"/api/v1/statuses/{own[0]}/pin", headers=bob.headers)
    assert others.status_code in (403, 404)
    for status_id in own[:5]:
        ok = await http.post(f"/api/v1/statuses/{status_id}/pin", headers=ana.headers)
        assert ok.status_code == 200
    sixth = await http.post(f"/api/v1/statuses/{own[5]}/pin", headers=ana.headers)
    assert sixth.status_code == 422
    assert "at most 5" in sixth.json()["error"]


async def test_a_resident_cannot_post_in_the_town_hall_category(inst, http, ana):
    before = (await http.get(f"/api/v1/accounts/{ana.actor.id}")).json()["statuses_count"]

    refused = await _status(http, ana, "Réunion publique\nMardi soir #demande #mairie")

    assert refused.status_code == 422
    assert "reserved" in refused.json()["error"]
    after = (await http.get(f"/api/v1/accounts/{ana.actor.id}")).json()["statuses_count"]
    assert after == before
