"""Blocks and mutes: what a block stops in both directions, what a mute and a resident's
domain block hide, and what is sent to other servers. Every read path is checked through
its service (timelines, nearby feed, profile, post page, notifications)."""

from __future__ import annotations

import pytest

from fedlocal.boundary.paging import PageQuery
from fedlocal.services import (
    blocks,
    events,
    interest,
    listings,
    messages,
    nearby_feed,
    profiles,
    timelines,
)
from fedlocal.services import follows as follow_service
from fedlocal.services import notifications as notification_service
from fedlocal.services import posts as post_service
from fedlocal.services.errors import Forbidden, InvalidInput, NotFound
from fedlocal.services.listings import ListingInput
from fedlocal.services.visibility import visible_post
from fedlocal.store import follows as follow_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import posts as post_store
from tests.services.sharing_support import last_queued_id, queued, remote_person
from tests.services.test_events import workshop

PAGE = PageQuery(limit=40)
DRILL = ListingInput(kind="offer", intent="lend", title="Perceuse à prêter")


async def _follow_state(world, follower, followed):
    async with world.db.read() as conn:
        found = await follow_store.get_follow(conn, follower.id, followed.id)
    return found.state if found else None


async def _public_ids(world, viewer):
    found = await timelines.public(world.services, viewer, PAGE, local=False, remote=False)
    return [v.post.id for v in found]


async def _relation(world, viewer, other):
    [found] = await timelines.relationships(world.services, viewer, [other.id])
    return found


async def test_a_block_ends_the_follows_both_ways_and_shows_in_the_relationship(world, ana, bea):
    # Given ana and bea following each other
    await follow_service.follow(world.services, ana, bea.uri)
    await follow_service.follow(world.services, bea, ana.uri)

    # When ana blocks bea
    await blocks.block(world.services, ana, bea.id)

    # Then neither follows the other, and each side's relationship says who blocks whom
    assert await _follow_state(world, ana, bea) is None
    assert await _follow_state(world, bea, ana) is None
    mine = await _relation(world, ana, bea)
    assert (mine.blocking, mine.blocked_by, mine.following) == (True, False, False)
    theirs = await _relation(world, bea, ana)
    assert (theirs.blocking, theirs.blocked_by, theirs.followed_by) == (False, True, False)
    # And bea's earlier follow notification left ana's list
    assert await notification_service.entries(world.services, ana, max_id=None, limit=20) == []

    # When ana unblocks bea, the block is gone (the follows do not come back)
    await blocks.unblock(world.services, ana, bea.id)
    assert not (await _relation(world, ana, bea)).blocking
    assert await _follow_state(world, bea, ana) is None


async def test_neither_side_of_a_block_can_follow_the_other(world, ana, bea):
    await blocks.block(world.services, ana, bea.id)
    with pytest.raises(Forbidden, match="has blocked you"):
        await follow_service.follow(world.services, bea, ana.uri)
    with pytest.raises(Forbidden, match="unblock it first"):
        await follow_service.follow(world.services, ana, bea.uri)
    assert await _follow_state(world, bea, ana) is None


async def test_the_blocked_account_cannot_write_to_the_blocker(world, ana, bea):
    # Given a thread between ana and bea
    thread, _first = await messages.write_to(world.services, bea, ana, "Bonjour Ana")

    # When ana blocks bea
    await blocks.block(world.services, ana, bea.id)

    # Then bea can neither start a new message nor answer in the thread, with a clear reason
    with pytest.raises(Forbidden, match="this account has blocked you"):
        await messages.write_to(world.services, bea, ana, "Encore moi")
    with pytest.raises(Forbidden, match="this account has blocked you"):
        await messages.reply(world.services, bea, thread.id, "Tu es là ?")
    # And ana cannot write to bea while blocking her
    with pytest.raises(Forbidden, match="unblock it first"):
        await messages.write_to(world.services, ana, bea, "Bonjour")


async def test_the_blocked_account_cannot_show_interest_nor_join_the_blockers_event(
    world, ana, bea
):
    offer = await listings.publish_listing(world.services, ana, DRILL)
    event = await events.publish_event(world.services, ana, workshop())
    await blocks.block(world.services, ana, bea.id)

    with pytest.raises(Forbidden):
        await interest.express_interest(world.services, bea, offer.uri, "Je la veux")
    with pytest.raises(Forbidden):
        await events.join_event(world.services, bea, event.uri)
    async with world.db.read() as conn:
        assert (await post_store.get_post(conn, event.id)).event.participant_count == 0


