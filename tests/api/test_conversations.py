"""Threads of messages from a Mastodon app (Mastodon.py): the interest note is a
conversation with the neighbour, a direct status answering it joins it, marking it read,
paging by the Link header, and hiding one until its next message."""

from __future__ import annotations

import httpx
import pytest
from mastodon.errors import MastodonNotFoundError

from fedlocal.services import accounts, interest, listings, messages
from fedlocal.services.listings import ListingInput
from tests.api.conftest import PASSWORD
from tests.api.test_clients import in_thread, mastodon_login
from tests.support.instance import running_instance


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, default_language="fr") as instance:
        yield instance


async def test_a_thread_read_and_answered_from_a_mastodon_app(inst):
    # Given ana's offer and bob's interest in it, with a note
    _, ana = await accounts.create_account(inst.services, "ana", PASSWORD)
    _, bob = await accounts.create_account(inst.services, "bob", PASSWORD)
    offer = await listings.publish_listing(
        inst.services, ana, ListingInput(kind="offer", intent="lend", title="Perceuse")
    )
    note = await interest.express_interest(inst.services, bob, offer.uri, "Samedi ?")
    ana_app = await mastodon_login(inst.base_url, "ana")
    bob_app = await mastodon_login(inst.base_url, "bob")

    # When ana's app lists her conversations
    [conversation] = await in_thread(ana_app.conversations)

    # Then the thread is there, unread, with bob and his note
    assert conversation.unread is True
    assert [a.acct for a in conversation.accounts] == ["bob"]
    assert str(conversation.last_status.id) == str(note.id)
    assert "Samedi ?" in conversation.last_status.content
    assert conversation.last_status.visibility == "direct"

    # When she marks it read, and answers with a direct status in reply to the note
    marked = await in_thread(ana_app.conversations_read, conversation.id)
    assert marked.unread is False
    answer = await in_thread(
        ana_app.status_post,
        "@bob Oui, à 10 h.",
        visibility="direct",
        in_reply_to_id=conversation.last_status.id,
    )

    # Then the answer is the same thread's last status, for both; unread for bob only
    [mine] = await in_thread(ana_app.conversations)
    assert (mine.id, mine.unread) == (conversation.id, False)
    assert mine.last_status.id == answer.id
    [his] = await in_thread(bob_app.conversations)
    assert (his.id, his.unread) == (conversation.id, True)
    assert [a.acct for a in his.accounts] == ["ana"]
    page = await messages.thread(inst.services, bob, int(his.id), mark_read=False)
    assert [m.id for m in page.messages] == [note.id, int(answer.id)]
    assert await in_thread(bob_app.conversations_read, his.id)
    assert (await in_thread(bob_app.conversations))[0].unread is False

    # And someone else's conversation is not found
    with pytest.raises(MastodonNotFoundError):
        await in_thread(bob_app.conversations_read, "999999")


async def test_conversations_page_by_link_and_hide_until_the_next_message(inst):
    # Given ana writing to three neighbours
    _, ana = await accounts.create_account(inst.services, "ana", PASSWORD)
    others = []
    for name in ("bob", "chloe", "dan"):
        _, other = await accounts.create_account(inst.services, name, PASSWORD)
        others.append(other)
        await messages.write_to(inst.services, ana, other, f"Bonjour {name}")
    app = await mastodon_login(inst.base_url, "ana")

    # When her app reads them two at a time
    first = await in_thread(app.conversations, limit=2)
    second = await in_thread(app.fetch_next, first)

    # Then newest first, across the pages, each once
    accts = [c.accounts[0].acct for c in first] + [c.accounts[0].acct for c in second]
    assert accts == ["dan", "chloe", "bob"]

    # When she hides dan's; then dan answers
    # (Mastodon.py has no call for it: the request as an app sends it)
    async with httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as http:
        hidden = await http.delete(
            f"/api/v1/conversations/{first[0].id}",
            headers={"Authorization": f"Bearer {app.access_token}"},
        )
    assert (hidden.status_code, hidden.json()) == (200, {})
    assert [c.accounts[0].acct for c in await in_thread(app.conversations)] == ["chloe", "bob"]
    await messages.reply(inst.services, others[2], int(first[0].id), "Salut !")

    # Then it is back, first and unread
    back = (await in_thread(app.conversations))[0]
    assert (back.id, back.unread) == (first[0].id, True)
