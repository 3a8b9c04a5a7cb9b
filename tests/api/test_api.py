"""The client API's behaviour as apps rely on it: OAuth flows, the instance documents,
parameters in every form, paging, CORS, idempotency, offers from hashtags, favourites
and boosts, notifications, the nearby list, hashtags and the empty answers."""

from __future__ import annotations

import base64
import hashlib
import json

from sqlalchemy import func, select, update
from toot.entities import Account, Instance, Notification, Status, from_dict

from fedlocal.models import Actor
from fedlocal.services import interest
from fedlocal.store import posts as post_store
from fedlocal.store.tables import actors, idempotency_keys, objects, outgoing_activities
from tests.api.browser import oob_code, redirect_query, submit_login
from tests.api.conftest import PASSWORD, SCOPES, make_resident, register_app
from tests.support.instance import running_instance


async def count(inst, table) -> int:
    async with inst.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def outgoing(inst) -> list[dict]:
    async with inst.db.read() as conn:
        rows = await conn.execute(select(outgoing_activities.c.body))
        return [json.loads(row.body) for row in rows]


# --- OAuth --------------------------------------------------------------------------------


async def test_authorization_code_with_pkce_custom_scheme_and_state(inst, http, ana) -> None:
    # Given an app with a custom-scheme redirect (as Ivory registers)
    redirect = "com.tapbots.Ivory.12345:/request_token"
    app = await register_app(http, redirect_uris=redirect)
    assert app["redirect_uris"] == [redirect]
    verifier = "x" * 64
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    url = (
        f"{inst.base_url}/oauth/authorize?response_type=code&client_id={app['client_id']}"
        f"&redirect_uri={redirect}&scope=read+write&state=s%201&code_challenge={challenge}"
        "&code_challenge_method=S256&force_login=False&lang=None"
    )

    # When ana logs in and approves
    answer = await submit_login(url, "ana", PASSWORD)

    # Then she is sent back to the app with the code and the state
    assert answer.headers["location"].startswith(redirect + "?")
    query = redirect_query(answer)
    assert query["state"] == "s 1"
    token = await http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code": query["code"],
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "Bearer"
    assert token.json()["scope"] == "read write"
    assert isinstance(token.json()["created_at"], int)


async def test_denying_and_a_wrong_password_give_no_code(inst, http, ana) -> None:
    app = await register_app(http, redirect_uris="https://app.example/cb")
    url = (
        f"{inst.base_url}/oauth/authorize/?response_type=code&client_id={app['client_id']}"
        "&redirect_uri=https://app.example/cb&scope=read&state=abc"
    )
    denied = await submit_login(url, "ana", PASSWORD, decision="deny")
    assert redirect_query(denied) == {"error": "access_denied", "state": "abc"}
    wrong = await submit_login(url, "ana", "not the password")
    assert wrong.status_code == 401 and "location" not in wrong.headers


async def test_out_of_band_code_page_and_email_login(inst, http, ana) -> None:
    app = await register_app(http)
    url = (
        f"{inst.base_url}/oauth/authorize?response_type=code&client_id={app['client_id']}"
        "&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read+write+follow+push"
    )
    code = oob_code(await submit_login(url, "ANA@example.org", PASSWORD))
    token = await http.post(
        "/oauth/token",
        json={
            "grant_type": "authorization_code",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code": code,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        },
    )
    assert token.status_code == 200 and token.json()["scope"] == SCOPES


async def test_authorization_server_metadata(inst, http) -> None:
    response = await http.get("/.well-known/oauth-authorization-server")
    document = response.json()
    assert document["token_endpoint"] == f"{inst.base_url}/oauth/token"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "password", "client_credentials"} <= set(
        document["grant_types_supported"]
    )
    assert {"read", "write", "follow", "push", "read:statuses"} <= set(document["scopes_supported"])
    assert response.headers["access-control-allow-origin"] == "*"


async def test_apps_accept_json_with_a_list_of_redirect_uris(http) -> None:
    response = await http.post(
        "/api/v1/apps",
        json={
            "client_name": "Elk",
            "redirect_uris": ["https://elk.example/cb", "urn:ietf:wg:oauth:2.0:oob"],
            "scopes": "read write follow push",
            "website": "https://elk.example",
        },
    )
    app = response.json()
    assert app["redirect_uris"] == ["https://elk.example/cb", "urn:ietf:wg:oauth:2.0:oob"]
    assert app["scopes"] == ["read", "write", "follow", "push"]
    assert app["client_id"] and app["client_secret"]
    assert app["id"].isdigit()


