"""The legal pages' service, consent at sign-up, and the purges of data minimisation
(sessions and notifications, by the maintenance worker)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from fedlocal.config import Legal
from fedlocal.services import legal, signup
from fedlocal.services.accounts import create_account
from fedlocal.services.errors import Forbidden, InvalidInput, NotFound
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.store import notifications as notification_store
from fedlocal.store import sessions as session_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import accounts, notifications, terms_acceptances, web_sessions

PASSWORD = "a long enough password"


def configured(world, **changes):
    """The world's services with some config changed (the config is immutable)."""
    config = dataclasses.replace(world.services.config, **changes)
    return dataclasses.replace(world.services, config=config)


async def _count(world, table) -> int:
    async with world.db.read() as conn:
        return len((await conn.execute(select(table))).all())


async def test_each_page_is_its_template_filled_from_the_config(world):
    ctx = configured(
        world, legal=Legal(publisher="Mairie de Paramé", dpo_contact="dpo@parame.example")
    )
    for kind in legal.KINDS:
        for language in ("fr", "en"):
            page = await legal.page(ctx, kind, language)
            assert page.is_template and page.edits == 0 and page.html.startswith("<")
    privacy = await legal.page(ctx, "privacy", "fr")
    assert "Mairie de Paramé" in privacy.markdown and "dpo@parame.example" in privacy.html
    # A blank key says so, rather than leaving a hole
    assert "[à compléter]" in (await legal.page(ctx, "notice", "fr")).markdown
    assert "[to be completed]" in (await legal.page(ctx, "notice", "en")).markdown
    # A language without a template reads the English one
    assert (await legal.page(ctx, "terms", "br")).language == "en"
    with pytest.raises(NotFound):
        await legal.page(ctx, "cookies", "fr")


async def test_admins_edit_pages_every_version_is_kept_and_residents_cannot(world):
    admin, _ = await create_account(world.services, "mairie", PASSWORD, admin=True)
    resident, _ = await create_account(world.services, "lea", PASSWORD)

    with pytest.raises(Forbidden):
        await legal.save(world.services, resident, "terms", "fr", "Mes règles")
    await legal.save(world.services, admin, "terms", "fr", "## Règles\n\n<img src=x>Soyez sympas")
    page = await legal.page(world.services, "terms", "fr")
    assert not page.is_template and page.edits == 1
    assert "<h2>Règles</h2>" in page.html and "<img" not in page.html
    # English keeps its template
    assert (await legal.page(world.services, "terms", "en")).is_template

    await legal.save(world.services, admin, "terms", "fr", None)
    back = await legal.page(world.services, "terms", "fr")
    assert back.is_template and back.edits == 2

    with pytest.raises(InvalidInput):
        await legal.save(world.services, admin, "terms", "fr", "x" * 100_001)
    with pytest.raises(NotFound):
        await legal.save(world.services, admin, "terms", "de", "Regeln")


async def test_signing_up_needs_the_agreement_and_records_its_version(world):
    ctx = configured(world, signup_mode="open", legal=Legal(terms_version="2026-03"))
    with pytest.raises(InvalidInput) as refused:
        await signup.sign_up(ctx, username="zoe", password=PASSWORD)
    assert refused.value.field == "agreement"
    assert await _count(world, accounts) == 0

    account, _ = await signup.sign_up(ctx, username="zoe", password=PASSWORD, agreement=True)
    assert await legal.accepted_current_terms(ctx, account.id) is not None

    # When the terms change, the acceptance is of the old version only
    newer = configured(world, legal=Legal(terms_version="2026-09"))
    assert await legal.accepted_current_terms(newer, account.id) is None
    await legal.accept_terms(newer, account.id)
    await legal.accept_terms(newer, account.id)  # twice: the first time counts
    assert await legal.accepted_current_terms(newer, account.id) is not None
    assert await _count(world, terms_acceptances) == 2


async def test_sessions_and_notifications_are_purged_after_their_periods(world, ana, bea):
    ctx = configured(world, notification_retention_days=90)
    account, _ = await create_account(world.services, "lea", PASSWORD)
    now = utcnow()
    async with world.db.write() as conn:
        for token, expires in (("a" * 64, now + timedelta(days=1)), ("b" * 64, now)):
            await session_store.create(
                conn,
                token_hash=token,
                account_id=account.id,
                csrf_secret="s",
                now=now - timedelta(days=30),
                expires_at=expires,
            )
        await notification_store.add(conn, recipient_id=ana.id, type="follow", actor_id=bea.id)

    # When the maintenance worker runs now
    await MaintenanceWorker(ctx).run_once(now=now + timedelta(seconds=1))
    # Then the expired session is gone, the live one and the fresh notification kept
    assert await _count(world, web_sessions) == 1
    assert await _count(world, notifications) == 1

    # When it runs past the notifications' period (and the other session's end)
    await MaintenanceWorker(ctx).run_once(now=now + timedelta(days=91))
    assert await _count(world, notifications) == 0
    assert await _count(world, web_sessions) == 0
