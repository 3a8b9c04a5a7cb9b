"""Actors and their keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import Label

from ..models import Actor, ActorKey
from .clock import utcnow
from .extras import ACTOR_EXTRAS, actor_data, actor_fields
from .tables import actor_keys, actors

_ACTOR_FIELDS = (
    "type",
    "username",
    "domain",
    "display_name",
    "summary",
    "inbox_url",
    "shared_inbox_url",
    "outbox_url",
    "followers_url",
    "following_url",
    "url",
    "manually_approves_followers",
    "organization_type",
)


def _actor(row: Any) -> Actor:
    """An Actor from a row of `actors` (or `_Attributes` over a joined row's part)."""
    return Actor(
        id=row.id,
        uri=row.uri,
        type=row.type,
        role=row.role,
        username=row.username,
        domain=row.domain,
        display_name=row.display_name,
        summary=row.summary,
        inbox_url=row.inbox_url,
        shared_inbox_url=row.shared_inbox_url,
        outbox_url=row.outbox_url,
        followers_url=row.followers_url,
        following_url=row.following_url,
        url=row.url,
        manually_approves_followers=row.manually_approves_followers,
        created_at=row.created_at,
        updated_at=row.updated_at,
        fetched_at=row.fetched_at,
        gone_at=row.gone_at,
        organization_type=row.organization_type,
        **actor_fields(row.data),
    )


def _values(fields: dict[str, Any]) -> dict[str, Any]:
    """Column values for an actor's fields; its extras go into one column together."""
    values = {k: v for k, v in fields.items() if k in _ACTOR_FIELDS}
    if any(name in fields for name in ACTOR_EXTRAS):
        values["data"] = actor_data(fields)
    return values


def _key(row: Any) -> ActorKey:
    return ActorKey(
        id=row.id,
        actor_id=row.actor_id,
        key_id=row.key_id,
        algorithm=row.algorithm,
        public_pem=row.public_pem,
        private_pem=row.private_pem,
    )


async def insert_local_actor(
    conn: AsyncConnection, *, uri: str, role: str, type: str, username: str, **fields: Any
) -> Actor:
    """Create one of our own actors; `username` must be unused among local actors."""
    now = utcnow()
    values = _values(fields)
    values.setdefault("display_name", "")
    values.setdefault("summary", "")
    values.setdefault("manually_approves_followers", False)
    row = (
        await conn.execute(
            insert(actors)
            .values(
                uri=uri,
                role=role,
                type=type,
                username=username,
                local_username=username.lower(),
                created_at=now,
                updated_at=now,
                **values,
            )
            .returning(*actors.c)
        )
    ).one()
    return _actor(row)


async def set_picture_copies(conn: AsyncConnection, actor_id: int, **copies: str | None) -> None:
    """Record our copies of an actor's pictures (`avatar_small_url`, `header_large_url`,
    `header_small_url`), its other extras kept."""
    data = (
        await conn.execute(select(actors.c.data).where(actors.c.id == actor_id))
    ).scalar_one_or_none()
    await conn.execute(
        update(actors)
        .where(actors.c.id == actor_id)
        .values(data=actor_data({**actor_fields(data), **copies}))
    )


async def upsert_remote_actor(conn: AsyncConnection, *, uri: str, **fields: Any) -> Actor:
    """Insert or refresh a remote actor from a fetched document's fields."""
    now = utcnow()
    values = _values(fields)
    existing = await get_actor_by_uri(conn, uri)
    if existing is None:
        values.setdefault("display_name", "")
        values.setdefault("summary", "")
        values.setdefault("manually_approves_followers", False)
        row = (
            await conn.execute(
                insert(actors)
                .values(
                    uri=uri, role="remote", created_at=now, updated_at=now, fetched_at=now, **values
                )
                .returning(*actors.c)
            )
        ).one()
    else:
        row = (
            await conn.execute(
                update(actors)
                .where(actors.c.id == existing.id)
                .values(updated_at=now, fetched_at=now, gone_at=None, **values)
                .returning(*actors.c)
            )
        ).one()
    return _actor(row)


async def set_organization_type(
    conn: AsyncConnection, actor_id: int, organization_type: str | None
) -> Actor | None:
    """Mark one of our actors as an organisation of a type (None: a person again)."""
    row = (
        await conn.execute(
            update(actors)
            .where(actors.c.id == actor_id)
            .values(organization_type=organization_type, updated_at=utcnow())
            .returning(*actors.c)
        )
    ).first()
    return _actor(row) if row else None


async def mark_actor_gone(conn: AsyncConnection, actor_id: int) -> None:
    await conn.execute(update(actors).where(actors.c.id == actor_id).values(gone_at=utcnow()))


async def get_actor(conn: AsyncConnection, actor_id: int) -> Actor | None:
    row = (await conn.execute(_BY_ID, {"id": actor_id})).first()
    return _actor(row) if row else None


async def get_actor_by_uri(conn: AsyncConnection, uri: str) -> Actor | None:
    row = (await conn.execute(_BY_URI, {"uri": uri})).first()
    return _actor(row) if row else None


async def local_actors_by_uris(conn: AsyncConnection, uris: Sequence[str]) -> list[Actor]:
    """Our actors among `uris` (collections, Public and remote actors are skipped), in the
    order of `uris`: one query for all the addressees of a post."""
    wanted = [uri for uri in dict.fromkeys(uris) if isinstance(uri, str)]
    if not wanted:
        return []
    rows = await conn.execute(_LOCAL_BY_URIS, {"uris": wanted})
    found = {row.uri: _actor(row) for row in rows}
    return [found[uri] for uri in wanted if uri in found]


# Built once (docs/performance.md, "Statements built once"): the inbox asks these for
# nearly every activity.
_BY_ID = select(actors).where(actors.c.id == bindparam("id"))
_BY_URI = select(actors).where(actors.c.uri == bindparam("uri"))
_LOCAL_BY_URIS = select(actors).where(
    actors.c.uri.in_(bindparam("uris", expanding=True)), actors.c.role != "remote"
)


async def get_local_actor(conn: AsyncConnection, username: str) -> Actor | None:
    """Our actor with this username (case-insensitive, as WebFinger and Mastodon compare)."""
    row = (
        await conn.execute(select(actors).where(actors.c.local_username == username.lower()))
    ).first()
    return _actor(row) if row else None


async def get_actor_by_role(conn: AsyncConnection, role: str) -> Actor | None:
    """The first of our actors with `role` (there is one instance and one community actor)."""
    row = (
        await conn.execute(
            select(actors).where(actors.c.role == role).order_by(actors.c.id).limit(1)
        )
    ).first()
    return _actor(row) if row else None


async def find_remote_actor(conn: AsyncConnection, username: str, domain: str) -> Actor | None:
    row = (
        await conn.execute(
            select(actors)
            .where(
                actors.c.domain == domain.lower(),
                func.lower(actors.c.username) == username.lower(),
                actors.c.role == "remote",
            )
            .order_by(actors.c.id.desc())
            .limit(1)
        )
    ).first()
    return _actor(row) if row else None


async def count_local_people(conn: AsyncConnection) -> int:
    return (
        await conn.execute(
            select(func.count()).select_from(actors).where(actors.c.role == "resident")
        )
    ).scalar_one()


async def add_key(
    conn: AsyncConnection,
    *,
    actor_id: int,
    key_id: str,
    algorithm: str,
    public_pem: str,
    private_pem: str | None = None,
) -> ActorKey:
    row = (
        await conn.execute(
            insert(actor_keys)
            .values(
                actor_id=actor_id,
                key_id=key_id,
                algorithm=algorithm,
                public_pem=public_pem,
                private_pem=private_pem,
                created_at=utcnow(),
            )
            .returning(*actor_keys.c)
        )
    ).one()
    return _key(row)


async def replace_remote_keys(
    conn: AsyncConnection, actor_id: int, keys: list[tuple[str, str, str]]
) -> None:
    """Make `keys` ((key_id, algorithm, public_pem), …) the remote actor's only keys."""
    await conn.execute(delete(actor_keys).where(actor_keys.c.actor_id == actor_id))
    # A key id can move between actors (rare: a re-created account); the newest owner wins.
    for key_id, _algorithm, _pem in keys:
        await conn.execute(delete(actor_keys).where(actor_keys.c.key_id == key_id))
    for key_id, algorithm, pem in keys:
        await add_key(conn, actor_id=actor_id, key_id=key_id, algorithm=algorithm, public_pem=pem)


async def get_key(conn: AsyncConnection, key_id: str) -> ActorKey | None:
    row = (await conn.execute(select(actor_keys).where(actor_keys.c.key_id == key_id))).first()
    return _key(row) if row else None


async def get_key_with_actor(conn: AsyncConnection, key_id: str) -> tuple[ActorKey, Actor] | None:
    """A key and its owner in one query: the inbox's lookup."""
    row = (
        await conn.execute(
            select(actor_keys, actors)
            .join(actors, actors.c.id == actor_keys.c.actor_id)
            .where(actor_keys.c.key_id == key_id)
        )
    ).first()
    if row is None:
        return None
    mapping = row._mapping
    key = _key(_Attributes({c.name: mapping[c] for c in actor_keys.c}))
    return key, _actor(_Attributes({c.name: mapping[c] for c in actors.c}))


async def keys_of(conn: AsyncConnection, actor_id: int) -> list[ActorKey]:
    """The keys an actor's document lists (RSA, Ed25519): not the instance's VAPID key,
    which signs Web Push requests only (services/push.py)."""
    rows = await conn.execute(
        select(actor_keys)
        .where(actor_keys.c.actor_id == actor_id, actor_keys.c.algorithm != "vapid")
        .order_by(actor_keys.c.id)
    )
    return [_key(row) for row in rows]


async def remote_groups_on(
    conn: AsyncConnection, domains: Sequence[str], *, limit: int = 200
) -> list[Actor]:
    """The remote groups we know on these domains, by name."""
    if not domains:
        return []
    rows = await conn.execute(
        select(*prefixed_actor_columns())
        .where(
            actors.c.role == "remote",
            actors.c.type == "Group",
            actors.c.domain.in_(list(domains)),
            actors.c.gone_at.is_(None),
        )
        .order_by(actors.c.display_name, actors.c.id)
        .limit(limit)
    )
    return [actor_from_prefixed(row) for row in rows]


def prefixed_actor_columns(prefix: str = "actor__") -> list[Label[Any]]:
    """Actor columns labelled with a prefix, for queries that join actors to another table."""
    return [column.label(prefix + column.name) for column in actors.c]


def actor_from_prefixed(row: Row[Any], prefix: str = "actor__") -> Actor:
    """The Actor in a row selected with `prefixed_actor_columns(prefix)`."""
    mapping = row._mapping
    return _actor(_Attributes({c.name: mapping[prefix + c.name] for c in actors.c}))


class _Attributes:
    """Attribute access over a dict, so joined rows convert like plain ones."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)
