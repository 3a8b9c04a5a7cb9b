"""Trust between residents: vouching, the `vouch` sign-up mode, who vouched (with
consent), and new accounts' daily limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from fedlocal.services import (
    accounts,
    events,
    listings,
    messages,
    moderation_actions,
    posts,
    signup,
    vouches,
)
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedlocal.services.interest import express_interest
from fedlocal.services.listings import ListingInput
from fedlocal.services.login import AwaitingApproval, log_in
from fedlocal.services.new_accounts import NewAccountLimit
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import accounts as account_table
from fedlocal.store.tables import notifications, objects
from fedlocal.store.tables import vouches as vouch_table
from tests.services.sharing_support import local_world, remote_person

PASSWORD = "a long enough password"
LIMITS = {"new_account_days": 7, "new_account_posts_per_day": 2, "new_account_messages_per_day": 2}


@pytest.fixture
async def vouch_world(tmp_path):
    async with local_world(tmp_path, signup_mode="vouch", vouches_needed=2) as world:
        yield world


@pytest.fixture
async def limited_world(tmp_path):
    async with local_world(tmp_path, **LIMITS) as world:
        yield world


async def _resident(world, name: str, **options):
    return await accounts.create_account(world.services, name, PASSWORD, **options)


async def _newcomer(world, name: str = "nina"):
    return await signup.sign_up(
        world.services,
        username=name,
        password=PASSWORD,
        presentation="Nina, au 3 rue de Dinan, la fille de Monique",
        quarter="intra muros",
        agreement=True,
    )


async def _count(world, table, *where) -> int:
    async with world.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar()


async def _fresh(world, account_id: int):
    async with world.db.read() as conn:
        query = select(account_table).where(account_table.c.id == account_id)
        return (await conn.execute(query)).one()


# --- vouching ------------------------------------------------------------------------------


async def test_a_newcomer_waits_until_two_residents_vouch_then_is_welcomed(vouch_world):
    # Given two residents and a newcomer who wrote who they are
    ana, _ = await _resident(vouch_world, "ana")
    bea, _ = await _resident(vouch_world, "bea")
    nina, nina_actor = await _newcomer(vouch_world)
    assert not nina.is_approved
    assert nina_actor.home_quarter == "Intra-Muros"
    waiting = await vouches.waiting(vouch_world.services, ana)
    assert [(w.account.username, w.presentation, w.vouches) for w in waiting] == [
        ("nina", "Nina, au 3 rue de Dinan, la fille de Monique", 0)
    ]

    # When the first vouches: still waiting, and she cannot log in yet
    assert not await vouches.vouch(vouch_world.services, ana, nina.actor_id)
    with pytest.raises(AwaitingApproval) as refused:
        await log_in(vouch_world.services, "nina", PASSWORD, address="192.0.2.1")
    assert refused.value.account is not None
    assert await vouches.my_vouches(vouch_world.services, refused.value.account) == (1, 2)

    # When the second vouches: her account opens
    assert await vouches.vouch(vouch_world.services, bea, nina.actor_id)

    # Then she logs in, and finds who vouched and her welcome among her notifications
    await log_in(vouch_world.services, "nina", PASSWORD, address="192.0.2.1")
    async with vouch_world.db.read() as conn:
        told = sorted(
            tuple(row)
            for row in await conn.execute(
                select(notifications.c.type, notifications.c.actor_id).where(
                    notifications.c.recipient_id == nina.actor_id
                )
            )
        )
    assert told == sorted(
        [("vouch", ana.actor_id), ("vouch", bea.actor_id), ("signup_approved", bea.actor_id)]
    )
    assert await vouches.waiting(vouch_world.services, ana) == []


async def test_an_admin_still_approves_a_waiting_newcomer_and_she_is_welcomed(vouch_world):
    admin, admin_actor = await _resident(vouch_world, "anne", admin=True)
    nina, _ = await _newcomer(vouch_world)

    assert [acc.id for acc, _ in await signup.pending_signups(vouch_world.services, admin)] == [
        nina.id
    ]
    await signup.approve_signup(vouch_world.services, admin, nina.id)

    assert (await _fresh(vouch_world, nina.id)).is_approved
    assert (
        await _count(
            vouch_world,
            notifications,
            notifications.c.recipient_id == nina.actor_id,
            notifications.c.type == "signup_approved",
            notifications.c.actor_id == admin_actor.id,
        )
        == 1
    )


async def test_a_rejected_newcomer_leaves_no_vouch_behind(vouch_world):
    admin, _ = await _resident(vouch_world, "anne", admin=True)
    ana, _ = await _resident(vouch_world, "ana")
    nina, _ = await _newcomer(vouch_world)
    await vouches.vouch(vouch_world.services, ana, nina.actor_id)

    await signup.reject_signup(vouch_world.services, admin, nina.id)

    assert await _count(vouch_world, vouch_table) == 0


async def test_signing_up_to_be_vouched_needs_a_few_words_and_a_known_quarter(vouch_world):
    for presentation, quarter, field in (
        ("  ", None, "presentation"),
        ("x" * 501, None, "presentation"),
        ("Nina", "Atlantis", "quarter"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await signup.sign_up(
                vouch_world.services,
                username="nina",
                password=PASSWORD,
                presentation=presentation,
                quarter=quarter,
                agreement=True,
            )
        assert refused.value.field == field
    assert await _count(vouch_world, account_table) == 0


async def test_bad_vouches_are_refused_and_nothing_is_stored(vouch_world):
    ana, ana_actor = await _resident(vouch_world, "ana")
    nina, _ = await _newcomer(vouch_world)
    rob = await remote_person(vouch_world.federation, "rob")
    await vouches.vouch(vouch_world.services, ana, nina.actor_id)

    with pytest.raises(InvalidInput, match="yourself"):
        await vouches.vouch(vouch_world.services, ana, ana_actor.id)
    with pytest.raises(InvalidInput, match="residents of this instance"):
        await vouches.vouch(vouch_world.services, ana, rob.id)
    with pytest.raises(InvalidInput, match="residents of this instance"):
        await vouches.vouch(vouch_world.services, ana, vouch_world.community.id)
    with pytest.raises(NotFound):
        await vouches.vouch(vouch_world.services, ana, 987654)
    with pytest.raises(Conflict, match="already"):
        await vouches.vouch(vouch_world.services, ana, nina.actor_id)

    assert await _count(vouch_world, vouch_table) == 1
    assert await _count(vouch_world, notifications) == 1


async def test_only_active_residents_vouch(vouch_world):
    admin, _ = await _resident(vouch_world, "anne", admin=True)
    ana, ana_actor = await _resident(vouch_world, "ana")
    nina, nina_actor = await _newcomer(vouch_world)
    omar, _ = await _newcomer(vouch_world, "omar")

    # A waiting newcomer cannot vouch for another
    with pytest.raises(Forbidden):
        await vouches.vouch(vouch_world.services, nina, omar.actor_id)
    # Nor a suspended resident, nor can anyone vouch for one
    await moderation_actions.apply_to_resident(vouch_world.services, admin, "suspend", ana.id)
    with pytest.raises(Forbidden):
        await vouches.vouch(vouch_world.services, ana, omar.actor_id)
    with pytest.raises(NotFound):
        await vouches.vouch(vouch_world.services, admin, ana_actor.id)
    # Nor may a waiting newcomer see who else waits
    with pytest.raises(Forbidden):
        await vouches.waiting(vouch_world.services, nina)

    assert await _count(vouch_world, vouch_table) == 0
    assert nina_actor.id != ana_actor.id


async def test_a_withdrawn_vouch_no_longer_counts(vouch_world):
    ana, _ = await _resident(vouch_world, "ana")
    bea, _ = await _resident(vouch_world, "bea")
    nina, _ = await _newcomer(vouch_world)
    await vouches.vouch(vouch_world.services, ana, nina.actor_id)

    await vouches.withdraw(vouch_world.services, ana, nina.actor_id)
    with pytest.raises(NotFound):
        await vouches.withdraw(vouch_world.services, ana, nina.actor_id)
    await vouches.vouch(vouch_world.services, bea, nina.actor_id)

    assert not (await _fresh(vouch_world, nina.id)).is_approved
    assert [w.vouches for w in await vouches.waiting(vouch_world.services, bea)] == [1]


async def test_residents_see_no_waiting_list_outside_the_vouch_mode(world):
    ana, _ = await accounts.create_account(world.services, "ana", PASSWORD)
    with pytest.raises(NotFound):
        await vouches.waiting(world.services, ana)


async def test_a_profile_names_its_vouchers_only_with_both_consents(world):
    # Given ana and bea vouching for carl
    ana, ana_actor = await accounts.create_account(world.services, "ana", PASSWORD)
    bea, bea_actor = await accounts.create_account(world.services, "bea", PASSWORD)
    carl, carl_actor = await accounts.create_account(world.services, "carl", PASSWORD)
    for voucher in (ana, bea):
        await vouches.vouch(world.services, voucher, carl_actor.id)

    async def shown() -> list[str]:
        trust = await vouches.trust(world.services, None, carl_actor)
        return [actor.username for actor in trust.shown_vouchers]

    # Off by default: nobody is named
    assert await shown() == []
    # Ana agrees, but Carl does not show his: still nobody
    await vouches.set_shows_vouches(world.services, ana, True)
    assert await shown() == []
    # Carl agrees: only Ana, who agreed, is named
    await vouches.set_shows_vouches(world.services, carl, True)
    assert await shown() == ["ana"]
    # What the page offers its visitors
    seen_by_ana = await vouches.trust(world.services, ana, carl_actor)
    assert seen_by_ana.viewer_vouches and seen_by_ana.viewer_may_vouch
    seen_by_carl = await vouches.trust(world.services, carl, carl_actor)
    assert not seen_by_carl.viewer_may_vouch
    assert bea_actor.id != ana_actor.id


# --- new accounts' limits ------------------------------------------------------------------


def _offer(title: str) -> ListingInput:
    return ListingInput(kind="offer", intent="give", title=title, category="diy-gardening")


async def test_a_new_account_publishes_so_many_posts_of_any_kind_a_day(limited_world):
    ctx = limited_world.services
    _, ana = await _resident(limited_world, "ana")

    # Two posts of different kinds...
    await posts.publish_note(ctx, ana, "Bonjour les voisins")
    await listings.publish_listing(ctx, ana, _offer("Pots de fleurs"))
    # ...then neither a third note, an offer nor an event
    refusals = []
    for attempt in (
        posts.publish_note(ctx, ana, "Encore moi"),
        listings.publish_listing(ctx, ana, _offer("Vieux vélo")),
        events.publish_event(
            ctx,
            ana,
            events.EventInput(title="Apéro", starts_at=utcnow() + timedelta(days=3)),
        ),
    ):
        with pytest.raises(NewAccountLimit) as refused:
            await attempt
        refusals.append(refused.value)

    assert await _count(limited_world, objects, objects.c.actor_id == ana.id) == 2
    limit = refusals[0]
    assert limit.status == 429 and limit.kind == "post" and limit.limit == 2
    assert 23 * 3600 < limit.retry_after <= 24 * 3600
    assert "(posts: 2 in 24 hours" in limit.message


async def test_messages_have_their_own_limit_and_a_loan_step_is_never_refused(limited_world):
    ctx = limited_world.services
    _, ana = await _resident(limited_world, "ana")
    _, bea = await _resident(limited_world, "bea")
    offer = await listings.publish_listing(ctx, bea, _offer("Perceuse"))

    await messages.write_to(ctx, ana, bea, "Bonjour Bea")
    await express_interest(ctx, ana, offer.uri, "Elle m'intéresse")
    with pytest.raises(NewAccountLimit) as refused:
        await messages.write_to(ctx, ana, bea, "Tu es là ?")
    assert refused.value.kind == "message"
    # Posts are counted apart: ana may still publish
    await posts.publish_note(ctx, ana, "Bonjour le quartier")


async def test_the_limit_ends_with_the_first_week_and_spares_admins(limited_world):
    ctx = limited_world.services
    old, old_actor = await _resident(limited_world, "ana")
    _, admin = await _resident(limited_world, "anne", admin=True)
    async with limited_world.db.write() as conn:
        await conn.execute(
            update(account_table)
            .where(account_table.c.id == old.id)
            .values(created_at=utcnow() - timedelta(days=7, minutes=1))
        )

    for n in range(3):
        await posts.publish_note(ctx, old_actor, f"Note {n}")
        await posts.publish_note(ctx, admin, f"Note {n}")

    assert await _count(limited_world, objects, objects.c.is_local.is_(True)) == 6


async def test_a_new_account_may_publish_again_when_its_week_ends_if_sooner(limited_world):
    ctx = limited_world.services
    ana, ana_actor = await _resident(limited_world, "ana")
    joined = utcnow() - timedelta(days=6, hours=22)
    async with limited_world.db.write() as conn:
        await conn.execute(
            update(account_table).where(account_table.c.id == ana.id).values(created_at=joined)
        )
    await posts.publish_note(ctx, ana_actor, "Un")
    await posts.publish_note(ctx, ana_actor, "Deux")

    with pytest.raises(NewAccountLimit) as refused:
        await posts.publish_note(ctx, ana_actor, "Trois")

    assert refused.value.until == joined + timedelta(days=7)
    assert refused.value.retry_after <= 2 * 3600


def test_the_error_names_the_moment_in_utc():
    limit = NewAccountLimit(
        kind="message",
        limit=20,
        days=7,
        until=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
        now=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        timezone="Europe/Paris",
    )
    assert limit.retry_after == 1800
    assert limit.message == (
        "the limit for new accounts is reached (private messages: 20 in 24 hours during the"
        " first 7 days); you can write again from 2026-12-03 09:30 UTC"
    )
