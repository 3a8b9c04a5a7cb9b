"""The lists, filters and push stores on both backends: a list timeline by replies
policy, exclusive lists leaving home, active filters, and the push queue's claim, retry,
give-up and purge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from fedlocal.boundary.paging import PageQuery
from fedlocal.models import UserList
from fedlocal.store import filters as filter_store
from fedlocal.store import lists as list_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import oauth as oauth_store
from fedlocal.store import posts as post_store
from fedlocal.store import push as push_store
from fedlocal.store import timelines as timeline_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import follows

from .helpers import local_actor

PAGE = PageQuery(limit=20)


async def _follow(conn, follower, followed) -> None:
    now = utcnow()
    await conn.execute(
        insert(follows).values(
            follower_id=follower.id,
            followed_id=followed.id,
            uri=f"https://local.example/follows/{follower.id}-{followed.id}",
            state="accepted",
            created_at=now,
            updated_at=now,
        )
    )


async def _post(conn, author, text, **fields):
    return await post_store.insert_local_post(
        conn,
        actor_id=author.id,
        uri_for=lambda i: f"https://local.example/posts/{i}",
        content=text,
        visibility="public",
        **fields,
    )


async def test_list_timeline_follows_the_replies_policy(database):
    async with database.write() as conn:
        ana, bob, carl, dan = [
            await local_actor(conn, name) for name in ("ana", "bob", "carl", "dan")
        ]
        await _follow(conn, ana, bob)
        await _follow(conn, ana, carl)
        made = await list_store.create(
            conn, ana.id, title="L", replies_policy="list", exclusive=True, at=utcnow()
        )
        await list_store.add_members(conn, made.id, [bob.id, dan.id], utcnow())
        by_carl = await _post(conn, carl, "carl")
        by_dan = await _post(conn, dan, "dan")
        to_carl = await _post(conn, bob, "to carl", in_reply_to_uri=by_carl.uri)
        to_dan = await _post(conn, bob, "to dan", in_reply_to_uri=by_dan.uri)
        plain = await _post(conn, bob, "plain")
    async with database.read() as conn:
        as_list = await list_store.timeline(conn, made, PAGE)
        followed = await list_store.timeline(
            conn, UserList(made.id, ana.id, "L", "followed", True), PAGE
        )
        none = await list_store.timeline(conn, UserList(made.id, ana.id, "L", "none", True), PAGE)
        home = await timeline_store.home(conn, ana.id, PAGE)
    # dan is on the list but not followed: his posts stay out; replies as the policy says
    assert [p.id for p in as_list] == [plain.id, to_dan.id]
    assert [p.id for p in followed] == [plain.id, to_dan.id, to_carl.id]
    assert [p.id for p in none] == [plain.id]
    # The list is exclusive: bob's posts leave ana's home, carl's stay
    assert [p.id for p in home] == [by_carl.id]


async def test_filters_expire(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        now = utcnow()
        kept = await filter_store.create(
            conn, ana.id, title="k", context=["home"], action="warn", expires_at=None, at=now
        )
        await filter_store.add_keyword(conn, kept, "pluie", True)
        await filter_store.create(
            conn,
            ana.id,
            title="gone",
            context=["public"],
            action="hide",
            expires_at=now - timedelta(seconds=1),
            at=now,
        )
    async with database.read() as conn:
        active = await filter_store.filters_of(conn, ana.id, active_at=utcnow())
        every = await filter_store.filters_of(conn, ana.id)
    assert [f.title for f in active] == ["k"] and len(every) == 2
    assert active[0].keywords[0].keyword == "pluie" and active[0].context == ("home",)


async def test_push_queue_claims_retries_and_gives_up(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        bob = await local_actor(conn, "bob")
        app = await oauth_store.insert_app(
            conn,
            name="app",
            website=None,
            redirect_uris=["urn:ietf:wg:oauth:2.0:oob"],
            scopes=["push"],
            client_id="c",
            client_secret_hash="h",
        )
        token = await oauth_store.insert_token(
            conn, token_hash="t" * 64, application_id=app.id, account_id=None, scopes=["push"]
        )
        found = await push_store.replace(
            conn,
            token_id=token.id,
            actor_id=ana.id,
            endpoint="https://push.example/1",
            p256dh="k",
            auth="a",
            alerts=["mention", "follow"],
            policy="all",
            standard=True,
            at=utcnow(),
        )
        assert found.alerts == ("mention", "follow")
        notification = await notification_store.add(
            conn, recipient_id=ana.id, type="follow", actor_id=bob.id
        )
        # No subscription, no push
        await notification_store.add(conn, recipient_id=bob.id, type="follow", actor_id=ana.id)
    now = utcnow()
    async with database.write() as conn:
        [claimed] = await push_store.claim(conn, limit=10, now=now, lease=timedelta(minutes=2))
        assert claimed.notification_id == notification.id and claimed.attempts == 0
        # Leased: not claimed again meanwhile
        assert await push_store.claim(conn, limit=10, now=now, lease=timedelta(minutes=2)) == []
        await push_store.retry_later(conn, claimed.id, at=now, error="HTTP 503")
        [again] = await push_store.claim(conn, limit=10, now=now, lease=timedelta(minutes=2))
        assert again.attempts == 1
        await push_store.give_up(conn, again.id, error="HTTP 400")
        assert (
            await push_store.claim(
                conn, limit=10, now=now + timedelta(hours=1), lease=timedelta(minutes=2)
            )
            == []
        )
        assert await push_store.purge_dead(conn, before=now + timedelta(days=8)) == 1
        assert await push_store.token_alive(conn, token.id)
        await push_store.remove_of_token(conn, token.id)
        assert await push_store.of_token(conn, token.id) is None


async def test_notifications_added_together_queue_the_same_pushes_as_one_by_one(database):
    # Given ana with two push subscriptions, and bob with none
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        bob = await local_actor(conn, "bob")
        app = await oauth_store.insert_app(
            conn,
            name="app",
            website=None,
            redirect_uris=["urn:ietf:wg:oauth:2.0:oob"],
            scopes=["push"],
            client_id="c",
            client_secret_hash="h",
        )
        for n in (1, 2):
            token = await oauth_store.insert_token(
                conn,
                token_hash=str(n) * 64,
                application_id=app.id,
                account_id=None,
                scopes=["push"],
            )
            await push_store.replace(
                conn,
                token_id=token.id,
                actor_id=ana.id,
                endpoint=f"https://push.example/{n}",
                p256dh="k",
                auth="a",
                alerts=["mention"],
                policy="all",
                standard=True,
                at=utcnow(),
            )
        # When three mentions are added in one go (two for ana, one for bob)
        post = await _post(conn, bob, "hello")
        await notification_store.add_many(
            conn,
            [
                {"recipient_id": ana.id, "type": "mention", "actor_id": bob.id, "post_id": post.id},
                {"recipient_id": bob.id, "type": "mention", "actor_id": ana.id, "post_id": post.id},
                {"recipient_id": ana.id, "type": "mention", "actor_id": bob.id, "post_id": post.id},
            ],
        )
    # Then each is stored in order, and ana's two are pushed to both her subscriptions
    async with database.write() as conn:
        mine = await notification_store.list_for(conn, ana.id)
        theirs = await notification_store.list_for(conn, bob.id)
        pushes = await push_store.claim(conn, limit=10, now=utcnow(), lease=timedelta(minutes=1))
    assert [n.type for n in mine] == ["mention", "mention"] and len(theirs) == 1
    assert mine[0].id > theirs[0].id > mine[1].id  # newest first: the order given
    assert sorted((p.notification_id, p.subscription_id) for p in pushes) == sorted(
        (n.id, s) for n in mine for s in {p.subscription_id for p in pushes}
    )
    assert len(pushes) == 4
