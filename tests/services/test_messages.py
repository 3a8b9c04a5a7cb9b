"""Messages: one thread per neighbour and per listing, whoever writes and from wherever.

An interest note opens the listing's thread with its author; replies continue it, each
one a Mastodon direct message in reply to the one before; a message from a profile opens
the pair's own thread; direct messages from Mastodon and GoToSocial land in the same
threads; only the two people of a thread see it.
"""

from __future__ import annotations

import pytest

from fedlocal.boundary.paging import PageQuery
from fedlocal.services import interest, listings, messages
from fedlocal.services import posts as post_service
from fedlocal.services.errors import Forbidden, InvalidInput, NotFound
from fedlocal.services.listings import ListingInput
from fedlocal.store import notifications as notification_store
from tests.services.sharing_support import (
    AREA,
    deliver_and_process,
    last_queued_id,
    queued,
    remote_person,
    resident,
)
from tests.support.instance import running_instance

DRILL = ListingInput(kind="offer", intent="lend", title="Perceuse à prêter")


async def _threads(world, actor):
    return await messages.threads(world.services, actor, PageQuery(limit=40))


async def test_an_interest_note_opens_the_listing_thread_and_the_reply_continues_it(
    world, ana, bea
):
    # Given ana's offer
    offer = await listings.publish_listing(world.services, ana, DRILL)

    # When bea is interested, with a note
    note = await interest.express_interest(world.services, bea, offer.uri, "Samedi ?")

    # Then ana has one unread thread with bea about the offer, holding the note
    [summary] = await _threads(world, ana)
    assert summary.other.id == bea.id
    assert summary.listing is not None and summary.listing.id == offer.id
    assert summary.last is not None and summary.last.id == note.id
    assert summary.unread
    assert await messages.unread_count(world.services, ana) == 1
    [mine] = await _threads(world, bea)
    assert mine.thread.id == summary.thread.id and not mine.unread

    # When ana reads it and answers
    page = await messages.thread(world.services, ana, summary.thread.id)
    assert [m.id for m in page.messages] == [note.id]
    assert (page.other.id, page.listing.id) == (bea.id, offer.id)
    assert await messages.unread_count(world.services, ana) == 0
    after = await last_queued_id(world.db)
    answer = await messages.reply(world.services, ana, summary.thread.id, "Oui, à 10 h.")

    # Then the answer is a direct message to bea in reply to her note, in the same thread,
    # unread for bea, and bea hears of it as a mention
    assert answer.visibility == "direct"
    assert answer.in_reply_to_uri == note.uri
    [again] = await _threads(world, bea)
    assert again.thread.id == summary.thread.id and again.unread
    assert again.last.id == answer.id
    page = await messages.thread(world.services, bea, summary.thread.id)
    assert [m.id for m in page.messages] == [note.id, answer.id]
    async with world.db.read() as conn:
        heard = await notification_store.list_for(conn, bea.id, types=("mention",))
    assert [n.post_id for n in heard] == [answer.id]
    # Nothing leaves: both are residents here (a direct post goes to no follower)
    assert all(q.followers_of is None for q in await queued(world.db, after=after))


async def test_a_message_from_a_profile_opens_the_pair_thread_apart_from_listings(world, ana, bea):
    # Given bea's thread with ana about ana's offer
    offer = await listings.publish_listing(world.services, ana, DRILL)
    await interest.express_interest(world.services, bea, offer.uri, "Samedi ?")

    # When bea writes to ana from her profile, twice
    thread, first = await messages.write_to(world.services, bea, ana, "Bonjour voisine !")
    same, second = await messages.write_to(world.services, bea, ana, "Et merci encore.")

    # Then that is one thread of their own, without a listing; the second message answers
    # the first
    assert same.id == thread.id
    assert thread.listing_id is None
    assert first.in_reply_to_uri is None
    assert second.in_reply_to_uri == first.uri
    listed = await _threads(world, ana)
    assert [(s.thread.id, s.listing is None) for s in listed][0] == (thread.id, True)
    assert len(listed) == 2


async def test_only_the_two_people_see_a_thread(world, ana, bea, carl):
    # Given a thread between ana and bea
    thread, _ = await messages.write_to(world.services, ana, bea, "C'est entre nous.")

    # Then carl can neither read it, answer in it, mark it nor hide it
    with pytest.raises(NotFound):
        await messages.thread(world.services, carl, thread.id)
    with pytest.raises(NotFound):
        await messages.reply(world.services, carl, thread.id, "Coucou")
    with pytest.raises(NotFound):
        await messages.mark_read(world.services, carl, thread.id)
    with pytest.raises(NotFound):
        await messages.hide(world.services, carl, thread.id)
    assert await _threads(world, carl) == []


