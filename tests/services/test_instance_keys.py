"""Every one of our actors has an Ed25519 key (FEP-521a), the instance actor included,
and an instance made before it had one gets it at its next start."""

from __future__ import annotations

from sqlalchemy import delete

from fedlocal.federation.to_as.actors import actor_document
from fedlocal.services.instance import ensure_instance_actors
from fedlocal.store import actors as actor_store
from fedlocal.store.tables import actor_keys


async def _algorithms(world, actor) -> list[str]:
    async with world.db.read() as conn:
        return sorted(key.algorithm for key in await actor_store.keys_of(conn, actor.id))


async def test_an_instance_actor_without_ed25519_key_gets_one_at_start(world):
    # Given an instance whose instance actor lost (or never had) its Ed25519 key
    instance = world.federation.actors.instance
    async with world.db.write() as conn:
        await conn.execute(
            delete(actor_keys).where(
                actor_keys.c.actor_id == instance.id, actor_keys.c.algorithm == "ed25519"
            )
        )
    assert await _algorithms(world, instance) == ["rsa"]

    # When the instance starts
    await ensure_instance_actors(world.federation.config, world.db, world.services.urls)

    # Then the instance actor has one again, published as a Multikey, and only one
    assert await _algorithms(world, instance) == ["ed25519", "rsa"]
    await ensure_instance_actors(world.federation.config, world.db, world.services.urls)
    assert await _algorithms(world, instance) == ["ed25519", "rsa"]
    async with world.db.read() as conn:
        keys = await actor_store.keys_of(conn, instance.id)
    document = actor_document(instance, keys, world.services.urls)
    [method] = document["assertionMethod"]
    assert method["type"] == "Multikey"
    assert method["id"] == f"{instance.uri}#ed25519-key"
    assert method["controller"] == instance.uri
    assert method["publicKeyMultibase"].startswith("z6Mk")
