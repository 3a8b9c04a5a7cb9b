"""The layout's entries: the phone's bottom bar and the header's menu, and the Messages
entry that appears once a page defines `unread_messages` (the messages pages do)."""

from __future__ import annotations


async def test_the_bottom_bar_holds_the_main_entries(inst, alice, alice_web):
    page = await alice_web.get("/feed")
    bar = page.text.split('<nav class="tab-bar"')[1].split("</nav>")[0]
    for href in ('href="/feed"', 'href="/new/offer"', 'href="/notifications"', 'href="/@alice"'):
        assert href in bar
    # No Messages entry while no page defines the count
    assert 'href="/messages"' not in page.text


async def test_a_messages_entry_with_its_count_when_defined(inst, alice, alice_web):
    pages = inst.app.state.pages
    pages.env.globals["unread_messages"] = 3
    try:
        page = await alice_web.get("/feed")
    finally:
        del pages.env.globals["unread_messages"]
    bar = page.text.split('<nav class="tab-bar"')[1].split("</nav>")[0]
    assert 'href="/messages"' in bar and ">3</span>" in bar
