"""List pages read a page at a time: the group page and the notifications run the same
number of statements whether they show one post or a dozen (no query per row). The
workers do not run here, so every statement counted is the page's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from fedlocal.services.groups import create_group
from fedlocal.store import announces as announce_store
from fedlocal.store import notifications as notification_store
from tests.support.instance import running_instance

from . import seed


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, signup_mode="open", run_workers=False) as instance:
        yield instance


@contextmanager
def counted(inst) -> Iterator[list[str]]:
    """The SQL statements run (on every engine of the store) while inside."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            statements.append(statement)

    engines = {inst.db.reader.sync_engine, inst.db.writer.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def _statements(inst, client, path: str) -> int:
    with counted(inst) as statements:
        response = await client.get(path)
    assert response.status_code == 200, path
    return len(statements)


async def _posts_by_others(inst, first: int, count: int, **fields):
    """`count` public notes, each by a resident of its own."""
    made = []
    for n in range(first, first + count):
        author = await seed.resident(inst, f"writer{n}")
        made.append(
            (await seed.local_post(inst, author, content=f"<p>Note {n}</p>", **fields), author)
        )
    return made


async def test_the_group_page_reads_the_same_for_one_post_or_many(inst, alice, alice_web):
    # Given a group alice moderates, that shared one post
    group = await create_group(inst.services, alice[1], "jardins", display_name="Jardins")

    async def share(first: int, count: int) -> None:
        for post, _author in await _posts_by_others(inst, first, count):
            async with inst.db.write() as conn:
                await announce_store.insert_announce(
                    conn,
                    uri=f"{group.uri}/announces/{post.id}",
                    actor_id=group.id,
                    object_uri=post.uri,
                    object_id=post.id,
                )

    await share(0, 1)
    one = await _statements(inst, alice_web, "/groups/jardins")

    # When it has shared a dozen, by as many people
    await share(1, 11)
    many = await _statements(inst, alice_web, "/groups/jardins")

    # Then its page reads them in as many statements as it read the one
    assert "Note 11" in (await alice_web.get("/groups/jardins")).text
    assert many == one


async def test_the_notifications_read_the_same_for_one_or_many(inst, alice, alice_web):
    _account, me = alice
    question = await seed.local_post(inst, me, content="<p>Qui a une échelle ?</p>")

    async def notify(first: int, count: int) -> None:
        answers = await _posts_by_others(inst, first, count, in_reply_to_uri=question.uri)
        async with inst.db.write() as conn:
            for post, author in answers:
                await notification_store.add(
                    conn, recipient_id=me.id, type="mention", actor_id=author.id, post_id=post.id
                )

    await notify(0, 1)
    one = await _statements(inst, alice_web, "/notifications")
    await notify(1, 11)
    many = await _statements(inst, alice_web, "/notifications")

    assert "Note 11" in (await alice_web.get("/notifications")).text
    assert many == one
