"""The profile bio and fields: saved from an app (`update_credentials`), shown in the
account and its `source`, federated as Mastodon does (`summary` and `PropertyValue`
attachments in an `Update` of the actor); Mastodon.py's `account_update_credentials`."""

from __future__ import annotations

import asyncio

from mastodon import Mastodon

from tests.api.test_api import outgoing


async def test_note_and_fields_are_kept_shown_and_federated(inst, http, ana) -> None:
    # When ana's app saves her bio and two fields
    response = await http.patch(
        "/api/v1/accounts/update_credentials",
        headers=ana.headers,
        data={
            "note": "Jardinière <b>rue des Lilas</b> #jardin https://ana.example",
            "fields_attributes[0][name]": "Site",
            "fields_attributes[0][value]": "https://ana.example",
            "fields_attributes[1][name]": "Quartier",
            "fields_attributes[1][value]": "Les Lilas <3",
        },
    )

    # Then her account shows them, the bio sanitised and linked
    assert response.status_code == 200, response.text
    me = response.json()
    assert "&lt;b&gt;" in me["note"] and 'href="https://ana.example"' in me["note"]
    assert 'class="mention hashtag"' in me["note"]
    assert [f["name"] for f in me["fields"]] == ["Site", "Quartier"]
    site, quarter = me["fields"]
    assert 'rel="me nofollow noopener noreferrer"' in site["value"]
    assert quarter["value"] == "Les Lilas &lt;3" and quarter["verified_at"] is None
    # And `source` gives back what she typed
    assert me["source"]["note"] == "Jardinière <b>rue des Lilas</b> #jardin https://ana.example"
    assert [(f["name"], f["value"]) for f in me["source"]["fields"]] == [
        ("Site", "https://ana.example"),
        ("Quartier", "Les Lilas <3"),
    ]
    public = (await http.get(f"/api/v1/accounts/{ana.actor.id}")).json()
    assert public["fields"] == me["fields"] and "source" not in public

    # And her followers' servers get an Update of her Person with summary and fields
    update = next(a for a in await outgoing(inst) if a["type"] == "Update")
    person = update["object"]
    assert person["id"] == ana.actor.uri and "Jardinière" in person["summary"]
    assert [(a["type"], a["name"]) for a in person["attachment"]] == [
        ("PropertyValue", "Site"),
        ("PropertyValue", "Quartier"),
    ]
    actor_doc = await http.get(ana.actor.uri, headers={"Accept": "application/activity+json"})
    assert actor_doc.json()["attachment"] == person["attachment"]

    # When she saves only her name, the bio and fields stay
    await http.patch(
        "/api/v1/accounts/update_credentials", headers=ana.headers, data={"display_name": "Ana"}
    )
    again = (await http.get("/api/v1/accounts/verify_credentials", headers=ana.headers)).json()
    assert again["fields"] == me["fields"] and again["note"] == me["note"]


async def test_fields_as_json_and_their_limits(inst, http, ana) -> None:
    five = [{"name": f"n{i}", "value": "v"} for i in range(5)]
    refused = await http.patch(
        "/api/v1/accounts/update_credentials", headers=ana.headers, json={"fields_attributes": five}
    )
    assert refused.status_code == 422
    long_note = await http.patch(
        "/api/v1/accounts/update_credentials", headers=ana.headers, data={"note": "x" * 501}
    )
    assert long_note.status_code == 422
    saved = await http.patch(
        "/api/v1/accounts/update_credentials",
        headers=ana.headers,
        json={"fields_attributes": five[:2] + [{"name": "", "value": ""}]},
    )
    assert [f["name"] for f in saved.json()["fields"]] == ["n0", "n1"]


async def test_mastodon_py_saves_note_and_fields(inst, http, ana) -> None:
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url, version_check_mode="none")
    me = await asyncio.to_thread(
        client.account_update_credentials,
        note="Bonjour",
        fields=[("Vélo", "oui"), ("Web", "https://ana.example")],
    )
    assert me.note == "<p>Bonjour</p>"
    assert [(f.name, f.value) for f in me.source.fields] == [
        ("Vélo", "oui"),
        ("Web", "https://ana.example"),
    ]