async def test_the_blocked_account_cannot_see_the_blockers_posts(world, ana, bea):
    # Given ana's public note and offer
    note = await post_service.publish_note(world.services, ana, "Marché samedi")
    offer = await listings.publish_listing(world.services, ana, DRILL)

    # When ana blocks bea
    await blocks.block(world.services, ana, bea.id)

    # Then bea sees neither on their pages, in timelines, on ana's profile or in the feed
    for post in (note, offer):
        with pytest.raises(NotFound):
            await visible_post(world.services, bea, post.id)
    assert note.id not in await _public_ids(world, bea)
    statuses = await timelines.account_statuses(world.services, bea, ana.id, PAGE)
    assert statuses == []
    assert (await profiles.profile(world.services, bea, ana, limit=20)).posts == []
    feed = await nearby_feed.feed(
        world.services, bea, centre=None, radius_km=5, kinds=("offer", "request", "event")
    )
    assert offer.id not in [item.post.id for item in feed]
    # While a visitor and carl still see them
    assert note.id in await _public_ids(world, None)
    await visible_post(world.services, None, note.id)


async def test_the_blocked_accounts_content_leaves_the_blockers_feeds_and_notifications(
    world, ana, bea, carl
):
    # Given ana following bea, and bea's note and offer
    await follow_service.follow(world.services, ana, bea.uri)
    note = await post_service.publish_note(world.services, bea, "Vide-grenier dimanche")
    offer = await listings.publish_listing(world.services, bea, DRILL)

    # When ana blocks bea, and bea's mention of ana arrives afterwards
    await blocks.block(world.services, ana, bea.id)
    mention = await post_service.publish_note(world.services, bea, "Coucou @ana")
    async with world.db.write() as conn:
        await notification_store.add(
            conn, recipient_id=ana.id, type="mention", actor_id=bea.id, post_id=mention.id
        )

    # Then ana's home and public timelines, nearby feed and notifications hold none of it
    home = await timelines.home(world.services, ana, PAGE)
    assert note.id not in [v.post.id for v in home]
    assert note.id not in await _public_ids(world, ana)
    feed = await nearby_feed.feed(
        world.services, ana, centre=None, radius_km=5, kinds=("offer", "request", "event")
    )
    assert offer.id not in [item.post.id for item in feed]
    assert await notification_service.client_page(world.services, ana, PAGE) == []
    assert await notification_service.unread_count(world.services, ana) == 0
    # But carl, who blocks nobody, sees bea's note
    assert note.id in await _public_ids(world, carl)


async def test_a_mute_hides_posts_and_with_notifications_their_notifications(world, ana, bea):
    note = await post_service.publish_note(world.services, bea, "Bonjour le quartier")

    # When ana mutes bea but not her notifications
    await blocks.mute(world.services, ana, bea.id, notifications=False)

    # Then bea's note leaves ana's timeline, her mention still notifies ana
    assert note.id not in await _public_ids(world, ana)
    await messages.write_to(world.services, bea, ana, "Merci Ana")
    assert len(await notification_service.client_page(world.services, ana, PAGE)) == 1
    relation = await _relation(world, ana, bea)
    assert (relation.muting, relation.muting_notifications) == (True, False)
    # And bea may still follow and write to ana: a mute is not a block
    await follow_service.follow(world.services, bea, ana.uri)

    # When the mute covers notifications too, the mention disappears
    await blocks.mute(world.services, ana, bea.id, notifications=True)
    assert await notification_service.client_page(world.services, ana, PAGE) == []

    # When ana unmutes bea, everything shows again
    await blocks.unmute(world.services, ana, bea.id)
    assert note.id in await _public_ids(world, ana)
    assert len(await notification_service.client_page(world.services, ana, PAGE)) == 2
    assert await notification_service.unread_count(world.services, ana) == 2


