"""Local-only is contagious: a reply in a local-only thread stays on this instance, however
it is made, and never widens who may read it."""

from __future__ import annotations

import pytest

from fedlocal.services import interest, listings, posts
from fedlocal.services.listings import ListingInput
from tests.services.sharing_support import fresh, last_queued_id, queued, remote_person


@pytest.fixture
async def thread(world, ana):
    """ana's local-only note, and the outgoing queue's position after it."""
    note = await posts.publish_note(world.services, ana, "Qui a un escabeau ?", visibility="local")
    return note, await last_queued_id(world.db)


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
async def test_a_public_reply_to_a_local_only_post_is_local_only(world, thread, bea, visibility):
    note, mark = thread

    reply = await posts.publish_note(
        world.services, bea, "Moi !", visibility=visibility, in_reply_to=note.uri
    )

    assert (reply.visibility, reply.is_local_only) == ("local", True)
    assert reply.in_reply_to_uri == note.uri
    # Nothing queued for other servers: no Create, no Announce by the community
    assert await queued(world.db, after=mark) == []


async def test_a_reply_to_a_reply_stays_local_only(world, thread, bea, carl):
    note, mark = thread
    reply = await posts.publish_note(world.services, bea, "Moi !", in_reply_to=note.uri)

    again = await posts.publish_note(world.services, carl, "Moi aussi", in_reply_to=reply.uri)

    assert (again.visibility, again.is_local_only) == ("local", True)
    assert await queued(world.db, after=mark) == []


@pytest.mark.parametrize("visibility", ["followers", "direct"])
async def test_a_private_reply_keeps_its_audience_and_stays_here(
    world, thread, bea, carl, visibility
):
    # Given bea has a follower on another server, and mentions someone there too
    note, _ = thread
    far = await remote_person(world.federation, "far")
    mark = await last_queued_id(world.db)

    # When she answers ana's local-only note to her followers, or to carl and far only
    reply = await posts.publish_note(
        world.services,
        bea,
        "Je peux le prêter",
        visibility=visibility,
        in_reply_to=note.uri,
        mentions=[carl, far],
    )

    # Then it keeps its narrower audience, is marked local-only, and goes nowhere
    assert (reply.visibility, reply.is_local_only) == (visibility, True)
    assert (await fresh(world.db, reply)).is_local_only
    assert await queued(world.db, after=mark) == []
    # And a reply to it is local-only in turn
    again = await posts.publish_note(world.services, carl, "Merci", in_reply_to=reply.uri)
    assert again.is_local_only
    assert await queued(world.db, after=mark) == []


async def test_interest_in_a_local_only_offer_stays_here(world, ana, bea):
    offer = await listings.publish_listing(
        world.services,
        ana,
        ListingInput(kind="offer", title="Escabeau", category="objects", visibility="local"),
    )
    mark = await last_queued_id(world.db)

    message = await interest.express_interest(world.services, bea, offer.uri)

    assert (message.visibility, message.is_local_only) == ("direct", True)
    assert await queued(world.db, after=mark) == []


async def test_a_reply_to_a_public_post_is_not_affected(world, ana, bea):
    note = await posts.publish_note(world.services, ana, "Bonjour le quartier")
    mark = await last_queued_id(world.db)

    reply = await posts.publish_note(world.services, bea, "Bonjour !", in_reply_to=note.uri)

    assert (reply.visibility, reply.is_local_only) == ("public", False)
    assert [q.type for q in await queued(world.db, after=mark)] == ["Create", "Announce"]
