"""Grouped notifications (v2), the notification policy and the notification requests, as
Phanpy, Elk and Tusky read them, and through Mastodon.py."""

from __future__ import annotations

import asyncio

import httpx
from mastodon import Mastodon

from tests.api.conftest import make_resident


async def post(http, author, text: str, **extra) -> dict:
    response = await http.post(
        "/api/v1/statuses", headers=author.headers, data={"status": text, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def grouped(http, who, query: str = "") -> httpx.Response:
    response = await http.get(f"/api/v2/notifications{query}", headers=who.headers)
    assert response.status_code == 200, response.text
    return response


async def busy_morning(inst, http, ana, bob) -> dict:
    """bob and carl favourite ana's post, dan follows her, then bob mentions her."""
    carl = await make_resident(inst, http, "carl")
    dan = await make_resident(inst, http, "dan")
    posted = await post(http, ana, "Qui veut des pommes ?")
    for fan in (bob, carl):
        liked = await http.post(f"/api/v1/statuses/{posted['id']}/favourite", headers=fan.headers)
        assert liked.status_code == 200, liked.text
    await http.post(f"/api/v1/accounts/{ana.actor.id}/follow", headers=dan.headers)
    mention = await post(http, bob, "@ana moi !")
    return {"post": posted, "mention": mention, "carl": carl, "dan": dan}


async def test_favourites_of_one_post_are_one_group(inst, http, ana, bob) -> None:
    # Given a busy morning
    given = await busy_morning(inst, http, ana, bob)
    carl, dan = given["carl"], given["dan"]

    # When Phanpy asks for her grouped notifications
    response = await grouped(http, ana)
    body = response.json()

    # Then the two favourites are one group, newest first, beside the follow and mention
    groups = body["notification_groups"]
    assert [g["type"] for g in groups] == ["mention", "follow", "favourite"]
    mention, follow, favourites = groups
    assert mention["group_key"].startswith("ungrouped-")
    assert mention["status_id"] == given["mention"]["id"]
    assert follow["sample_account_ids"] == [str(dan.actor.id)]
    assert favourites["notifications_count"] == 2
    assert favourites["sample_account_ids"] == [str(carl.actor.id), str(bob.actor.id)]
    assert favourites["status_id"] == given["post"]["id"]
    assert favourites["group_key"].startswith(f"favourite-{given['post']['id']}-")
    assert int(favourites["page_min_id"]) < int(favourites["page_max_id"])
    assert favourites["most_recent_notification_id"] == favourites["page_max_id"]
    assert favourites["latest_page_notification_at"].endswith("Z")
    # And accounts and statuses are given once each, at the root
    assert sorted(a["acct"] for a in body["accounts"]) == ["bob", "carl", "dan"]
    assert sorted(s["id"] for s in body["statuses"]) == sorted(
        [given["post"]["id"], given["mention"]["id"]]
    )
    assert 'rel="next"' in response.headers["link"]

    # When grouping is turned off, or types chosen
    ungrouped = (await grouped(http, ana, "?grouped_types[]=follow")).json()
    assert [g["type"] for g in ungrouped["notification_groups"]] == [
        "mention",
        "follow",
        "favourite",
        "favourite",
    ]
    only = (await grouped(http, ana, "?types[]=favourite&types[]=follow")).json()
    assert [g["type"] for g in only["notification_groups"]] == ["follow", "favourite"]
    without = (await grouped(http, ana, "?exclude_types[]=favourite")).json()
    assert [g["type"] for g in without["notification_groups"]] == ["mention", "follow"]
    from_bob = (await grouped(http, ana, f"?account_id={bob.actor.id}")).json()
    assert [g["type"] for g in from_bob["notification_groups"]] == ["mention", "favourite"]


async def test_groups_page_with_the_link_header(inst, http, ana, bob) -> None:
    await busy_morning(inst, http, ana, bob)
    seen = []
    url = "/api/v2/notifications?limit=1"
    while url:
        response = await http.get(url, headers=ana.headers)
        groups = response.json()["notification_groups"]
        if not groups:
            break
        seen.extend(g["type"] for g in groups)
        next_link = response.headers["link"].split(";")[0].strip("<>")
        url = next_link.replace(inst.base_url, "")
    assert seen == ["mention", "follow", "favourite"]
    newest = (await grouped(http, ana, "?limit=1")).json()["notification_groups"][0]
    newer = (await grouped(http, ana, f"?min_id={newest['page_max_id']}")).json()
    assert newer["notification_groups"] == []


async def test_one_group_its_accounts_and_dismissing_it(inst, http, ana, bob) -> None:
    given = await busy_morning(inst, http, ana, bob)
    groups = (await grouped(http, ana)).json()["notification_groups"]
    key = groups[-1]["group_key"]

    one = await http.get(f"/api/v2/notifications/{key}", headers=ana.headers)
    assert one.status_code == 200
    assert [g["notifications_count"] for g in one.json()["notification_groups"]] == [2]
    accounts = await http.get(f"/api/v2/notifications/{key}/accounts", headers=ana.headers)
    assert [a["acct"] for a in accounts.json()] == ["carl", "bob"]

    dismissed = await http.post(f"/api/v2/notifications/{key}/dismiss", headers=ana.headers)
    assert dismissed.status_code == 200
    left = (await grouped(http, ana)).json()["notification_groups"]
    assert [g["type"] for g in left] == ["mention", "follow"]
    for missing in (key, "ungrouped-999999", "favourite-x-y", "nonsense"):
        answer = await http.get(f"/api/v2/notifications/{missing}", headers=ana.headers)
        assert answer.status_code == 404, missing
    # Someone else's group is not found either
    mention_key = left[0]["group_key"]
    assert (
        await http.get(f"/api/v2/notifications/{mention_key}", headers=bob.headers)
    ).status_code == 404
    assert given


async def test_unread_count_follows_the_notifications_marker(inst, http, ana, bob) -> None:
    await busy_morning(inst, http, ana, bob)

    async def unread() -> int:
        response = await http.get("/api/v2/notifications/unread_count", headers=ana.headers)
        return response.json()["count"]

    async def unread_v1() -> int:
        response = await http.get("/api/v1/notifications/unread_count", headers=ana.headers)
        return response.json()["count"]

    assert (await unread(), await unread_v1()) == (3, 4)
    groups = (await grouped(http, ana)).json()["notification_groups"]
    follow = groups[1]
    await http.post(
        "/api/v1/markers",
        headers=ana.headers,
        data={"notifications[last_read_id]": follow["most_recent_notification_id"]},
    )
    assert (await unread(), await unread_v1()) == (1, 1)


async def test_policy_filters_and_requests_accept_or_dismiss(inst, http, ana, bob) -> None:
    # Given ana's default policy: everything accepted
    default = (await http.get("/api/v2/notifications/policy", headers=ana.headers)).json()
    assert default == {
        "for_not_following": "accept",
        "for_not_followers": "accept",
        "for_new_accounts": "accept",
        "for_private_mentions": "accept",
        "for_limited_accounts": "filter",
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
    }
    assert (await http.get("/api/v1/notifications/requests", headers=ana.headers)).json() == []

    # When she filters people she does not follow, and bob (not followed) mentions her twice
    changed = await http.patch(
        "/api/v2/notifications/policy", headers=ana.headers, json={"for_not_following": "filter"}
    )
    assert changed.status_code == 200 and changed.json()["for_not_following"] == "filter"
    await post(http, bob, "@ana bonjour")
    await post(http, bob, "@ana tu es là ?")

    # Then her lists do not show them, her requests do
    assert (await http.get("/api/v1/notifications", headers=ana.headers)).json() == []
    assert (await grouped(http, ana)).json()["notification_groups"] == []
    included = (await grouped(http, ana, "?include_filtered=true")).json()
    assert len(included["notification_groups"]) == 2
    v1_included = await http.get("/api/v1/notifications?include_filtered=true", headers=ana.headers)
    assert len(v1_included.json()) == 2
    [request] = (await http.get("/api/v1/notifications/requests", headers=ana.headers)).json()
    assert request["id"] == str(bob.actor.id)
    assert request["account"]["acct"] == "bob" and request["notifications_count"] == "2"
    assert request["last_status"]["content"].endswith("tu es là ?</p>")
    policy = (await http.get("/api/v2/notifications/policy", headers=ana.headers)).json()
    assert policy["summary"] == {"pending_requests_count": 1, "pending_notifications_count": 2}
    v1 = (await http.get("/api/v1/notifications/policy", headers=ana.headers)).json()
    assert v1["filter_not_following"] is True and v1["filter_new_accounts"] is False

    # When she accepts bob's request, his notifications come back, and new ones come through
    shown = await http.get(f"/api/v1/notifications/requests/{bob.actor.id}", headers=ana.headers)
    assert shown.status_code == 200
    accepted = await http.post(
        f"/api/v1/notifications/requests/{bob.actor.id}/accept", headers=ana.headers
    )
    assert accepted.status_code == 200
    assert len((await http.get("/api/v1/notifications", headers=ana.headers)).json()) == 2
    assert (await http.get("/api/v1/notifications/requests", headers=ana.headers)).json() == []
    merged = await http.get("/api/v1/notifications/requests/merged", headers=ana.headers)
    assert merged.json() == {"merged": True}


async def test_dismissed_requests_and_dropped_senders_are_gone(inst, http, ana, bob) -> None:
    await http.patch(
        "/api/v2/notifications/policy", headers=ana.headers, data={"for_not_following": "filter"}
    )
    await post(http, bob, "@ana bonjour")
    dismissed = await http.post(
        "/api/v1/notifications/requests/dismiss",
        headers=ana.headers,
        data={"id[]": [str(bob.actor.id)]},
    )
    assert dismissed.status_code == 200
    assert (await http.get("/api/v1/notifications/requests", headers=ana.headers)).json() == []
    assert (await grouped(http, ana, "?include_filtered=true")).json()["notification_groups"] == []
    missing = await http.get(f"/api/v1/notifications/requests/{bob.actor.id}", headers=ana.headers)
    assert missing.status_code == 404

    # Dropped: neither shown nor a request
    await http.patch(
        "/api/v2/notifications/policy", headers=ana.headers, data={"for_not_following": "drop"}
    )
    await post(http, bob, "@ana encore moi")
    assert (await http.get("/api/v1/notifications", headers=ana.headers)).json() == []
    assert (await http.get("/api/v1/notifications/requests", headers=ana.headers)).json() == []

    # A value that does not exist is refused; an unknown rule is ignored (as Mastodon)
    refused = await http.patch(
        "/api/v2/notifications/policy", headers=ana.headers, json={"for_not_following": "maybe"}
    )
    assert refused.status_code == 422 and "for_not_following" in refused.json()["error"]
    ignored = await http.patch(
        "/api/v2/notifications/policy", headers=ana.headers, json={"for_everyone": "accept"}
    )
    assert ignored.status_code == 200
    policy = (await http.get("/api/v2/notifications/policy", headers=ana.headers)).json()
    assert policy["for_not_following"] == "drop"


async def test_mastodon_py_reads_grouped_notifications_and_the_policy(inst, http, ana, bob) -> None:
    await busy_morning(inst, http, ana, bob)
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url)

    results = await asyncio.to_thread(client.grouped_notifications)
    groups = results.notification_groups
    assert [g.type for g in groups] == ["mention", "follow", "favourite"]
    accounts = await asyncio.to_thread(client.grouped_notification_accounts, groups[-1].group_key)
    assert [a.acct for a in accounts] == ["carl", "bob"]
    assert await asyncio.to_thread(client.unread_grouped_notifications_count) == 3

    policy = await asyncio.to_thread(client.update_notifications_policy, for_new_accounts="filter")
    assert policy.for_new_accounts == "filter"
    # Everyone here is new: bob's mention is now a request, which she accepts
    requests = await asyncio.to_thread(client.notification_requests)
    assert {r.account.acct for r in requests} == {"bob", "carl", "dan"}
    await asyncio.to_thread(client.accept_notification_request, requests[0].id)
    assert len(await asyncio.to_thread(client.notification_requests)) == 2
    assert (await asyncio.to_thread(client.notifications_policy)).for_new_accounts == "filter"


async def test_v1_notifications_carry_their_group_key(inst, http, ana, bob) -> None:
    await busy_morning(inst, http, ana, bob)
    v1 = (await http.get("/api/v1/notifications", headers=ana.headers)).json()
    v2 = (await grouped(http, ana)).json()["notification_groups"]
    assert [n["group_key"] for n in v1] == [
        v2[0]["group_key"],
        v2[1]["group_key"],
        v2[2]["group_key"],
        v2[2]["group_key"],
    ]