# --- instance, entities' shapes -----------------------------------------------------------


async def test_instance_documents_have_the_shapes_clients_parse(inst, http, ana) -> None:
    for path in ("/api/v1/instance", "/api/v1/instance/"):
        v1 = (await http.get(path, headers=ana.headers)).json()
        parsed = from_dict(Instance, v1)  # toot's own dataclasses
        assert parsed.uri == inst.config.domain
        assert parsed.version == "4.3.0 (compatible; fedlocal 0.1.0)"
        assert parsed.configuration.statuses.max_characters == inst.config.post_max_characters
        assert parsed.urls.streaming_api.startswith("ws://")
    v2 = (await http.get("/api/v2/instance")).json()
    assert v2["api_versions"] == {"mastodon": 2}
    assert v2["domain"] == inst.config.domain
    assert v2["configuration"]["urls"]["streaming"].startswith("ws://")
    assert v2["configuration"]["statuses"]["max_characters"] == inst.config.post_max_characters


async def test_statuses_accounts_and_notifications_parse_as_toot_reads_them(
    inst, http, ana, bob
) -> None:
    posted = (
        await http.post(
            "/api/v1/statuses", headers=bob.headers, data={"status": "@ana salut #jardin"}
        )
    ).json()
    status = from_dict(Status, posted)
    account = from_dict(Account, posted["account"])
    assert status.id.isdigit() and account.acct == "bob"
    assert [m.acct for m in status.mentions] == ["ana"]
    notes = (await http.get("/api/v1/notifications", headers=ana.headers)).json()
    parsed = [from_dict(Notification, n) for n in notes]
    assert [n.type for n in parsed] == ["mention"]


# --- parameters, paging, CORS -------------------------------------------------------------


async def test_parameters_in_form_json_multipart_and_query(inst, http, ana) -> None:
    sent = [
        {"data": {"status": "par formulaire", "sensitive": "1", "spoiler_text": "cw"}},
        {"json": {"status": "en JSON", "sensitive": True, "media_ids": []}},
        {"files": {"status": (None, "en multipart"), "visibility": (None, "unlisted")}},
        {"params": {"status": "dans la requête", "visibility": "private"}},
    ]
    made = []
    for kwargs in sent:
        response = await http.post("/api/v1/statuses", headers=ana.headers, **kwargs)
        assert response.status_code == 200, (kwargs, response.text)
        made.append(response.json())
    assert [m["visibility"] for m in made] == ["public", "public", "unlisted", "private"]
    assert made[0]["sensitive"] is True and made[0]["spoiler_text"] == "cw"
    assert made[1]["sensitive"] is True
    assert "multipart" in made[2]["content"] and "requête" in made[3]["content"]


async def test_link_headers_page_through_a_timeline(inst, http, ana) -> None:
    ids = []
    for n in range(5):
        response = await http.post("/api/v1/statuses", headers=ana.headers, json={"status": f"{n}"})
        ids.append(response.json()["id"])
    first = await http.get("/api/v1/timelines/home?limit=2", headers=ana.headers)
    assert [s["id"] for s in first.json()] == ids[:-3:-1]
    links = first.links
    assert links["next"]["url"].endswith(f"max_id={ids[3]}")
    assert links["prev"]["url"].endswith(f"min_id={ids[4]}")
    assert first.headers["link"].startswith("<")  # toot's regex wants `next` first
    second = await http.get(links["next"]["url"], headers=ana.headers)
    assert [s["id"] for s in second.json()] == [ids[2], ids[1]]
    newer = await http.get(f"/api/v1/timelines/home?min_id={ids[1]}&limit=2", headers=ana.headers)
    assert [s["id"] for s in newer.json()] == [ids[3], ids[2]]
    since = await http.get(f"/api/v1/timelines/home?since_id={ids[2]}", headers=ana.headers)
    assert [s["id"] for s in since.json()] == [ids[4], ids[3]]
    empty = await http.get(f"/api/v1/timelines/home?max_id={ids[0]}", headers=ana.headers)
    assert empty.json() == [] and "link" not in empty.headers


