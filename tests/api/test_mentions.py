"""Mentions are linked where they stand, in Mastodon's markup, with their `Mention` tags:
ours by name, others found through WebFinger; a name nobody answers to stays text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.remote_stub import RemoteStub, remote_stub
from tests.support.waiting import wait_for

DEADLINE = 15.0


@pytest.fixture
async def stub() -> AsyncIterator[RemoteStub]:
    async with remote_stub() as found:
        yield found


def mention_markup(href: str, username: str) -> str:
    return (
        f'<span class="h-card" translate="no"><a href="{href}" class="u-url mention">'
        f"@<span>{username}</span></a></span>"
    )


async def test_mentions_in_the_middle_of_a_post_are_linked_where_they_stand(
    inst, http, ana, bob, stub
) -> None:
    # Given alice on a Mastodon server
    alice = stub.add_actor("alice")
    text = f"Merci @ana et @{alice.handle} pour hier, et salut @personne !"

    # When bob posts a thank-you naming them in the middle of his sentence
    posted = (
        await http.post("/api/v1/statuses", headers=bob.headers, data={"status": text})
    ).json()

    # Then each mention is a link where it was written, in one paragraph, and nothing else
    ana_url = f"{inst.base_url}/@ana"
    alice_url = alice.document()["url"]
    assert posted["content"] == (
        f"<p>Merci {mention_markup(ana_url, 'ana')} et {mention_markup(alice_url, 'alice')}"
        " pour hier, et salut @personne !</p>"
    )
    assert sorted(m["acct"] for m in posted["mentions"]) == sorted(["ana", alice.handle])

    # And the Create that reaches alice carries the same content and both Mention tags
    async def delivered():
        return [
            r for r in stub.received_of_type("Create") if r.body["object"]["id"] == posted["uri"]
        ]

    [create] = await wait_for(delivered, timeout=DEADLINE, message="the Create to alice")
    note = create.body["object"]
    assert note["content"] == posted["content"]
    mentions = {(t["href"], t["name"]) for t in note["tag"] if t["type"] == "Mention"}
    assert mentions == {
        (f"{inst.base_url}/users/ana", f"@ana@{inst.config.domain}"),
        (alice.uri, f"@{alice.handle}"),
    }


async def test_a_reply_links_the_mention_it_starts_with_in_place(inst, http, ana, bob) -> None:
    first = (
        await http.post(
            "/api/v1/statuses", headers=ana.headers, data={"status": "Qui a une échelle ?"}
        )
    ).json()

    reply = (
        await http.post(
            "/api/v1/statuses",
            headers=bob.headers,
            data={"status": "@ana moi, passe la prendre", "in_reply_to_id": first["id"]},
        )
    ).json()

    assert reply["content"] == (
        f"<p>{mention_markup(f'{inst.base_url}/@ana', 'ana')} moi, passe la prendre</p>"
    )
