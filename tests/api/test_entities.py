"""fedlocal/api/entities.py: the internal model (through services' views) → Mastodon JSON,
without a server."""

from __future__ import annotations

from datetime import UTC, datetime

from fedlocal.api import entities
from fedlocal.categories import Categories
from fedlocal.models import (
    Actor,
    Announce,
    EventDetails,
    ListingDetails,
    Notification,
    Place,
    Post,
)
from fedlocal.services.views import AccountView, BoostView, NotificationView, PostView
from fedlocal.urls import Urls

URLS = Urls("http://127.0.0.1:8000")
WHEN = datetime(2026, 11, 25, 18, 30, 15, 123456, tzinfo=UTC)
OPTIONS = {"domain": "127.0.0.1:8000", "categories": Categories(), "language": "fr"}


def actor(id: int, username: str, *, remote: bool = False) -> Actor:
    domain = "127.0.0.1:9000" if remote else "127.0.0.1:8000"
    return Actor(
        id=id,
        uri=f"http://{domain}/users/{username}",
        type="Person",
        role="remote" if remote else "resident",
        username=username,
        domain=domain,
        display_name="",
        summary="<p>Hello &amp; welcome</p>",
        inbox_url=None,
        shared_inbox_url=None,
        outbox_url=None,
        followers_url=None,
        following_url=None,
        url=None,
        manually_approves_followers=remote,
        created_at=WHEN,
        updated_at=WHEN,
    )


def post(id: int, author: Actor, **fields) -> Post:
    values = {
        "uri": f"http://127.0.0.1:8000/objects/{id}",
        "type": "Note",
        "kind": "note",
        "actor_id": author.id,
        "is_local": True,
        "visibility": "public",
        "content": "<p>Bonjour</p>",
        "published": WHEN,
        "created_at": WHEN,
        "language": "fr",
        "hashtags": tuple(["jardin"]),
        **fields,
    }
    return Post(id=id, **values)


def test_accounts_have_string_ids_acct_with_port_and_a_day_for_the_last_status() -> None:
    remote = AccountView(actor(9, "bob", remote=True), statuses_count=3, last_status_at=WHEN)
    local = AccountView(actor(3, "ana"))
    bob = entities.account(remote, URLS, domain="127.0.0.1:8000")
    ana = entities.account(local, URLS, domain="127.0.0.1:8000")
    assert (bob["id"], bob["acct"], bob["locked"]) == ("9", "bob@127.0.0.1:9000", True)
    assert ana["acct"] == "ana" and ana["display_name"] == "ana"
    assert bob["last_status_at"] == "2026-11-25" and ana["last_status_at"] is None
    assert bob["created_at"] == "2026-11-25T00:00:00.000Z"
    assert bob["avatar"].endswith(entities.DEFAULT_AVATAR)
    source = entities.credential_source(local, language="fr", follow_requests=2)
    assert source["note"] == "Hello & welcome" and source["follow_requests_count"] == 2


def test_a_status_carries_counts_flags_and_reply_ids_as_strings() -> None:
    ana, bob = actor(3, "ana"), actor(9, "bob", remote=True)
    view = PostView(
        post=post(12, ana, visibility="followers", summary="cw", sensitive=True),
        author=AccountView(ana),
        replies_count=2,
        reblogs_count=1,
        favourites_count=4,
        favourited=True,
        in_reply_to_id=11,
        in_reply_to_account_id=9,
        mentions=(bob,),
    )
    status = entities.status(view, URLS, **OPTIONS)
    assert status["id"] == "12" and status["created_at"] == "2026-11-25T18:30:15.123Z"
    assert status["visibility"] == "private" and status["spoiler_text"] == "cw"
    assert (status["in_reply_to_id"], status["in_reply_to_account_id"]) == ("11", "9")
    assert status["mentions"] == [
        {"id": "9", "username": "bob", "url": bob.uri, "acct": "bob@127.0.0.1:9000"}
    ]
    assert status["tags"][0]["name"] == "jardin"
    assert status["favourited"] is True and status["favourites_count"] == 4
    assert "scheduled_at" not in status  # toot would take it for a scheduled post
    assert "fedlocal" not in status


def test_an_offer_reads_as_a_status_with_its_title_and_facts() -> None:
    ana = actor(3, "ana")
    offer = post(
        20,
        ana,
        kind="offer",
        name="Vélo <enfant>",
        category="objects",
        place=Place(name="Paramé", latitude=48.66, longitude=-1.98),
        listing=ListingDetails(intent="give", status="reserved"),
    )
    status = entities.status(PostView(post=offer, author=AccountView(ana)), URLS, **OPTIONS)
    assert status["content"].startswith("<p><strong>Vélo &lt;enfant&gt;</strong></p>")
    assert "Offre · réservé · Paramé" in status["content"]
    assert status["fedlocal"]["listing"]["intent"] == "give"
    assert status["fedlocal"]["category"]["key"] == "objects"


def test_an_event_states_its_start_in_the_instances_zone_named() -> None:
    # A neighbour's event at 18:00 UTC that named no zone of its own
    ana = actor(3, "ana", remote=True)
    event = post(
        21,
        ana,
        kind="event",
        name="Concert",
        event=EventDetails(starts_at=datetime(2025, 1, 18, 18, 0, tzinfo=UTC), timezone="UTC"),
    )
    view = PostView(post=event, author=AccountView(ana))

    status = entities.status(view, URLS, **OPTIONS, timezone="Europe/Paris")

    assert "Événement · 2025-01-18 19:00 (Europe/Paris)" in status["content"]


def test_a_boost_has_an_id_of_its_own_and_wraps_the_post() -> None:
    ana, bob = actor(3, "ana"), actor(4, "bob")
    inner = PostView(post=post(12, ana), author=AccountView(ana), reblogged=True)
    announce = Announce(
        5, "http://127.0.0.1:8000/users/bob#announces/x", 4, inner.post.uri, 12, WHEN
    )
    boost = entities.boost(BoostView(announce, AccountView(bob), inner), URLS, **OPTIONS)
    assert int(boost["id"]) == entities.BOOST_ID_BASE + 5
    assert boost["reblog"]["id"] == "12" and boost["account"]["acct"] == "bob"
    assert boost["content"] == ""


def test_a_notification_names_fedlocals_own_type() -> None:
    ana, bob = actor(3, "ana"), actor(4, "bob")
    n = Notification(30, 3, "rsvp", 4, 12, WHEN)
    view = NotificationView(
        n,
        "favourite",
        AccountView(bob),
        PostView(post=post(12, ana), author=AccountView(ana)),
        fedlocal_type="rsvp",
    )
    entity = entities.notification(view, URLS, **OPTIONS)
    assert (entity["id"], entity["type"], entity["fedlocal_type"]) == ("30", "favourite", "rsvp")
    assert entity["status"]["id"] == "12"
