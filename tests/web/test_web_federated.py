"""What crosses instances from the web app: following by handle, "follow from your own
server" (WebFinger's subscribe template, both ways), and admins linking neighbours."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from fedlocal.services import neighbours, rate_limits
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from tests.support.instance import running_instance
from tests.support.live_server import free_socket
from tests.support.waiting import wait_for

from .conftest import QUARTERS, make_resident
from .web_client import WebClient, notice


@pytest.fixture
async def pair(tmp_path):
    async with (
        running_instance(tmp_path / "a", area=QUARTERS, signup_mode="open") as a,
        running_instance(tmp_path / "b", area=QUARTERS, signup_mode="open") as b,
    ):
        yield a, b


async def _follow_state(instance, follower: str, followed_uri: str) -> str | None:
    async with instance.db.read() as conn:
        actor = await actor_store.get_local_actor(conn, follower)
        other = await actor_store.get_actor_by_uri(conn, followed_uri)
        if actor is None or other is None:
            return None
        follow = await follow_store.get_follow(conn, actor.id, other.id)
    return follow.state if follow else None


async def test_follow_from_your_own_server(pair):
    a, b = pair
    _, alice = await make_resident(a, "alice", display_name="Alice Martin")
    await make_resident(b, "bob")

    # Given a visitor on alice's page, who has an account on B
    async with WebClient(a.base_url) as visitor:
        page = await visitor.get("/@alice")
        assert "Follow from your own server" in page.text
        response = await visitor.get(
            "/@alice/remote-follow", params={"handle": f"@bob@{b.config.domain}"}
        )

    # Then they are sent to B's subscribe template with alice's actor URL
    assert response.status_code == 303
    expected = f"{b.base_url}/authorize_interaction?uri={quote(alice.uri, safe='')}"
    assert response.headers["location"] == expected

    # When bob, logged in on B, confirms there
    async with WebClient(b.base_url) as bob:
        await bob.log_in("bob")
        target = response.headers["location"].removeprefix(b.base_url)
        confirm = await bob.get(target)
        assert confirm.status_code == 200 and "Alice Martin" in confirm.text
        followed = await bob.submit(target, "/follow", {"handle": alice.uri, "next": "/follow"})
        assert followed.status_code == 303

    # Then bob follows alice across the instances
    await wait_for(lambda: _follow_state(b, "bob", alice.uri), message="bob's follow of alice")
    await wait_for(
        lambda: _accepted(b, "bob", alice.uri), message="alice's server to accept bob's follow"
    )


async def _accepted(instance, follower, uri) -> bool:
    return await _follow_state(instance, follower, uri) == "accepted"


async def test_follow_from_your_own_server_explains_what_went_wrong(pair):
    a, _b = pair
    await make_resident(a, "alice")
    closed = free_socket()
    port = closed.getsockname()[1]
    closed.close()
    async with WebClient(a.base_url) as visitor:
        for handle, status in (
            ("", 422),
            ("not a handle", 422),
            (f"@me@127.0.0.1:{port}", 502),
        ):
            response = await visitor.get("/@alice/remote-follow", params={"handle": handle})
            assert response.status_code == status, handle
            assert 'id="f-handle-error"' in response.text, handle
        assert (await visitor.get("/@nobody/remote-follow?handle=@a@b.example")).status_code == 404


async def test_remote_follow_lookups_are_rate_limited_per_address(inst, web, alice):
    # Given a visitor who already looked up as many addresses as the limit allows
    closed = free_socket()
    lookup = {"handle": f"@moi@127.0.0.1:{closed.getsockname()[1]}"}
    closed.close()
    for _ in range(rate_limits.REMOTE_LOOKUPS.limit):
        assert not await rate_limits.allow(inst.services, rate_limits.REMOTE_LOOKUPS, "127.0.0.1")

    # When they ask for one more
    response = await web.get("/@alice/remote-follow", params=lookup)

    # Then it is refused with a 429 beside the field (a lookup would have given a 502)
    assert response.status_code == 429
    assert "Too many lookups from your address" in response.text
    assert 'id="f-handle-error"' in response.text


async def test_follow_and_unfollow_by_handle(pair):
    a, b = pair
    await make_resident(a, "alice")
    _, bob = await make_resident(b, "bob", display_name="Bob Paramé")
    async with WebClient(a.base_url) as alice_web:
        await alice_web.log_in("alice")
        response = await alice_web.submit(
            "/follow", "/follow", {"handle": f"@bob@{b.config.domain}"}
        )
        assert response.status_code == 303
        await wait_for(lambda: _accepted(a, "alice", bob.uri), message="bob's server to accept")
        page = await alice_web.get("/follow")
        assert "Bob Paramé" in page.text

        unknown = await alice_web.submit("/follow", "/follow", {"handle": "@nobody"})
        assert unknown.status_code == 404 and 'id="f-handle-error"' in unknown.text

        gone = await alice_web.submit("/follow", "/unfollow", {"target": bob.uri})
        assert gone.status_code == 303
        assert await _follow_state(a, "alice", bob.uri) is None


async def test_a_locked_resident_accepts_and_declines_followers_from_another_server(pair):
    a, b = pair
    _, alice = await make_resident(a, "alice", display_name="Alice")
    for name in ("bob", "carla"):
        await make_resident(b, name, display_name=name.capitalize())
    async with (
        WebClient(a.base_url) as alice_web,
        WebClient(b.base_url) as bob_web,
        WebClient(b.base_url) as carla_web,
    ):
        # Given alice approves her followers herself
        await alice_web.log_in("alice")
        saved = await alice_web.submit(
            "/settings", "/settings/profile", {"display_name": "Alice", "locked": "yes"}
        )
        assert saved.status_code == 303
        assert (
            'id="f-locked" name="locked" value="yes" checked'
            in (await alice_web.get("/settings")).text
        )

        # When bob and carla, on another server, ask to follow her
        for person, name in ((bob_web, "bob"), (carla_web, "carla")):
            await person.log_in(name)
            asked = await person.submit("/follow", "/follow", {"handle": alice.handle})
            assert notice(asked) == "follow-pending"

        async def both_asking() -> bool:
            page = (await alice_web.get("/follow")).text
            return "Asking to follow you" in page and "Bob" in page and "Carla" in page

        await wait_for(both_asking, message="both requests to reach alice")

        # And she accepts bob and declines carla
        for name, answer in (("bob", "accept"), ("carla", "decline")):
            answered = await alice_web.submit(
                "/follow",
                "/follow/requests",
                {"follower": f"{b.base_url}/users/{name}", "answer": answer},
            )
            assert notice(answered) == f"follower-{answer.removesuffix('e')}ed"

        # Then bob's server learns he follows her, and carla's that she does not
        await wait_for(lambda: _accepted(b, "bob", alice.uri), message="the Accept")

        async def carla_refused() -> bool:
            return await _follow_state(b, "carla", alice.uri) is None

        await wait_for(carla_refused, message="the Reject")
        assert "Asking to follow you" not in (await alice_web.get("/follow")).text


async def _linked(instance, domain) -> bool:
    links = await neighbours.neighbours(instance.services)
    return any(link.domain == domain and link.linked for link in links)


async def test_admins_link_neighbours_from_the_admin_page(pair):
    a, b = pair
    await make_resident(a, "anna", admin=True)
    await make_resident(b, "bruno", admin=True)
    async with WebClient(a.base_url) as anna, WebClient(b.base_url) as bruno:
        await anna.log_in("anna")
        await bruno.log_in("bruno")

        # When A's admin asks to link with B
        bad = await anna.submit("/admin", "/admin/neighbours", {"domain": "not a domain"})
        assert bad.status_code == 422 and 'id="f-domain-error"' in bad.text
        asked = await anna.submit("/admin", "/admin/neighbours", {"domain": b.config.domain})
        assert asked.status_code == 303

        # Then B's admin sees the request and approves it, linking back
        async def asks() -> bool:
            return "Approve and link back" in (await bruno.get("/admin")).text

        await wait_for(asks, message="A's request on B's admin page")
        approved = await bruno.submit("/admin", "/admin/neighbours", {"domain": a.config.domain})
        assert approved.status_code == 303
        await wait_for(lambda: _linked(a, b.config.domain), message="A linked to B")
        await wait_for(lambda: _linked(b, a.config.domain), message="B linked to A")

        # When A's admin removes the link
        removed = await anna.submit(
            "/admin", "/admin/neighbours/remove", {"target": b.config.domain}
        )
        assert removed.status_code == 303
        assert not await _linked(a, b.config.domain)
