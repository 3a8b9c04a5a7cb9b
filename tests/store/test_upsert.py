"""INSERT … ON CONFLICT DO NOTHING (store/upsert.py): skips what conflicts, on both
databases, with statements built once per database kind, table and RETURNING."""

from __future__ import annotations

from sqlalchemy import func, select

from fedlocal.store.clock import utcnow
from fedlocal.store.tables import received_activities
from fedlocal.store.upsert import ignoring_conflicts, insert_ignoring_conflicts


async def test_conflicting_rows_are_skipped_and_the_others_inserted(database):
    now = utcnow()
    async with database.write() as conn:
        # Given a row already there
        first = await insert_ignoring_conflicts(
            conn, received_activities, {"uri": "https://x.example/1", "received_at": now}
        )
        # When it comes again with a new one, Then only the new one is inserted
        await insert_ignoring_conflicts(
            conn,
            received_activities,
            [
                {"uri": "https://x.example/1", "received_at": now},
                {"uri": "https://x.example/2", "received_at": now},
            ],
        )
        # And RETURNING names only the rows inserted
        returned = await conn.execute(
            ignoring_conflicts(conn, received_activities, received_activities.c.uri),
            [
                {"uri": "https://x.example/2", "received_at": now},
                {"uri": "https://x.example/3", "received_at": now},
            ],
        )
        assert set(returned.scalars()) == {"https://x.example/3"}
        count = await conn.execute(select(func.count()).select_from(received_activities))
    assert first == 1
    assert count.scalar_one() == 3


async def test_each_statement_is_built_once_per_database_and_shape(database):
    async with database.read() as conn:
        plain = ignoring_conflicts(conn, received_activities)
        returning = ignoring_conflicts(conn, received_activities, received_activities.c.uri)
        # The same statement object each time it is asked for again
        assert ignoring_conflicts(conn, received_activities) is plain
        assert ignoring_conflicts(conn, received_activities, received_activities.c.uri) is returning
        # But one per shape, spelled for this database
        assert plain is not returning
        assert f"dialects.{conn.dialect.name}." in type(plain).__module__