async def test_cors_on_the_api_and_preflights(http) -> None:
    preflight = await http.options(
        "/api/v1/timelines/home",
        headers={
            "Origin": "https://elk.zone",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    for path in ("/api/v1/instance", "/.well-known/nodeinfo", "/nodeinfo/2.0"):
        response = await http.get(path, headers={"Origin": "https://elk.zone"})
        assert response.headers["access-control-allow-origin"] == "*", path
        assert "Link" in response.headers["access-control-expose-headers"]
    token = await http.post("/oauth/token", data={}, headers={"Origin": "https://elk.zone"})
    assert token.headers["access-control-allow-origin"] == "*"


async def test_an_idempotency_key_gives_back_the_first_status(inst, http, ana) -> None:
    headers = {**ana.headers, "Idempotency-Key": "abc-123"}
    first = await http.post("/api/v1/statuses", headers=headers, json={"status": "une fois"})
    second = await http.post("/api/v1/statuses", headers=headers, json={"status": "une fois"})
    other = await http.post(
        "/api/v1/statuses", headers={**ana.headers, "Idempotency-Key": "xyz"}, json={"status": "2"}
    )
    assert first.json()["id"] == second.json()["id"] != other.json()["id"]
    assert await count(inst, objects) == 2
    assert await count(inst, idempotency_keys) == 2


# --- offers and requests from hashtags ----------------------------------------------------


async def test_a_status_tagged_offre_is_an_offer_federated_as_from_the_web(inst, http, ana) -> None:
    # When ana posts an offer from her app
    response = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        data={"status": "Donne vélo enfant #offre #don #bricolage\nBon état, 16 pouces."},
    )

    # Then it is an offer: title, description, intent and category from the text
    assert response.status_code == 200, response.text
    entity = response.json()
    assert entity["fedlocal"]["kind"] == "offer"
    assert entity["fedlocal"]["listing"]["intent"] == "give"
    assert entity["fedlocal"]["category"]["key"] == "diy-gardening"
    assert "<strong>Donne vélo enfant</strong>" in entity["content"]
    async with inst.db.read() as conn:
        post = await post_store.get_post(conn, int(entity["id"]))
    assert post.kind == "offer" and post.name == "Donne vélo enfant"
    assert post.source == "Bon état, 16 pouces."
    # And it goes out as the web's offers do: a FEP-0837 Note, announced by the community
    activities = await outgoing(inst)
    create = next(a for a in activities if a["type"] == "Create")
    assert create["object"]["purpose"] == "offer"
    assert any(a["type"] == "Announce" for a in activities)


async def test_a_request_in_english_and_its_hashtag_timeline(inst, http, ana) -> None:
    response = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        json={"status": "#request #help\nNeed a ladder\nFor Saturday.", "language": "en"},
    )
    entity = response.json()
    assert entity["fedlocal"]["kind"] == "request"
    assert entity["fedlocal"]["listing"]["intent"] == "help"
    assert entity["fedlocal"]["title"] == "Need a ladder"
    tagged = await http.get("/api/v1/timelines/tag/demande")
    assert [s["id"] for s in tagged.json()] == [entity["id"]]


# --- favourites, boosts, notifications ----------------------------------------------------


async def test_favourites_and_boosts_notify_and_count(inst, http, ana, bob) -> None:
    posted = (
        await http.post("/api/v1/statuses", headers=ana.headers, json={"status": "Merci !"})
    ).json()
    liked = await http.post(f"/api/v1/statuses/{posted['id']}/favourite", headers=bob.headers)
    assert liked.json()["favourited"] is True and liked.json()["favourites_count"] == 1
    boosted = await http.post(f"/api/v1/statuses/{posted['id']}/reblog", headers=bob.headers)
    boost = boosted.json()
    assert boost["reblog"]["id"] == posted["id"] and boost["reblog"]["reblogged"] is True
    assert int(boost["id"]) > int(posted["id"])
    shown = await http.get(f"/api/v1/statuses/{boost['id']}", headers=bob.headers)
    assert shown.json()["reblog"]["id"] == posted["id"]
    favourites = await http.get("/api/v1/favourites", headers=bob.headers)
    assert [s["id"] for s in favourites.json()] == [posted["id"]]
    notes = (await http.get("/api/v1/notifications", headers=ana.headers)).json()
    assert [n["type"] for n in notes] == ["reblog", "favourite"]
    only = await http.get(
        "/api/v1/notifications", params={"types[]": "favourite"}, headers=ana.headers
    )
    assert [n["type"] for n in only.json()] == ["favourite"]
    unliked = await http.post(f"/api/v1/statuses/{posted['id']}/unfavourite", headers=bob.headers)
    unboosted = await http.post(f"/api/v1/statuses/{posted['id']}/unreblog", headers=bob.headers)
    assert unliked.json()["favourited"] is False and unliked.json()["favourites_count"] == 0
    assert unboosted.json()["reblogged"] is False
    undo = [a for a in await outgoing(inst) if a["type"] == "Undo"]
    assert [u["object"]["type"] for u in undo] == ["Announce"]


