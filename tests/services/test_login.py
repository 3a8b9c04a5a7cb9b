"""The login limit and the hashing gate, below every way in: what one password check may
cost, how many may run at once, and what of them is kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from fedlocal.services import accounts, login
from fedlocal.services.errors import Busy
from fedlocal.services.login import LoginRefused, TooManyAttempts, log_in
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import login_attempts, metadata
from tests.support.hashing import HeldHasher
from tests.support.waiting import wait_for

PASSWORD = "a long enough password"


@pytest.fixture
def held(monkeypatch):
    """Password checks that wait for the test's word (set free at the end in any case)."""
    hasher = HeldHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    accounts._dummy_hash.cache_clear()
    yield hasher
    hasher.release.set()


def gate(monkeypatch, workers: int, waiting: int) -> accounts.HashingGate:
    made = accounts.HashingGate(workers, waiting)
    monkeypatch.setattr(accounts, "_gate", made)
    return made


async def _rows(world, table) -> list[tuple]:
    async with world.db.read() as conn:
        return [tuple(row) for row in await conn.execute(select(table))]


async def test_no_address_nor_mistyped_login_is_stored(world):
    # Given failed logins from an IPv4 and an IPv6 address, one with a login nobody has
    await accounts.create_account(world.services, "lea", PASSWORD)
    for address in ("203.0.113.77", "2001:db8:77:1::42"):
        with pytest.raises(LoginRefused):
            await log_in(world.services, "lea", "not her password", address=address)
        with pytest.raises(LoginRefused):
            await log_in(world.services, "my secret phrase", "oops", address=address)

    # Then they are counted...
    assert len(await _rows(world, login_attempts)) == 4
    # ...and no table holds either address or the login typed
    for table in metadata.sorted_tables:
        text = repr(await _rows(world, table))
        for secret in ("203.0.113.77", "2001:db8", "my secret phrase"):
            assert secret not in text, (table.name, secret)


async def test_an_ipv6_address_counts_with_its_64_network(world):
    # Given as many failures as an address may have, each from another address of one /64
    for number in range(login.MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(LoginRefused):
            await log_in(
                world.services, f"nobody{number}", "wrong", address=f"2001:db8:1:2::{number + 1}"
            )

    # Then a new address of that /64 is refused, one of the next /64 is not
    with pytest.raises(TooManyAttempts):
        await log_in(world.services, "somebody", "wrong", address="2001:db8:1:2:abcd::9")
    with pytest.raises(LoginRefused):
        await log_in(world.services, "somebody", "wrong", address="2001:db8:1:3::1")


def test_what_the_address_limit_counts():
    assert login.address_network("192.0.2.7") == "192.0.2.7"
    assert login.address_network("::ffff:192.0.2.7") == "192.0.2.7"
    assert login.address_network("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert login.address_network("testclient") == "testclient"


async def test_guesses_sent_at_once_do_not_slip_under_the_limit(world, held, monkeypatch):
    # Given lea, and password checks that take as long as the test wants
    await accounts.create_account(world.services, "lea", PASSWORD)
    gate(monkeypatch, workers=2, waiting=100)
    limit = login.MAX_FAILURES_PER_ACCOUNT

    # When twelve wrong guesses arrive together, from twelve addresses
    guesses = [
        asyncio.create_task(log_in(world.services, "lea", f"guess {n}", address=f"198.51.100.{n}"))
        for n in range(12)
    ]

    # Then all but the first five are refused before any password is checked
    await wait_for(lambda: sum(g.done() for g in guesses) == 12 - limit, message="refusals")
    early = [g for g in guesses if g.done()]
    assert all(isinstance(g.exception(), TooManyAttempts) for g in early)
    held.release.set()
    results = await asyncio.gather(*guesses, return_exceptions=True)
    assert sum(isinstance(r, LoginRefused) for r in results) == limit
    # And the right password now waits like a wrong one
    with pytest.raises(TooManyAttempts):
        await log_in(world.services, "lea", PASSWORD, address="198.51.100.200")


async def test_password_checks_never_run_beyond_the_cap(world, held, monkeypatch):
    # Given a gate letting two checks run at once
    hashing = gate(monkeypatch, workers=2, waiting=100)

    # When ten logins come at once
    logins = [
        asyncio.create_task(
            log_in(world.services, f"nobody{n}", "wrong", address=f"198.51.100.{n}")
        )
        for n in range(10)
    ]

    # Then two run and eight wait their turn
    await wait_for(lambda: hashing.admitted == 10, message="every check at the gate")
    await wait_for(lambda: held.running == 2, message="two checks running")
    assert held.running == 2
    held.release.set()
    results = await asyncio.gather(*logins, return_exceptions=True)
    assert all(isinstance(r, LoginRefused) for r in results), results
    assert held.most == 2
    assert hashing.admitted == 0


async def test_beyond_the_queue_a_check_is_refused_at_once_and_not_counted(
    world, held, monkeypatch
):
    # Given one check running and one waiting, all the gate takes
    hashing = gate(monkeypatch, workers=1, waiting=1)
    first = [
        asyncio.create_task(log_in(world.services, name, "wrong", address="198.51.100.1"))
        for name in ("nobody1", "nobody2")
    ]
    await wait_for(lambda: hashing.admitted == 2, message="two checks at the gate")

    # When one more login comes
    with pytest.raises(Busy) as refused:
        await log_in(world.services, "nobody3", "wrong", address="198.51.100.1")

    # Then it is refused with a time to come back, and not counted as a failure
    assert refused.value.status == 503 and refused.value.retry_after > 0
    assert len(await _rows(world, login_attempts)) == 2
    held.release.set()
    results = await asyncio.gather(*first, return_exceptions=True)
    assert all(isinstance(r, LoginRefused) for r in results)


async def test_failures_are_forgotten_once_out_of_the_window(world):
    with pytest.raises(LoginRefused):
        await log_in(world.services, "nobody", "wrong", address="198.51.100.1")

    await MaintenanceWorker(world.services).run_once(now=utcnow())
    assert len(await _rows(world, login_attempts)) == 1  # still inside the window
    await MaintenanceWorker(world.services).run_once(
        now=utcnow() + login.WINDOW + timedelta(seconds=1)
    )
    assert await _rows(world, login_attempts) == []