async def test_a_mute_with_a_duration_lists_its_end_and_nothing_is_sent(world, ana, bea):
    after = await last_queued_id(world.db)
    await blocks.mute(world.services, ana, bea.id, duration=3600)
    [found] = await blocks.muted(world.services, ana, PAGE)
    assert found.account.actor.id == bea.id and found.mute.expires_at is not None
    assert await queued(world.db, after=after) == []


async def test_bad_input_is_refused_and_nothing_is_stored(world, ana, bea):
    with pytest.raises(InvalidInput, match="cannot block yourself"):
        await blocks.block(world.services, ana, ana.id)
    with pytest.raises(InvalidInput, match="cannot mute yourself"):
        await blocks.mute(world.services, ana, ana.id)
    with pytest.raises(NotFound):
        await blocks.block(world.services, ana, 987654)
    with pytest.raises(InvalidInput):
        await blocks.mute(world.services, ana, bea.id, duration=-5)
    with pytest.raises(InvalidInput):
        await blocks.block_domain(world.services, ana, "not a domain!")
    with pytest.raises(InvalidInput, match="your own server"):
        await blocks.block_domain(world.services, ana, world.federation.config.domain)
    assert await blocks.blocked(world.services, ana, PAGE) == []
    assert await blocks.muted(world.services, ana, PAGE) == []
    assert await blocks.blocked_domains(world.services, ana, PAGE) == []


async def test_blocking_someone_elsewhere_sends_a_block_and_ends_the_follows(world, ana):
    # Given a Mastodon user following ana, and ana following them
    rob = await remote_person(world.federation, "rob")
    async with world.db.write() as conn:
        await follow_store.upsert_follow(
            conn, follower_id=rob.id, followed_id=ana.id, uri=f"{rob.uri}#f/1", state="accepted"
        )
        await follow_store.upsert_follow(
            conn, follower_id=ana.id, followed_id=rob.id, uri=f"{ana.uri}#f/2", state="accepted"
        )
    after = await last_queued_id(world.db)

    # When ana blocks rob
    await blocks.block(world.services, ana, rob.id)

    # Then rob's server is told: our follow undone, theirs rejected, and the Block
    sent = await queued(world.db, after=after)
    assert [q.type for q in sent] == ["Undo", "Reject", "Block"]
    block = sent[-1].body
    assert block["actor"] == ana.uri and block["object"] == rob.uri
    assert block["id"].startswith(f"{ana.uri}#blocks/")
    assert sent[-1].inboxes == [rob.inbox_url] and sent[-1].followers_of is None
    assert await _follow_state(world, rob, ana) is None

    # When ana unblocks rob, an Undo of that Block goes
    after = await last_queued_id(world.db)
    await blocks.unblock(world.services, ana, rob.id)
    [undo] = await queued(world.db, after=after)
    assert undo.type == "Undo" and undo.body["object"]["id"] == block["id"]
    assert undo.body["object"]["type"] == "Block"


async def test_a_domain_block_hides_that_domain_and_removes_followers_there(world, ana):
    # Given two people on mastodon.example, one following ana, and a post of the other
    rob = await remote_person(world.federation, "rob")
    sam = await remote_person(world.federation, "sam")
    async with world.db.write() as conn:
        await follow_store.upsert_follow(
            conn, follower_id=rob.id, followed_id=ana.id, uri=f"{rob.uri}#f/1", state="accepted"
        )
    note = await post_service.publish_note(world.services, ana, "Bonjour")
    after = await last_queued_id(world.db)

    # When ana blocks the domain (as typed, with its scheme)
    assert await blocks.block_domain(world.services, ana, "https://Mastodon.example/") == (
        "mastodon.example"
    )

    # Then rob no longer follows ana (his server gets a Reject), sam shows as hidden
    assert await _follow_state(world, rob, ana) is None
    assert [q.type for q in await queued(world.db, after=after)] == ["Reject"]
    assert (await _relation(world, ana, sam)).domain_blocking
    async with world.db.read() as conn:
        assert await blocks.hidden_authors(conn, ana, [sam.id, note.actor_id]) == {sam.id}
    [(_, domain)] = await blocks.blocked_domains(world.services, ana, PAGE)
    assert domain == "mastodon.example"

    # When ana lifts it, nothing is hidden any more
    await blocks.unblock_domain(world.services, ana, "mastodon.example")
    assert not (await _relation(world, ana, sam)).domain_blocking
