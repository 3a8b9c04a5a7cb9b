"""Messages between two fedlocal instances over loopback HTTP.

A resident of B says they are interested in an offer of A, with a note: the author on A
finds it in their messages (the offer's thread with that neighbour) and in their
notifications (naming the offer, linking to the thread). The author answers from the
thread; the answer reaches the neighbour's thread on B, the same one their note is in.
"""

from __future__ import annotations

import pytest

from fedlocal.boundary.paging import PageQuery
from fedlocal.services import interest, listings, messages, notifications
from fedlocal.services.accounts import create_account
from fedlocal.services.listings import ListingInput
from fedlocal.services.search import search
from fedlocal.store import posts as post_store
from tests.support.instance import running_instance
from tests.support.waiting import wait_for

QUARTERS = [{"name": "Intra-Muros", "latitude": 48.6493, "longitude": -2.0257}]
EVERYTHING = PageQuery(limit=40)


@pytest.fixture
async def pair(tmp_path):
    async with (
        running_instance(tmp_path / "a", area={"quarters": QUARTERS}) as a,
        running_instance(tmp_path / "b") as b,
    ):
        yield a, b


async def _post_at(instance, uri):
    async with instance.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def test_an_interest_note_and_its_answer_travel_as_one_thread(pair):
    a, b = pair
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    offer = await listings.publish_listing(
        a.services,
        ana,
        ListingInput(kind="offer", intent="lend", title="Perceuse à prêter", quarter="Intra-Muros"),
    )
    # B holds the offer as bruno found it (a search by its URL fetches it)
    await search(b.services, bruno, offer.uri, resolve=True)
    assert await _post_at(b, offer.uri) is not None

    # When bruno is interested, with a note
    note = await interest.express_interest(b.services, bruno, offer.uri, "Samedi ça irait ?")

    # Then ana has the offer's thread with bruno, unread, holding the note
    async def ana_thread():
        found = await messages.threads(a.services, ana, EVERYTHING)
        return found[0] if found and found[0].last is not None else None

    summary = await wait_for(ana_thread, message="the note in ana's messages on A")
    assert summary.other.uri == bruno.uri
    assert summary.listing is not None and summary.listing.uri == offer.uri
    assert summary.last.uri == note.uri and "Samedi ça irait ?" in summary.last.content
    assert summary.unread
    # And an interest notification naming the offer, with the thread to answer in
    [entry] = await notifications.entries(a.services, ana, max_id=None, limit=10)
    assert entry.notification.type == "interest"
    assert entry.post is not None and entry.post.uri == offer.uri
    assert entry.thread_id == summary.thread.id

    # When ana answers from the thread
    answer = await messages.reply(a.services, ana, summary.thread.id, "Oui, samedi 10 h.")

    # Then it reaches bruno's thread on B: the same thread as his note, about the offer
    async def bruno_answered():
        [found] = await messages.threads(b.services, bruno, EVERYTHING)
        return found if found.last is not None and found.last.uri == answer.uri else None

    his = await wait_for(bruno_answered, message="ana's answer in bruno's thread on B")
    assert his.unread and his.other.uri == ana.uri
    assert his.listing is not None and his.listing.uri == offer.uri
    page = await messages.thread(b.services, bruno, his.thread.id)
    assert [m.uri for m in page.messages] == [note.uri, answer.uri]
    copy = page.messages[1]
    assert copy.visibility == "direct" and copy.in_reply_to_uri == note.uri
    assert "Oui, samedi 10 h." in copy.content
