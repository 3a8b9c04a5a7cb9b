"""Setup shared by the offer, request, event and interest tests.

Two ways to stand up an instance:
- `local_world(tmp_path)`: the federation parts around a real SQLite database, without an
  HTTP server. The database is a copy of a template migrated once per run (with the
  instance's own actors and their keys), so a test starts in milliseconds. What services
  queue is read back from `outgoing_activities`; nothing is delivered.
- `running_instance(...)` with `remote_stub()` (tests/support): real HTTP on loopback, for
  what travels between servers. The helpers below drive its workers one step at a time.

"Nothing changed" is checked with `effects(db)`: every row of the tables a service writes
to (objects, participations, interests, notifications, outgoing activities).
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from activitypub import keys as key_codec
from fedlocal.config import Config, build_config
from fedlocal.federation.runtime import Federation, start_federation
from fedlocal.models import Actor, Post
from fedlocal.services import follows as follow_service
from fedlocal.services.keys import store_actor_keys
from fedlocal.store import Database, migrate
from fedlocal.store import actors as actor_store
from fedlocal.store import posts as post_store
from fedlocal.store.database import inbox_file_of
from fedlocal.store.tables import (
    interests,
    listing_steps,
    notifications,
    objects,
    outgoing_activities,
    participations,
)
from tests.support.federation_steps import deliver, deliver_and_process, send_out  # noqa: F401 (re-exported)
from tests.support.instance import TestInstance
from tests.support.remote_stub import RemoteStub, StubActor

QUARTERS = [
    {"name": "Intra-Muros", "latitude": 48.6493, "longitude": -2.0257},
    {"name": "Saint-Servan", "latitude": 48.6366, "longitude": -2.0163},
    {"name": "Paramé", "latitude": 48.6606, "longitude": -1.9892},
]
AREA = {"quarters": QUARTERS}
BASE_URL = "https://quartier.example"
EFFECT_TABLES = (
    objects,
    participations,
    interests,
    notifications,
    outgoing_activities,
    listing_steps,
)


# --- a local world without HTTP ------------------------------------------------------------


def world_config(data_dir: Path, **settings: Any) -> Config:
    return build_config(
        {
            "name": "Quartier",
            "base_url": BASE_URL,
            "data_dir": str(data_dir),
            "area": AREA,
            # New accounts' daily limits would stop tests that publish a lot from one
            # fresh account; the trust tests turn them back on.
            "new_account_days": 0,
            **settings,
        },
        environ={},
    )


@dataclass
class World:
    federation: Federation

    @property
    def services(self):
        return self.federation.services

    @property
    def db(self) -> Database:
        return self.federation.db

    @property
    def community(self) -> Actor:
        return self.federation.actors.community

    @property
    def boost_audience(self) -> set[int]:
        """Whose followers see the community's boosts: the community's, and our instance
        actor's (linked neighbour instances)."""
        return {self.community.id, self.federation.actors.instance.id}


_template: Path | None = None


async def _template_database() -> Path:
    """A migrated database holding the instance's own actors, made once per run."""
    global _template
    if _template is None:
        directory = Path(tempfile.mkdtemp(prefix="fedlocal-world-"))
        config = world_config(directory)
        db = Database(config.database_url)
        try:
            await migrate(db)
            federation = await start_federation(config, db)
            await federation.close()
        finally:
            await db.dispose()
        _template = directory / "fedlocal.sqlite3"
    return _template


@contextlib.asynccontextmanager
async def local_world(data_dir: Path, **settings: Any) -> AsyncIterator[World]:
    """The world, its config given `settings` beyond the usual ones."""
    template = await _template_database()
    shutil.copyfile(template, data_dir / "fedlocal.sqlite3")
    # and the inbox queue's file beside it (`Database.inbox`): nothing here migrates
    shutil.copyfile(inbox_file_of(str(template)), inbox_file_of(str(data_dir / "fedlocal.sqlite3")))
    config = world_config(data_dir, **settings)
    db = Database(config.database_url)
    federation = await start_federation(config, db)
    try:
        yield World(federation)
    finally:
        await federation.close()
        await db.dispose()


# --- actors --------------------------------------------------------------------------------


@functools.cache
def _key_pems() -> tuple[tuple[str, str], tuple[str, str]]:
    rsa_key, ed_key = key_codec.generate_rsa_key(), key_codec.generate_ed25519_key()
    return (
        (key_codec.private_key_to_pem(rsa_key), key_codec.public_key_to_pem(rsa_key.public_key())),
        (key_codec.private_key_to_pem(ed_key), key_codec.public_key_to_pem(ed_key.public_key())),
    )