async def test_follow_notifications_dismiss_and_clear(inst, http, ana, bob) -> None:
    await http.post(f"/api/v1/accounts/{ana.actor.id}/follow", headers=bob.headers)
    notes = (await http.get("/api/v1/notifications", headers=ana.headers)).json()
    assert [(n["type"], n["account"]["acct"]) for n in notes] == [("follow", "bob")]
    one = await http.get(f"/api/v1/notifications/{notes[0]['id']}", headers=ana.headers)
    assert one.json()["id"] == notes[0]["id"]
    relationship = (
        await http.get(
            "/api/v1/accounts/relationships", params={"id[]": bob.actor.id}, headers=ana.headers
        )
    ).json()
    assert relationship[0]["followed_by"] is True and relationship[0]["following"] is False
    dismissed = await http.post(
        f"/api/v1/notifications/{notes[0]['id']}/dismiss", headers=ana.headers
    )
    assert dismissed.status_code == 200
    await http.post(f"/api/v1/accounts/{ana.actor.id}/unfollow", headers=bob.headers)
    await http.post(f"/api/v1/accounts/{ana.actor.id}/follow", headers=bob.headers)
    cleared = await http.post("/api/v1/notifications/clear", headers=ana.headers)
    assert cleared.status_code == 200
    assert (await http.get("/api/v1/notifications", headers=ana.headers)).json() == []


async def test_follow_requests_are_authorized_or_rejected_and_followers_removed(
    inst, http, ana, bob
) -> None:
    # Given ana approves her followers herself, and bob asks to follow her
    async with inst.db.write() as conn:
        await conn.execute(
            update(actors)
            .where(actors.c.id == ana.actor.id)
            .values(manually_approves_followers=True)
        )
    follow = f"/api/v1/accounts/{ana.actor.id}/follow"
    asked = (await http.post(follow, headers=bob.headers)).json()
    assert asked["requested"] is True and asked["following"] is False
    waiting = (await http.get("/api/v1/follow_requests", headers=ana.headers)).json()
    assert [account["acct"] for account in waiting] == ["bob"]

    # When she rejects the request
    rejected = await http.post(
        f"/api/v1/follow_requests/{bob.actor.id}/reject", headers=ana.headers
    )

    # Then bob does not follow her, and nothing waits any more
    assert rejected.status_code == 200 and rejected.json()["followed_by"] is False
    assert (await http.get("/api/v1/follow_requests", headers=ana.headers)).json() == []
    again = await http.post(f"/api/v1/follow_requests/{bob.actor.id}/reject", headers=ana.headers)
    assert again.status_code == 404

    # When he asks again and she accepts, then removes him from her followers
    await http.post(follow, headers=bob.headers)
    accepted = await http.post(
        f"/api/v1/follow_requests/{bob.actor.id}/authorize", headers=ana.headers
    )
    assert accepted.json()["followed_by"] is True
    removed = await http.post(
        f"/api/v1/accounts/{bob.actor.id}/remove_from_followers", headers=ana.headers
    )

    # Then he no longer follows her
    assert removed.status_code == 200 and removed.json()["followed_by"] is False
    seen_by_bob = await http.get(
        "/api/v1/accounts/relationships", params={"id[]": ana.actor.id}, headers=bob.headers
    )
    assert seen_by_bob.json()[0]["following"] is False


