"""The layout's entries: the phone's bottom bar and the header's menu, with Messages and
its unread count."""

from __future__ import annotations

from fedlocal.services import messages

from .conftest import make_resident


async def test_the_bottom_bar_holds_the_main_entries(inst, alice, alice_web):
    page = await alice_web.get("/feed")
    bar = page.text.split('<nav class="tab-bar"')[1].split("</nav>")[0]
    for href in (
        'href="/feed"',
        'href="/new/offer"',
        'href="/messages"',
        'href="/notifications"',
        'href="/@alice"',
    ):
        assert href in bar


async def test_the_messages_entry_counts_unread_threads(inst, alice, alice_web):
    # Given a message from bob to alice
    _, bob = await make_resident(inst, "bob", display_name="Bob")
    await messages.write_to(inst.services, bob, alice[1], "Bonjour !")
    # Then both the bar and the header's menu count it
    page = await alice_web.get("/feed")
    bar = page.text.split('<nav class="tab-bar"')[1].split("</nav>")[0]
    assert 'href="/messages"' in bar and ">1</span>" in bar
