"""Verified organisations, reserved categories and pins, at the service floor: every way
in (web form, client API, command line) ends here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fedlocal.services import accounts, audit, events, listings, organizations, pins, posts
from fedlocal.services.errors import Forbidden, InvalidInput, NotFound
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store
from tests.services.sharing_support import effects, last_queued_id, queued


async def account(world, name: str):
    _account, actor = await accounts.create_account(world.services, name, "a long password")
    return actor


@pytest.fixture
async def mairie(world):
    await account(world, "mairie")
    return await organizations.set_organization(
        world.services, "mairie", "town_hall", by_account_id=None
    )


@pytest.fixture
async def anne(world):
    return await account(world, "anne")


def town_hall_news(**changes) -> ListingInput:
    fields = {
        "kind": "request",
        "intent": "help",
        "title": "Bénévoles pour la fête du quartier",
        "description": "Montage des stands samedi matin.",
        "category": "town-hall",
        "quarter": "Intra-Muros",
    }
    return ListingInput(**{**fields, **changes})


async def test_an_admin_marks_an_account_as_an_organisation_and_back(world, anne):
    admin, _actor = await accounts.create_account(
        world.services, "gerante", "a long password", admin=True
    )
    mark = await last_queued_id(world.db)

    marked = await organizations.set_organization(
        world.services, "anne", "producer", by_account_id=admin.id
    )

    # The change is in the audit log, with its author
    [entry] = await audit.entries(world.services, admin)
    assert (entry.action, entry.target, entry.note) == (
        "set_organization",
        f"account:@{anne.handle}",
        "producer",
    )
    assert entry.account_id == admin.id

    assert marked.organization_type == "producer"
    # Her followers learn it: an Update of her actor, now an Organization
    sent = [q.body for q in await queued(world.db, after=mark)]
    assert [a["type"] for a in sent] == ["Update"]
    assert sent[0]["object"]["type"] == "Organization"
    assert sent[0]["object"]["organizationType"] == "producer"

    again = await organizations.set_organization(world.services, "anne", None, by_account_id=None)
    assert again.organization_type is None
    async with world.db.read() as conn:
        assert (await actor_store.get_actor(conn, anne.id)).organization_type is None


async def test_an_unknown_type_or_account_is_refused(world, anne):
    with pytest.raises(InvalidInput, match="unknown organisation type"):
        await organizations.set_organization(world.services, "anne", "bank", by_account_id=None)
    with pytest.raises(NotFound):
        await organizations.set_organization(world.services, "nobody", "shop", by_account_id=None)


async def test_a_resident_cannot_publish_in_the_town_hall_category(world, anne):
    before = await effects(world.db)

    with pytest.raises(InvalidInput, match="reserved") as refused:
        await listings.publish_listing(world.services, anne, town_hall_news())

    assert refused.value.field == "category"
    assert await effects(world.db) == before


async def test_a_resident_cannot_file_a_note_or_event_there_either(world, anne):
    before = await effects(world.db)
    with pytest.raises(InvalidInput, match="reserved"):
        await posts.publish_note(world.services, anne, "Travaux", category="town-hall")
    with pytest.raises(InvalidInput, match="reserved"):
        await events.publish_event(
            world.services,
            anne,
            events.EventInput(
                title="Conseil municipal",
                description="",
                starts_at=datetime.now(UTC) + timedelta(days=10),
                category="town-hall",
                quarter="Intra-Muros",
            ),
        )
    assert await effects(world.db) == before


async def test_the_town_hall_publishes_there(world, mairie):
    post = await listings.publish_listing(world.services, mairie, town_hall_news())
    note = await posts.publish_note(world.services, mairie, "Travaux", category="town-hall")

    assert post.category == note.category == "town-hall"
    assert "mairie" in note.hashtags


async def test_pins_as_mastodon_allows_them(world, anne, bea):
    own = [await posts.publish_note(world.services, anne, f"Annonce {i}") for i in range(6)]
    mark = await last_queued_id(world.db)

    for post in own[:5]:
        await pins.pin(world.services, anne, post.id)
    await pins.pin(world.services, anne, own[0].id)  # again: nothing changes

    with pytest.raises(InvalidInput, match="at most 5"):
        await pins.pin(world.services, anne, own[5].id)
    with pytest.raises(Forbidden):
        await pins.pin(world.services, bea, own[5].id)
    message = await posts.publish_note(world.services, anne, "@bea coucou", visibility="direct")
    with pytest.raises(InvalidInput, match="public and unlisted"):
        await pins.pin(world.services, anne, message.id)

    pinned = await pins.pinned_posts(world.services, anne)
    assert [p.id for p in pinned] == [p.id for p in reversed(own[:5])]
    adds = [q.body for q in await queued(world.db, after=mark) if q.body["type"] == "Add"]
    assert len(adds) == 5
    assert adds[0]["object"] == own[0].uri
    assert adds[0]["target"] == f"{anne.uri}/collections/featured"

    mark = await last_queued_id(world.db)
    await pins.unpin(world.services, anne, own[0].id)
    await pins.unpin(world.services, anne, own[0].id)  # again: nothing sent
    removes = [q.body for q in await queued(world.db, after=mark)]
    assert [(r["type"], r["object"]) for r in removes] == [("Remove", own[0].uri)]


async def test_only_organisations_pins_top_the_feeds(world, mairie, anne):
    resident_pin = await posts.publish_note(world.services, anne, "Mon annonce")
    await pins.pin(world.services, anne, resident_pin.id)
    announcement = await posts.publish_note(world.services, mairie, "Fête du quartier samedi")
    await pins.pin(world.services, mairie, announcement.id)

    shown = await pins.organization_announcements(world.services)

    assert [(p.id, a.id) for p, a in shown] == [(announcement.id, mairie.id)]
