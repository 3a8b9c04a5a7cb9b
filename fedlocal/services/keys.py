"""Key pairs for our actors: RSA for HTTP signatures (what Mastodon verifies) and Ed25519
for FEP-521a `assertionMethod` (object integrity proofs); and the instance's VAPID key
(P-256), which signs its Web Push requests."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncConnection

from activitypub import keys

from .. import webpush
from ..models import Actor
from ..store import actors as actor_store
from ..urls import Urls


async def generate_key_pems() -> tuple[tuple[str, str], tuple[str, str]]:
    """New (RSA private PEM, public PEM) and (Ed25519 private PEM, public PEM).

    Generated in a thread: RSA generation takes tens of milliseconds.
    """

    def generate() -> tuple[tuple[str, str], tuple[str, str]]:
        rsa_key = keys.generate_rsa_key()
        ed_key = keys.generate_ed25519_key()
        return (
            (keys.private_key_to_pem(rsa_key), keys.public_key_to_pem(rsa_key.public_key())),
            (keys.private_key_to_pem(ed_key), keys.public_key_to_pem(ed_key.public_key())),
        )

    return await asyncio.to_thread(generate)


async def store_actor_keys(
    conn: AsyncConnection,
    urls: Urls,
    actor: Actor,
    pems: tuple[tuple[str, str], tuple[str, str]],
) -> None:
    """Attach freshly generated keys to one of our actors."""
    (rsa_private, rsa_public), (ed_private, ed_public) = pems
    await actor_store.add_key(
        conn,
        actor_id=actor.id,
        key_id=urls.main_key(actor.uri),
        algorithm="rsa",
        public_pem=rsa_public,
        private_pem=rsa_private,
    )
    await actor_store.add_key(
        conn,
        actor_id=actor.id,
        key_id=urls.ed25519_key(actor.uri),
        algorithm="ed25519",
        public_pem=ed_public,
        private_pem=ed_private,
    )


async def ensure_ed25519_key(conn: AsyncConnection, urls: Urls, actor: Actor) -> bool:
    """Give one of our actors the Ed25519 key every actor has (FEP-521a), when it lacks
    one: instances made before the instance actor had one get it at their next start.
    True when a key was added."""
    existing = await actor_store.keys_of(conn, actor.id)
    if any(key.algorithm == "ed25519" for key in existing):
        return False
    ed_key = await asyncio.to_thread(keys.generate_ed25519_key)
    await actor_store.add_key(
        conn,
        actor_id=actor.id,
        key_id=urls.ed25519_key(actor.uri),
        algorithm="ed25519",
        public_pem=keys.public_key_to_pem(ed_key.public_key()),
        private_pem=keys.private_key_to_pem(ed_key),
    )
    return True


def vapid_key_id(urls: Urls) -> str:
    return urls.instance_actor + "#vapid"


async def ensure_vapid_key(conn: AsyncConnection, urls: Urls, instance: Actor) -> None:
    """The instance's VAPID key, made once (at the first start that lacks it) and kept
    with the instance actor's other keys."""
    if await actor_store.get_key(conn, vapid_key_id(urls)) is not None:
        return
    private_pem, public_pem = webpush.generate_key()
    await actor_store.add_key(
        conn,
        actor_id=instance.id,
        key_id=vapid_key_id(urls),
        algorithm="vapid",
        public_pem=public_pem,
        private_pem=private_pem,
    )
