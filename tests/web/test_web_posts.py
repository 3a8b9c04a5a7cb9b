"""Offers, requests and events through the web app: who sees what, "I'm interested" and
the author's status actions, RSVPs and the organiser's decisions, groups, notifications,
and the headers every page carries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from fedlocal.services import listings, posts
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store
from fedlocal.store import posts as post_store
from tests.support.instance import running_instance

from .conftest import make_resident
from .web_client import WebClient, notice

AP = "application/activity+json"


def _path(response) -> str:
    return response.headers["location"].split("?")[0]


async def test_who_sees_which_post(inst, alice, alice_web):
    _, author = alice
    public = await listings.publish_listing(
        inst.services, author, ListingInput(kind="offer", title="Public", category="objects")
    )
    local = await listings.publish_listing(
        inst.services,
        author,
        ListingInput(kind="offer", title="Entre nous", category="objects", visibility="local"),
    )
    followers = await listings.publish_listing(
        inst.services,
        author,
        ListingInput(kind="offer", title="Abonnés", category="objects", visibility="followers"),
    )
    await make_resident(inst, "bob")
    async with WebClient(inst.base_url) as visitor, WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        expected = ((public, 200, 200), (local, 404, 200), (followers, 404, 404))
        for post, anonymous, resident in expected:
            assert (await visitor.get(f"/posts/{post.id}")).status_code == anonymous, post.name
            assert (await bob.get(f"/posts/{post.id}")).status_code == resident, post.name
            assert (await alice_web.get(f"/posts/{post.id}")).status_code == 200, post.name
        # The feed and the landing page list public posts only
        feed = await visitor.get("/feed")
        assert "Public" in feed.text
        assert "Entre nous" not in feed.text and "Abonnés" not in feed.text
        assert "Entre nous" in (await bob.get("/feed")).text


async def test_the_object_url_shows_the_offer_page_to_browsers(inst, alice, web):
    _, author = alice
    offer = await listings.publish_listing(
        inst.services,
        author,
        ListingInput(kind="offer", title="Tondeuse", category="diy-gardening", quarter="Paramé"),
    )
    path = offer.uri.removeprefix(inst.base_url)

    html = await web.get(path, headers={"Accept": "text/html"})
    as_json = await web.get(path, headers={"Accept": AP})

    assert html.status_code == 200 and "Tondeuse" in html.text and "Paramé" in html.text
    assert "Log in to answer" in html.text
    assert as_json.headers["content-type"].startswith(AP)

    await posts.delete_post(inst.services, author, offer.id)
    assert (await web.get(path, headers={"Accept": "text/html"})).status_code == 410
    assert (await web.get(f"/posts/{offer.id}")).status_code == 410


async def test_interest_reservation_and_closing(inst, alice, alice_web):
    await make_resident(inst, "bob", display_name="Bob")
    created = await alice_web.submit(
        "/new/offer",
        "/new/offer",
        {
            "intent": "give",
            "title": "Poussette",
            "category": "objects",
            "address": "3 rue Jeanne Jugan, Paramé",
            "quantity": "1",
            "visibility": "public",
        },
    )
    assert created.status_code == 303
    path = _path(created)
    page = await alice_web.get(path)
    assert "Paramé" in page.text and "Nobody yet" in page.text

    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        sent = await bob.submit(path, f"{path}/interest", {"message": "Pour ma fille !"})
        assert sent.status_code == 303 and notice(sent) == "interest-sent"
        again = await bob.get(path)
        assert "You told" in again.text and "I&#39;m interested" not in again.text
        twice = await bob.submit("/", f"{path}/interest", {"message": ""})
        assert twice.status_code == 303  # saying it twice changes nothing

        notifications = await alice_web.get("/notifications")
        assert "Bob is interested in your post" in notifications.text

        own = await alice_web.submit(path, f"{path}/interest", {})
        assert own.status_code == 422

        reserved = await alice_web.submit(
            path, f"{path}/reserve", {"for": f"{inst.base_url}/users/bob"}
        )
        assert reserved.status_code == 303
        assert "It is reserved for you." in (await bob.get(path)).text
        assert "Reserved for Bob." in (await alice_web.get(path)).text

        released = await alice_web.submit(path, f"{path}/release", {})
        assert released.status_code == 303
        closed = await alice_web.submit(path, f"{path}/close", {})
        assert closed.status_code == 303
        page = await alice_web.get(path)
        assert re.search(r'class="tag tag-status">Given<', page.text)
        late = await bob.submit(path, f"{path}/cancel", {})
        assert late.status_code == 403


async def test_a_restricted_event_waits_for_the_organiser(inst, alice, alice_web):
    await make_resident(inst, "bob", display_name="Bob")
    day = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    created = await alice_web.submit(
        "/new/event",
        "/new/event",
        {
            "title": "Atelier vélo",
            "category": "neighbourhood-life",
            "starts_on": day,
            "starts_time": "10:00",
            "ends_time": "12:00",
            "venue": "Garage solidaire",
            "quarter": "Intra-Muros",
            "join_mode": "restricted",
            "capacity": "1",
            "visibility": "public",
        },
    )
    assert created.status_code == 303
    path = _path(created)
    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        joined = await bob.submit(path, f"{path}/join", {})
        assert notice(joined) == "join-pending"
        page = await alice_web.get(path)
        assert "Waiting for your answer" in page.text
        participation = re.search(r'name="participation" value="(\d+)"', page.text).group(1)
        decided = await alice_web.submit(
            path, f"{path}/decide", {"participation": participation, "decision": "accept"}
        )
        assert decided.status_code == 303
        page = await bob.get(path)
        assert "taking part" in page.text and "0 places left" in page.text
        ics = await bob.get(f"{path.replace('/posts/', '/objects/')}.ics")
        assert ics.status_code == 200 and "Atelier vélo" in ics.text

        left = await bob.submit(path, f"{path}/leave", {})
        assert left.status_code == 303
        cancelled = await alice_web.submit(path, f"{path}/cancel-event", {})
        assert cancelled.status_code == 303
        assert "This event is cancelled." in (await bob.get(path)).text
        refused = await bob.submit(path, f"{path}/join", {})
        assert refused.status_code == 409


async def test_groups_join_post_and_members(inst, alice, alice_web):
    await make_resident(inst, "bob", display_name="Bob")
    created = await alice_web.submit(
        "/groups",
        "/groups",
        {"display_name": "Jardins partagés", "username": "jardins", "summary": "Semis et récoltes"},
    )
    assert created.status_code == 303 and created.headers["location"].startswith("/groups/jardins")
    taken = await alice_web.submit(
        "/groups", "/groups", {"display_name": "Autre", "username": "jardins"}
    )
    assert taken.status_code == 409 and 'id="f-username-error"' in taken.text

    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        refused = await bob.submit("/groups/jardins", "/groups/jardins/post", {"text": "Hello"})
        assert refused.status_code == 403
        joined = await bob.submit("/groups/jardins", "/groups/jardins/join", {})
        assert notice(joined) == "group-joined"
        empty = await bob.submit("/groups/jardins", "/groups/jardins/post", {"text": "  "})
        assert empty.status_code == 422 and 'id="f-text-error"' in empty.text
        posted = await bob.submit(
            "/groups/jardins", "/groups/jardins/post", {"text": "Troc de semis samedi !"}
        )
        assert posted.status_code == 303
        page = await alice_web.get("/groups/jardins")
        assert "2 members" in page.text and "Bob" in page.text
        assert "Troc de semis samedi" in page.text
        left = await bob.submit("/groups/jardins", "/groups/jardins/leave", {})
        assert notice(left) == "group-left"
    assert "1 member" in (await alice_web.get("/groups/jardins")).text


async def test_a_mention_in_a_group_post_is_linked_where_it_stands(inst, alice, alice_web):
    # Given bob, a member of alice's group
    await make_resident(inst, "bob", display_name="Bob")
    await alice_web.submit("/groups", "/groups", {"display_name": "Graines", "username": "graines"})
    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        await bob.submit("/groups/graines", "/groups/graines/join", {})

        # When he thanks alice in the middle of his post
        posted = await bob.submit(
            "/groups/graines", "/groups/graines/post", {"text": "Merci @alice pour les semis !"}
        )
    assert posted.status_code == 303

    # Then the mention is a link in Mastodon's markup where he wrote it, and a Mention tag
    async with inst.db.read() as conn:
        bob_actor = await actor_store.get_local_actor(conn, "bob")
        [post] = await post_store.list_actor_posts(conn, bob_actor.id)
    alice_url = f"{inst.base_url}/@alice"
    assert (
        "<p>Merci "
        f'<span class="h-card" translate="no"><a href="{alice_url}" class="u-url mention">'
        "@<span>alice</span></a></span> pour les semis !</p>"
    ) in post.content
    assert post.content.count("@<span>alice</span>") == 1
    assert f"{inst.base_url}/users/alice" in {m.href for m in post.mentions}


async def test_moderators_let_in_turn_down_and_remove_members_and_posts(inst, alice, alice_web):
    # Given alice's group that approves its members, and bob and carla asking to join
    for name in ("bob", "carla"):
        await make_resident(inst, name, display_name=name.capitalize())
    created = await alice_web.submit(
        "/groups",
        "/groups",
        {"display_name": "Troc", "username": "troc", "approval_required": "yes"},
    )
    assert created.status_code == 303
    group = "/groups/troc"
    async with WebClient(inst.base_url) as bob, WebClient(inst.base_url) as carla:
        await bob.log_in("bob")
        await carla.log_in("carla")
        for person in (bob, carla):
            asked = await person.submit(group, f"{group}/join", {})
            assert notice(asked) == "group-join-pending"
        bob_uri, carla_uri = (f"{inst.base_url}/users/{name}" for name in ("bob", "carla"))

        # When alice lets bob in and turns carla down
        page = await alice_web.get(group)
        assert "Waiting to join" in page.text and "Let in" in page.text
        let_in = await alice_web.submit(group, f"{group}/approve", {"member": bob_uri})
        assert notice(let_in) == "member-approved"
        turned_down = await alice_web.submit(group, f"{group}/remove-member", {"member": carla_uri})
        assert notice(turned_down) == "member-removed"

        # Then bob is a member and may post; carla is not, and may ask again
        assert "2 members" in (await alice_web.get(group)).text
        posted = await bob.submit(group, f"{group}/post", {"text": "Échange vélo contre poussette"})
        assert posted.status_code == 303
        assert "Waiting to join" not in (await alice_web.get(group)).text

        # And a member cannot moderate: nothing changes
        refused = await bob.submit(group, f"{group}/remove-member", {"member": bob_uri})
        assert refused.status_code == 403
        assert "2 members" in (await alice_web.get(group)).text

        # When alice takes bob's post out of the group, then removes bob
        post_uri = re.search(r'name="post" value="([^"]+)"', (await alice_web.get(group)).text)[1]
        removed = await alice_web.submit(group, f"{group}/remove-post", {"post": post_uri})
        assert notice(removed) == "post-removed"
        again = await alice_web.submit(group, f"{group}/remove-post", {"post": post_uri})
        assert again.status_code == 404
        gone = await alice_web.submit(group, f"{group}/remove-member", {"member": bob_uri})
        assert notice(gone) == "member-removed"

        # Then the group shows neither
        page = await alice_web.get(group)
        assert "Échange vélo" not in page.text and "1 member" in page.text
        assert (await bob.submit(group, f"{group}/post", {"text": "Encore"})).status_code == 403


async def test_pages_carry_protective_headers(inst, web):
    response = await web.get("/")
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert (
        "script-src" not in headers["content-security-policy"]
        or "unsafe" not in headers["content-security-policy"]
    )
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert "no-store" in headers["cache-control"]
    assert "accept" in headers["vary"].lower()
    assert (await web.get("/static/fedlocal.css")).status_code == 200
    assert (await web.get("/static/fedlocal.js")).status_code == 200


async def test_an_instance_overseas_takes_and_shows_times_in_its_own_zone(tmp_path):
    # Given an instance in Fort-de-France (UTC-4, no summer time)
    martinique = {
        "quarters": [{"name": "Terres-Sainville", "latitude": 14.61, "longitude": -61.07}]
    }
    async with running_instance(
        tmp_path, area=martinique, signup_mode="open", timezone="America/Martinique"
    ) as inst:
        await make_resident(inst, "lea", display_name="Léa")
        async with WebClient(inst.base_url) as lea:
            await lea.log_in("lea")
            form = await lea.get("/new/event")
            assert "America/Martinique" in form.text

            # When Léa publishes an event at 18:30 local time
            day = (datetime.now(UTC) + timedelta(days=30)).date()
            created = await lea.submit(
                "/new/event",
                "/new/event",
                {
                    "title": "Bèlè au jardin",
                    "category": "neighbourhood-life",
                    "starts_on": day.isoformat(),
                    "starts_time": "18:30",
                    "quarter": "Terres-Sainville",
                    "join_mode": "free",
                    "visibility": "public",
                },
            )
            assert created.status_code == 303

            # Then it starts at 22:30 UTC, in the instance's zone, and reads 18:30 there
            post_id = int(_path(created).rsplit("/", 1)[1])
            async with inst.db.read() as conn:
                event = await post_store.get_post(conn, post_id)
            assert event is not None and event.event is not None
            assert event.event.starts_at == datetime.combine(day, time(22, 30), tzinfo=UTC)
            assert event.event.timezone == "America/Martinique"
            page = await lea.get(_path(created))
            assert "18:30" in page.text or "6:30" in page.text


async def test_the_author_edits_a_note_from_its_page(inst, alice, alice_web):
    # Given alice's note, and bob who reads it
    _, author = alice
    note = await posts.publish_note(inst.services, author, "Réunion mardi")
    path = f"/posts/{note.id}"
    page = await alice_web.get(path)
    assert f'action="/posts/{note.id}/edit"' in page.text
    assert "Réunion mardi</textarea>" in page.text
    await make_resident(inst, "bob")
    async with WebClient(inst.base_url) as bob_web:
        await bob_web.log_in("bob")
        assert "/edit" not in (await bob_web.get(path)).text
        # When bob tries to edit it anyway, nothing changes
        refused = await bob_web.submit(path, f"{path}/edit", {"text": "Réunion annulée"})
        assert refused.status_code == 404

    # When alice changes its text
    response = await alice_web.submit(path, f"{path}/edit", {"text": "Réunion mercredi #quartier"})

    # Then the page shows the new text, marked as edited, and its history keeps the first
    assert response.status_code == 303 and notice(response) == "edited"
    shown = await alice_web.get(path)
    assert "Réunion mercredi" in shown.text and "Edited" in shown.text
    async with inst.db.read() as conn:
        edited = await post_store.get_post(conn, note.id)
    assert edited is not None and edited.edited_at is not None and edited.hashtags == ("quartier",)

    # And an empty text is refused with a plain sentence
    empty = await alice_web.submit(path, f"{path}/edit", {"text": "  "})
    assert empty.status_code == 422 and "text" in empty.text