async def test_interest_in_an_offer_is_a_private_mention(inst, http, ana, bob) -> None:
    offer = (
        await http.post(
            "/api/v1/statuses", headers=ana.headers, data={"status": "Donne des pots #offre"}
        )
    ).json()
    await interest.express_interest(inst.services, bob.actor, offer["uri"], "Je suis preneur")
    notes = (await http.get("/api/v1/notifications", headers=ana.headers)).json()
    assert [(n["type"], n.get("fedlocal_type")) for n in notes] == [("mention", "interest")]
    assert notes[0]["status"]["visibility"] == "direct"
    assert notes[0]["status"]["in_reply_to_id"] == offer["id"]
    assert "preneur" in notes[0]["status"]["content"]


# --- accounts, context, search ------------------------------------------------------------


async def test_accounts_lookup_statuses_follows_and_context(inst, http, ana, bob) -> None:
    await http.post(f"/api/v1/accounts/{bob.actor.id}/follow", headers=ana.headers)
    looked = await http.get("/api/v1/accounts/lookup", params={"acct": "bob"})
    assert looked.json()["id"] == str(bob.actor.id)
    root = (await http.post("/api/v1/statuses", headers=bob.headers, json={"status": "Q?"})).json()
    reply = (
        await http.post(
            "/api/v1/statuses",
            headers=ana.headers,
            json={"status": "@bob R!", "in_reply_to_id": root["id"]},
        )
    ).json()
    assert reply["in_reply_to_account_id"] == str(bob.actor.id)
    context = (await http.get(f"/api/v1/statuses/{reply['id']}/context")).json()
    assert [s["id"] for s in context["ancestors"]] == [root["id"]]
    down = (await http.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert [s["id"] for s in down["descendants"]] == [reply["id"]]
    statuses = (await http.get(f"/api/v1/accounts/{bob.actor.id}/statuses")).json()
    assert [s["id"] for s in statuses] == [root["id"]]
    followers = await http.get(f"/api/v1/accounts/{bob.actor.id}/followers")
    following = await http.get(f"/api/v1/accounts/{ana.actor.id}/following")
    assert [a["acct"] for a in followers.json()] == ["ana"]
    assert [a["acct"] for a in following.json()] == ["bob"]
    home = (await http.get("/api/v1/timelines/home", headers=ana.headers)).json()
    assert [s["id"] for s in home] == [reply["id"], root["id"]]
    found = (await http.get("/api/v2/search", params={"q": root["url"]})).json()
    assert [s["id"] for s in found["statuses"]] == [root["id"]]
    tags = (await http.get("/api/v2/search", params={"q": "#"}, headers=ana.headers)).json()
    assert tags["hashtags"] == []


async def test_update_credentials_renames_and_refuses_an_over_long_name(inst, http, ana) -> None:
    # When ana renames herself from her app (a multipart form, as Tusky sends it)
    renamed = await http.patch(
        "/api/v1/accounts/update_credentials",
        headers=ana.headers,
        files={"display_name": (None, "Ana du Sillon")},
    )

    # Then the answer is her CredentialAccount with the new name, and it is kept
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["display_name"] == "Ana du Sillon"
    assert "source" in renamed.json()
    me = (await http.get("/api/v1/accounts/verify_credentials", headers=ana.headers)).json()
    assert me["display_name"] == "Ana du Sillon"

    # And a name over 100 characters is a 422 with an error, the name unchanged
    too_long = await http.patch(
        "/api/v1/accounts/update_credentials", headers=ana.headers, data={"display_name": "a" * 101}
    )
    assert too_long.status_code == 422
    assert "100 characters" in too_long.json()["error"]
    me = (await http.get("/api/v1/accounts/verify_credentials", headers=ana.headers)).json()
    assert me["display_name"] == "Ana du Sillon"

    # And `locked` (alone) makes her approve her followers, her name kept
    locked = await http.patch(
        "/api/v1/accounts/update_credentials", headers=ana.headers, data={"locked": "true"}
    )
    assert (locked.json()["locked"], locked.json()["display_name"]) == (True, "Ana du Sillon")


async def test_private_posts_stay_private(inst, http, ana, bob) -> None:
    secret = (
        await http.post(
            "/api/v1/statuses", headers=ana.headers, json={"status": "moi", "visibility": "private"}
        )
    ).json()
    anonymous = await http.get(f"/api/v1/statuses/{secret['id']}")
    stranger = await http.get(f"/api/v1/statuses/{secret['id']}", headers=bob.headers)
    public = (await http.get("/api/v1/timelines/public")).json()
    assert anonymous.status_code == 404 and stranger.status_code == 404
    assert secret["id"] not in [s["id"] for s in public]
    await http.post(f"/api/v1/accounts/{ana.actor.id}/follow", headers=bob.headers)
    follower = await http.get(f"/api/v1/statuses/{secret['id']}", headers=bob.headers)
    assert follower.status_code == 200


async def test_a_local_only_status_is_for_residents_only(inst, http, ana, bob) -> None:
    # When ana posts for her quarter only (Hometown's and glitch-soc's parameter)
    posted = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        json={"status": "Apéro dans la cour samedi", "local_only": True},
    )

    # Then it is public to apps, marked local-only, readable by residents, not by visitors
    assert posted.status_code == 200, posted.text
    status = posted.json()
    assert (status["visibility"], status["local_only"]) == ("public", True)
    assert (await http.get(f"/api/v1/statuses/{status['id']}", headers=bob.headers)).is_success
    assert (await http.get(f"/api/v1/statuses/{status['id']}")).status_code == 404
    visitors_view = (await http.get(f"/api/v1/accounts/{ana.actor.id}/statuses")).json()
    assert status["id"] not in [s["id"] for s in visitors_view]
    # And it is in residents' local timeline, not in visitors' one
    for_bob = await http.get("/api/v1/timelines/public?local=true", headers=bob.headers)
    for_visitors = await http.get("/api/v1/timelines/public?local=true")
    assert [s["id"] for s in for_bob.json()] == [status["id"]]
    assert for_visitors.json() == []


