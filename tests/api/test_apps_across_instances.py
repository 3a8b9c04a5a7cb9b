"""Edits, boosts and profile fields between two running instances, driven with
Mastodon.py on each: ana on A, bob on B.

Bob follows ana; ana edits her post and her profile; B shows the new version with its
history and her fields. Bob boosts her post from B — nobody on A follows him — and ana
is told, her post counting and listing his boost.
"""

from __future__ import annotations

from tests.api.test_clients import DELIVERY_DEADLINE, Pair, in_thread, mastodon_login, pair
from tests.support.waiting import wait_for

__all__ = ["pair"]


async def test_edits_boosts_and_fields_cross_instances(pair: Pair) -> None:
    a, b = pair.a, pair.b
    ana = await mastodon_login(a.base_url, "ana")
    bob = await mastodon_login(b.base_url, "bob")

    # Given bob (on B) follows ana (on A), and ana posts
    found = await in_thread(bob.search_v2, f"@ana@{a.config.domain}", resolve=True)
    ana_there = found.accounts[0]
    await in_thread(bob.account_follow, ana_there.id)

    async def following():
        relation = (await in_thread(bob.account_relationships, ana_there.id))[0]
        return relation.following

    await wait_for(following, timeout=DELIVERY_DEADLINE, message="A to accept bob's follow")
    posted = await in_thread(ana.status_post, "Vide-grenier dimanche")

    async def on_b(text: str):
        statuses = await in_thread(bob.account_statuses, ana_there.id)
        return next((s for s in statuses if text in s.content), None)

    there = await wait_for(
        lambda: on_b("dimanche"), timeout=DELIVERY_DEADLINE, message="the post on B"
    )

    # When ana edits it, and her profile
    await in_thread(ana.status_update, posted.id, "Vide-grenier samedi")
    await in_thread(
        ana.account_update_credentials,
        note="Voisine des Lilas",
        fields=[("Site", "https://ana.example")],
    )

    # Then B shows the new version, with both in its history
    edited = await wait_for(
        lambda: on_b("samedi"), timeout=DELIVERY_DEADLINE, message="the edit on B"
    )
    assert edited.id == there.id and edited.edited_at is not None
    history = await in_thread(bob.status_history, there.id)
    assert ["dimanche" in h.content for h in history] == [True, False]

    # And her profile on B carries the bio and the field
    async def profile_on_b():
        account = await in_thread(bob.account, ana_there.id)
        return account if account.fields else None

    profile = await wait_for(profile_on_b, timeout=DELIVERY_DEADLINE, message="her fields on B")
    assert "Voisine des Lilas" in profile.note
    assert profile.fields[0].name == "Site" and "https://ana.example" in profile.fields[0].value

    # When bob boosts her post from B
    await in_thread(bob.status_reblog, there.id)

    # Then ana is told, and her post counts and lists the boost
    async def boosted():
        return await in_thread(ana.notifications, types=["reblog"])

    [told] = await wait_for(boosted, timeout=DELIVERY_DEADLINE, message="the boost on A")
    assert told.account.acct == pair.bob_handle and told.status.id == posted.id
    assert (await in_thread(ana.status, posted.id)).reblogs_count == 1
    boosters = await in_thread(ana.status_reblogged_by, posted.id)
    assert [acc.acct for acc in boosters] == [pair.bob_handle]
