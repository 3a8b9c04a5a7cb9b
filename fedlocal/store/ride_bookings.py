"""Seats booked on rides: who, on which date, how many, and the driver's answer."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post, RideBooking
from .actors import actor_from_prefixed, prefixed_actor_columns
from .clock import utcnow
from .post_columns import post_from_row
from .tables import actors, objects, ride_bookings

# The states that hold seats: a request waiting for the driver holds them, so two
# passengers can never be promised the same seat.
HOLDING = ("pending", "accepted")


def _booking(row: Row[Any]) -> RideBooking:
    return RideBooking(
        id=row.id,
        ride_id=row.ride_id,
        actor_id=row.actor_id,
        departs_on=row.departs_on,
        seats=row.seats,
        state=row.state,
        created_at=row.created_at,
        offer_uri=row.offer_uri,
    )


async def lock_ride(conn: AsyncConnection, ride_id: int) -> None:
    """Hold the ride's row until the transaction ends, so bookings of one ride are counted
    one after the other. PostgreSQL locks the row; SQLite's writer already holds the
    whole database (`BEGIN IMMEDIATE`), and ignores FOR UPDATE."""
    await conn.execute(select(objects.c.id).where(objects.c.id == ride_id).with_for_update())


async def seats_held(conn: AsyncConnection, ride_id: int, departs_on: date) -> int:
    return int(
        (
            await conn.execute(
                select(func.coalesce(func.sum(ride_bookings.c.seats), 0)).where(
                    ride_bookings.c.ride_id == ride_id,
                    ride_bookings.c.departs_on == departs_on,
                    ride_bookings.c.state.in_(HOLDING),
                )
            )
        ).scalar_one()
    )


async def seats_held_by_date(conn: AsyncConnection, ride_id: int) -> dict[date, int]:
    rows = await conn.execute(
        select(ride_bookings.c.departs_on, func.sum(ride_bookings.c.seats))
        .where(ride_bookings.c.ride_id == ride_id, ride_bookings.c.state.in_(HOLDING))
        .group_by(ride_bookings.c.departs_on)
    )
    return {row[0]: int(row[1]) for row in rows}


async def get(
    conn: AsyncConnection, ride_id: int, actor_id: int, departs_on: date
) -> RideBooking | None:
    row = (
        await conn.execute(
            select(ride_bookings).where(
                ride_bookings.c.ride_id == ride_id,
                ride_bookings.c.actor_id == actor_id,
                ride_bookings.c.departs_on == departs_on,
            )
        )
    ).first()
    return _booking(row) if row else None


async def get_by_id(conn: AsyncConnection, booking_id: int) -> RideBooking | None:
    row = (
        await conn.execute(select(ride_bookings).where(ride_bookings.c.id == booking_id))
    ).first()
    return _booking(row) if row else None


async def get_by_offer_uri(conn: AsyncConnection, offer_uri: str) -> RideBooking | None:
    row = (
        await conn.execute(select(ride_bookings).where(ride_bookings.c.offer_uri == offer_uri))
    ).first()
    return _booking(row) if row else None


async def book(
    conn: AsyncConnection,
    *,
    ride_id: int,
    actor_id: int,
    departs_on: date,
    seats: int,
    state: str,
    offer_uri: str | None = None,
) -> RideBooking:
    """A new booking, or a passenger's earlier declined or cancelled one made anew."""
    now = utcnow()
    existing = await get(conn, ride_id, actor_id, departs_on)
    values = {"seats": seats, "state": state, "offer_uri": offer_uri, "updated_at": now}
    if existing is not None:
        row = (
            await conn.execute(
                update(ride_bookings)
                .where(ride_bookings.c.id == existing.id)
                .values(**values, created_at=now)
                .returning(*ride_bookings.c)
            )
        ).one()
    else:
        row = (
            await conn.execute(
                insert(ride_bookings)
                .values(
                    ride_id=ride_id,
                    actor_id=actor_id,
                    departs_on=departs_on,
                    created_at=now,
                    **values,
                )
                .returning(*ride_bookings.c)
            )
        ).one()
    return _booking(row)


async def set_state(conn: AsyncConnection, booking_id: int, state: str) -> RideBooking:
    row = (
        await conn.execute(
            update(ride_bookings)
            .where(ride_bookings.c.id == booking_id)
            .values(state=state, updated_at=utcnow())
            .returning(*ride_bookings.c)
        )
    ).one()
    return _booking(row)


async def list_for_ride(
    conn: AsyncConnection, ride_id: int, *, states: tuple[str, ...] = HOLDING
) -> list[tuple[RideBooking, Actor]]:
    rows = await conn.execute(
        select(ride_bookings, *prefixed_actor_columns())
        .join(actors, actors.c.id == ride_bookings.c.actor_id)
        .where(ride_bookings.c.ride_id == ride_id, ride_bookings.c.state.in_(states))
        .order_by(ride_bookings.c.departs_on, ride_bookings.c.id)
    )
    return [(_booking(row), actor_from_prefixed(row)) for row in rows]


async def booked_by(
    conn: AsyncConnection, actor_id: int, *, since: date, states: tuple[str, ...] = HOLDING
) -> list[tuple[RideBooking, Post]]:
    """A passenger's bookings from `since` on, with their rides (for their calendar)."""
    bookings = [
        _booking(row)
        for row in await conn.execute(
            select(ride_bookings)
            .where(
                ride_bookings.c.actor_id == actor_id,
                ride_bookings.c.state.in_(states),
                ride_bookings.c.departs_on >= since,
            )
            .order_by(ride_bookings.c.departs_on, ride_bookings.c.id)
        )
    ]
    ids = {booking.ride_id for booking in bookings}
    rides = {
        row.id: post_from_row(row)
        for row in await conn.execute(
            select(objects).where(objects.c.id.in_(ids), objects.c.deleted_at.is_(None))
        )
    }
    return [(b, rides[b.ride_id]) for b in bookings if b.ride_id in rides]