# --- the nearby list ----------------------------------------------------------------------


async def test_the_nearby_feed_is_a_list(tmp_path) -> None:
    import httpx

    async with (
        running_instance(tmp_path, latitude=48.6493, longitude=-2.0257, radius_km=3.0) as inst,
        httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as http,
    ):
        ana = await make_resident(inst, http, "ana")
        lists = (await http.get("/api/v1/lists", headers=ana.headers)).json()
        assert lists == [
            {"id": "nearby", "title": "À proximité", "replies_policy": "none",
             "exclusive": False}
        ]  # fmt: skip
        offer = (
            await http.post(
                "/api/v1/statuses",
                headers=ana.headers,
                json={"status": "Prête perceuse #offre #pret"},
            )
        ).json()
        await http.post("/api/v1/statuses", headers=ana.headers, json={"status": "note"})
        nearby = await http.get("/api/v1/timelines/list/nearby", headers=ana.headers)
        assert [s["id"] for s in nearby.json()] == [offer["id"]]
        assert nearby.json()[0]["fedlocal"]["listing"]["intent"] == "lend"
        other = await http.get("/api/v1/timelines/list/42", headers=ana.headers)
        assert other.status_code == 404


async def test_empty_answers_are_well_formed(inst, http, ana) -> None:
    for path in (
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/custom_emojis",
        "/api/v1/announcements",
        "/api/v1/trends/tags",
        "/api/v1/bookmarks",
        "/api/v1/blocks",
        "/api/v1/mutes",
        "/api/v1/domain_blocks",
        "/api/v2/suggestions",
        "/api/v1/follow_requests",
    ):
        response = await http.get(path, headers=ana.headers)
        assert (response.status_code, response.json()) == (200, []), path
    preferences = (await http.get("/api/v1/preferences", headers=ana.headers)).json()
    assert preferences["posting:default:visibility"] == "public"
    avatar = await http.get("/avatars/original/missing.png")
    assert avatar.headers["content-type"] == "image/png"


async def test_remote_accounts_keep_their_port_in_acct(inst, http, ana) -> None:
    from fedlocal.api import entities
    from fedlocal.services.views import AccountView
    from fedlocal.store.clock import utcnow

    remote = Actor(
        id=7,
        uri="http://127.0.0.1:8001/users/bob",
        type="Person",
        role="remote",
        username="bob",
        domain="127.0.0.1:8001",
        display_name="",
        summary="",
        inbox_url=None,
        shared_inbox_url=None,
        outbox_url=None,
        followers_url=None,
        following_url=None,
        url=None,
        manually_approves_followers=False,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    entity = entities.account(AccountView(remote), inst.federation.urls, domain="x")
    assert entity["acct"] == "bob@127.0.0.1:8001"
    assert entity["display_name"] == "bob"
    assert await make_resident(inst, http, "carla") is not None
