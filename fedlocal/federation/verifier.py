"""Verifying inbound HTTP signatures, with a key cache and a rate-limited key refetch.

The hot path (a known key) costs a dictionary lookup and one RSA verification. On a
failed verification the key is refetched once — the sender may have rotated it — but at
most once per key per `key_refetch_interval_seconds`, so a forger cannot make us hammer
the alleged owner's server (interop.md §2.2).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from activitypub import keys as key_codec
from activitypub.httpsig import (
    ParsedSignature,
    SignatureError,
    parse_request_signature,
    verify_parsed_signature,
)

from ..models import Actor, ActorKey
from .remote import RemoteActors

KEY_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class _CachedKey:
    public_key: Any
    actor: Actor


class _LRU(OrderedDict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class InboundVerifier:
    def __init__(self, remote: RemoteActors, *, refetch_interval: float):
        self.remote = remote
        self.refetch_interval = refetch_interval
        self._keys: _LRU = _LRU(KEY_CACHE_SIZE)
        self._refetched_at: _LRU = _LRU(KEY_CACHE_SIZE)

    def parse(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> ParsedSignature:
        """Every check that needs no key; raises SignatureError."""
        return parse_request_signature(method, url, headers, body)

    async def verify(self, parsed: ParsedSignature) -> Actor:
        """Check the signature with the signer's key; return the signing actor."""
        cached = await self._lookup(parsed.key_id)
        if cached is None:
            raise SignatureError(f"could not find the key {parsed.key_id}")
        try:
            verify_parsed_signature(parsed, cached.public_key)
            return cached.actor
        except SignatureError:
            if not self._may_refetch(parsed.key_id):
                raise
        refreshed = await self._lookup(parsed.key_id, refresh=True)
        if refreshed is None:
            raise SignatureError(f"could not find the key {parsed.key_id}")
        verify_parsed_signature(parsed, refreshed.public_key)
        return refreshed.actor

    def forget_actor(self, actor_uri: str) -> None:
        """Drop cached keys of an actor whose document changed (Update, Delete)."""
        for key_id in [k for k, entry in self._keys.items() if entry.actor.uri == actor_uri]:
            del self._keys[key_id]

    async def _lookup(self, key_id: str, *, refresh: bool = False) -> _CachedKey | None:
        if not refresh:
            cached = self._keys.get(key_id)
            if cached is not None:
                return cached
        found = await self.remote.key(key_id, refresh=refresh)
        if found is None:
            return None
        key, actor = found
        if actor.gone_at is not None:
            return None
        entry = _CachedKey(_load(key), actor)
        self._keys.put(key_id, entry)
        return entry

    def _may_refetch(self, key_id: str) -> bool:
        now = time.monotonic()
        last = self._refetched_at.get(key_id)
        if last is not None and now - last < self.refetch_interval:
            return False
        self._refetched_at.put(key_id, now)
        return True


def _load(key: ActorKey) -> Any:
    return key_codec.load_public_key_pem(key.public_pem)