async def test_messages_go_to_people_only(world, ana):
    with pytest.raises(InvalidInput):
        await messages.write_to(world.services, ana, ana, "Moi-même")
    with pytest.raises(InvalidInput):
        await messages.write_to(world.services, ana, world.community, "Le quartier")
    with pytest.raises(Forbidden):
        await messages.write_to(world.services, world.community, ana, "Annonce")


async def test_a_hidden_thread_comes_back_with_the_next_message(world, ana, bea):
    thread, _ = await messages.write_to(world.services, ana, bea, "Premier")
    await messages.hide(world.services, bea, thread.id)
    assert await _threads(world, bea) == []
    await messages.reply(world.services, ana, thread.id, "Second")
    [back] = await _threads(world, bea)
    assert back.thread.id == thread.id and back.unread


async def test_a_direct_status_joins_the_thread_it_answers(world, ana, bea):
    # Given a thread between ana and bea
    thread, first = await messages.write_to(world.services, ana, bea, "Tu as un marteau ?")

    # When bea answers from a Mastodon app: a direct status in reply to ana's message
    answer = await post_service.publish_note(
        world.services, bea, "Oui !", visibility="direct", in_reply_to=first.uri, mentions=[ana]
    )

    # Then it is in the thread
    page = await messages.thread(world.services, ana, thread.id)
    assert [m.id for m in page.messages] == [first.id, answer.id]


async def test_a_message_to_a_remote_person_leaves_as_a_mastodon_direct_message(world, ana):
    # Given lea on Mastodon
    lea = await remote_person(world.federation, "lea")
    after = await last_queued_id(world.db)

    # When ana writes to her, then again
    _thread, first = await messages.write_to(world.services, ana, lea, "Bonjour Léa")
    _thread, second = await messages.write_to(world.services, ana, lea, "Tu es là ?")

    # Then each is a Create of a Note addressed to lea only, mentioning her, the second in
    # reply to the first, delivered to her server only
    first_create, second_create = await queued(world.db, after=after)
    for create in (first_create, second_create):
        note = create.body["object"]
        assert note["type"] == "Note"
        assert note["to"] == [lea.uri] and note["cc"] == []
        assert create.body["to"] == [lea.uri]
        assert {"type": "Mention", "href": lea.uri, "name": f"@{lea.handle}"} in note["tag"]
        assert create.followers_of is None
        assert create.inboxes == [lea.delivery_inbox]
    assert "inReplyTo" not in first_create.body["object"]
    assert second_create.body["object"]["inReplyTo"] == first.uri


# --- direct messages from other servers ---------------------------------------------------


@pytest.fixture
async def inst(tmp_path, stub):
    async with running_instance(tmp_path, run_workers=False, area=AREA) as instance:
        yield instance


@pytest.mark.parametrize("software", ["mastodon", "gotosocial"])
async def test_direct_messages_from_other_servers_land_in_the_thread(inst, stub, software):
    # Given ana's offer here, and alice on another server
    ana = await resident(inst.federation, "ana")
    offer = await listings.publish_listing(inst.services, ana, DRILL)
    alice = stub.add_actor("alice", software=software)

    def direct(status_id: str, in_reply_to: str, text: str) -> dict:
        return alice.fixture(
            f"{software}/create-direct-note.json",
            status_id=status_id,
            mentioned=ana.uri,
            mentioned_acct=ana.handle,
            in_reply_to=in_reply_to,
            text=text,
        )

    # When alice answers the offer with a direct message
    await deliver_and_process(inst, stub, alice, direct("501", offer.uri, "Je peux passer ?"))

    # Then ana has the listing's thread with alice, unread
    [summary] = await _threads(inst, ana)
    assert summary.listing is not None and summary.listing.id == offer.id
    assert summary.other.uri == alice.uri and summary.unread
    assert "Je peux passer ?" in summary.last.content

    # When ana answers, and alice answers that (in reply to ana's message)
    answer = await messages.reply(inst.services, ana, summary.thread.id, "Oui, demain.")
    await deliver_and_process(inst, stub, alice, direct("502", answer.uri, "Parfait, merci"))

    # Then the three messages are one thread, in order, unread again for ana
    page = await messages.thread(inst.services, ana, summary.thread.id, mark_read=False)
    assert [m.uri for m in page.messages] == [
        f"{alice.uri}/statuses/501",
        answer.uri,
        f"{alice.uri}/statuses/502",
    ]
    assert page.member.unread
    assert answer.in_reply_to_uri == f"{alice.uri}/statuses/501"

    # And a message about nothing in particular opens their own thread
    await deliver_and_process(
        inst, stub, alice, direct("503", f"{alice.uri}/statuses/1", "Autre chose")
    )
    listed = await _threads(inst, ana)
    assert len(listed) == 2
    assert listed[0].listing is None and "Autre chose" in listed[0].last.content