async def resident(federation: Federation, username: str) -> Actor:
    """A resident's actor with keys (one pair shared by every resident of the run: each
    actor publishes it under its own key id, which is all signing needs)."""
    urls = federation.urls
    async with federation.db.write() as conn:
        actor = await actor_store.insert_local_actor(
            conn,
            role="resident",
            type="Person",
            username=username,
            domain=federation.config.domain,
            display_name=username.capitalize(),
            **urls.actor_endpoints(username),
        )
        await store_actor_keys(conn, urls, actor, _key_pems())
    return actor


async def remote_person(
    federation: Federation, username: str, host: str = "mastodon.example"
) -> Actor:
    """A remote Person as a fetch would have stored it: a personal and a shared inbox."""
    async with federation.db.write() as conn:
        return await actor_store.upsert_remote_actor(
            conn,
            uri=f"https://{host}/users/{username}",
            type="Person",
            username=username,
            domain=host,
            display_name=username.capitalize(),
            inbox_url=f"https://{host}/users/{username}/inbox",
            shared_inbox_url=f"https://{host}/inbox",
            followers_url=f"https://{host}/users/{username}/followers",
        )


# --- what is stored and queued -------------------------------------------------------------


async def effects(db: Database) -> dict[str, list[tuple]]:
    """Every row of the tables services write to: equal before and after = nothing changed."""
    async with db.read() as conn:
        return {
            table.name: [tuple(row) for row in await conn.execute(select(table).order_by("id"))]
            for table in EFFECT_TABLES
        }


async def stored(db: Database) -> dict[str, list[tuple]]:
    """`effects` without the outgoing queue: for refusals that are answered (a Reject)."""
    found = await effects(db)
    del found[outgoing_activities.name]
    return found


@dataclass(frozen=True)
class Queued:
    """An outgoing activity: its JSON and its audience."""

    id: int
    body: dict[str, Any]
    followers_of: int | None
    extra_followers_of: list[int]
    inboxes: list[str]

    @property
    def type(self) -> str:
        return self.body["type"]


async def queued(db: Database, *, after: int = 0) -> list[Queued]:
    """Outgoing activities queued after the one with id `after`, oldest first."""
    async with db.read() as conn:
        rows = await conn.execute(
            select(outgoing_activities)
            .where(outgoing_activities.c.id > after)
            .order_by(outgoing_activities.c.id)
        )
        return [
            Queued(
                id=row.id,
                body=json.loads(row.body),
                followers_of=row.followers_of,
                extra_followers_of=list(row.extra_followers_of or []),
                inboxes=list(row.inboxes or []),
            )
            for row in rows
        ]


async def last_queued_id(db: Database) -> int:
    found = await queued(db)
    return found[-1].id if found else 0


async def fresh(db: Database, post: Post) -> Post:
    """The post as stored now."""
    async with db.read() as conn:
        stored = await post_store.get_post(conn, post.id)
    assert stored is not None
    return stored


async def post_at(db: Database, uri: str) -> Post | None:
    async with db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def actor_at(db: Database, uri: str) -> Actor | None:
    async with db.read() as conn:
        return await actor_store.get_actor_by_uri(conn, uri)


# --- a running instance and the remote stub ------------------------------------------------


async def follows_us(inst: TestInstance, stub: RemoteStub, actor: StubActor, local: Actor):
    """`actor` follows our `local` actor (accepted at once: `local` is not locked)."""
    follow = actor.fixture(
        f"{actor.software}/follow.json", follow_id=local.username, target=local.uri
    )
    await deliver_and_process(inst, stub, actor, follow)


async def we_follow(inst: TestInstance, stub: RemoteStub, local: Actor, actor: StubActor):
    """Our `local` actor follows `actor`, who accepts: their posts now concern us."""
    pending = await follow_service.follow(inst.services, local, actor.uri)
    accept = actor.fixture(
        f"{actor.software}/accept.json",
        accept_id=local.username,
        follow=pending.uri,
        follower=local.uri,
    )
    await deliver_and_process(inst, stub, actor, accept)


def create_of(actor: StubActor, document: dict[str, Any]) -> dict[str, Any]:
    """A Create wrapping `document`, addressed as the document is."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{document['id']}/activity",
        "type": "Create",
        "actor": actor.uri,
        "published": document.get("published"),
        "to": document.get("to"),
        "cc": document.get("cc"),
        "object": document,
    }


def update_of(actor: StubActor, document: dict[str, Any], update_id: str) -> dict[str, Any]:
    """An Update carrying `document` (with its `updated`), under a new activity id on the
    actor's server (whatever server the document's id names)."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.uri}#updates/{update_id}",
        "type": "Update",
        "actor": actor.uri,
        "published": document.get("updated"),
        "to": document.get("to"),
        "cc": document.get("cc"),
        "object": document,
    }
