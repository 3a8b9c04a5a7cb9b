"""Markers: a reading position saved by one app is read back by another, with its
version and time; Mastodon.py's `markers_set` / `markers_get` too."""

from __future__ import annotations

import asyncio

from mastodon import Mastodon

from fedlocal.services import notifications


async def test_markers_are_kept_and_versioned(inst, http, ana, bob) -> None:
    # Given nothing saved yet
    empty = await http.get("/api/v1/markers?timeline[]=home", headers=ana.headers)
    assert (empty.status_code, empty.json()) == (200, {})

    # When ana's app saves her home position twice, then her notifications one as JSON
    for last_read in ("101", "105"):
        saved = await http.post(
            "/api/v1/markers", headers=ana.headers, data={"home[last_read_id]": last_read}
        )
        assert saved.status_code == 200, saved.text
    assert saved.json()["home"]["last_read_id"] == "105"
    await http.post(
        "/api/v1/markers",
        headers=ana.headers,
        json={"notifications": {"last_read_id": "7"}},
    )

    # Then another app reads both back, each with its version
    found = await http.get(
        "/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=ana.headers
    )
    markers = found.json()
    assert markers["home"]["last_read_id"] == "105" and markers["home"]["version"] == 2
    assert markers["notifications"] == {
        "last_read_id": "7",
        "version": 1,
        "updated_at": markers["notifications"]["updated_at"],
    }
    assert markers["home"]["updated_at"].endswith("Z")
    # Only the timelines asked for; bob has his own (none)
    only_home = await http.get("/api/v1/markers?timeline[]=home", headers=ana.headers)
    assert set(only_home.json()) == {"home"}
    assert (await http.get("/api/v1/markers?timeline[]=home", headers=bob.headers)).json() == {}


async def test_a_bad_marker_is_refused_and_nothing_is_saved(inst, http, ana) -> None:
    response = await http.post(
        "/api/v1/markers",
        headers=ana.headers,
        data={"home[last_read_id]": "12", "notifications[last_read_id]": "douze"},
    )
    assert response.status_code == 422 and "notifications" in response.json()["error"]
    found = await http.get("/api/v1/markers?timeline[]=home", headers=ana.headers)
    assert found.json() == {}


async def test_the_notifications_marker_marks_them_read_in_the_web_app(
    inst, http, ana, bob
) -> None:
    await http.post(f"/api/v1/accounts/{ana.actor.id}/follow", headers=bob.headers)
    assert await notifications.unread_count(inst.services, ana.actor) == 1
    [follow] = (await http.get("/api/v1/notifications", headers=ana.headers)).json()
    await http.post(
        "/api/v1/markers", headers=ana.headers, data={"notifications[last_read_id]": follow["id"]}
    )
    assert await notifications.unread_count(inst.services, ana.actor) == 0


async def test_mastodon_py_sets_and_gets_markers(inst, ana) -> None:
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url)
    await asyncio.to_thread(client.markers_set, ["home", "notifications"], [42, 9])
    found = await asyncio.to_thread(client.markers_get, ["home", "notifications"])
    assert str(found["home"].last_read_id) == "42"
    assert str(found["notifications"].last_read_id) == "9"
    assert found["home"].version == 1
