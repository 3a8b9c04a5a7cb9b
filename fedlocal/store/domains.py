"""Remote hosts' delivery health: consecutive failures and the circuit breaker state."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .tables import remote_domains
from .upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class DomainHealth:
    domain: str
    consecutive_failures: int
    circuit_state: str
    open_until: datetime | None
    last_error: str | None


async def get_health(conn: AsyncConnection, domain: str) -> DomainHealth | None:
    row = (
        await conn.execute(select(remote_domains).where(remote_domains.c.domain == domain))
    ).first()
    if row is None:
        return None
    return DomainHealth(
        row.domain, row.consecutive_failures, row.circuit_state, row.open_until, row.last_error
    )


async def open_circuits(conn: AsyncConnection, domains: Collection[str]) -> set[str]:
    """Which of `domains` have their circuit open (whatever its end time): one query for
    a whole claim rather than one per host."""
    unique = sorted(set(domains))
    if not unique:
        return set()
    rows = await conn.execute(
        select(remote_domains.c.domain).where(
            remote_domains.c.domain.in_(unique), remote_domains.c.circuit_state == "open"
        )
    )
    return set(rows.scalars().all())


async def record_success(conn: AsyncConnection, domain: str) -> None:
    await _ensure(conn, domain)
    await conn.execute(
        update(remote_domains)
        .where(remote_domains.c.domain == domain)
        .values(
            consecutive_failures=0,
            circuit_state="closed",
            open_until=None,
            last_success_at=utcnow(),
        )
    )


async def record_successes(conn: AsyncConnection, domains: Collection[str]) -> None:
    """`record_success` for many hosts in two statements (a fan-out's outcomes come in
    batches: one statement per host made the write turn the cost of a delivery)."""
    unique = sorted(set(domains))
    if not unique:
        return
    await insert_ignoring_conflicts(
        conn,
        remote_domains,
        [{"domain": d, "consecutive_failures": 0, "circuit_state": "closed"} for d in unique],
    )
    await conn.execute(
        update(remote_domains)
        .where(remote_domains.c.domain.in_(unique))
        .values(
            consecutive_failures=0,
            circuit_state="closed",
            open_until=None,
            last_success_at=utcnow(),
        )
    )


async def record_failure(
    conn: AsyncConnection,
    domain: str,
    *,
    error: str,
    threshold: int,
    open_for: timedelta,
    now: datetime | None = None,
) -> DomainHealth:
    """Count a failure; at `threshold` consecutive failures the circuit opens for `open_for`
    (doubling each time it re-opens, up to a day) from `now` (default: the clock)."""
    await _ensure(conn, domain)
    now = now or utcnow()
    # Increment in SQL: concurrent workers failing against the same host must all count.
    failures = (
        await conn.execute(
            update(remote_domains)
            .where(remote_domains.c.domain == domain)
            .values(
                consecutive_failures=remote_domains.c.consecutive_failures + 1,
                last_failure_at=now,
                last_error=error[:500],
            )
            .returning(remote_domains.c.consecutive_failures)
        )
    ).scalar_one()
    if failures >= threshold:
        reopenings = failures - threshold
        duration = min(open_for * (2 ** min(reopenings, 10)), timedelta(days=1))
        await conn.execute(
            update(remote_domains)
            .where(remote_domains.c.domain == domain)
            .values(circuit_state="open", open_until=now + duration)
        )
    updated = await get_health(conn, domain)
    assert updated is not None
    return updated


async def _ensure(conn: AsyncConnection, domain: str) -> None:
    await insert_ignoring_conflicts(
        conn,
        remote_domains,
        {"domain": domain, "consecutive_failures": 0, "circuit_state": "closed"},
    )
