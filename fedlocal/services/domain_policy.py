"""Which domains we federate with: the config's lists and the admins' domain blocks and
allows (`store/domain_blocks.py`), combined.

Every inbound request, delivery and fetch asks, so the database's part is cached in each
process: read once, then again when TTL_SECONDS have passed or when this process changed
it (`invalidate`). Another process (a `fedlocal worker`, a second server) sees a change
within TTL_SECONDS: a block takes at most that long to reach every process.

- a domain blocked with `suspend` (here or in the config's `blocked_domains`) is refused:
  its inbox deliveries get 403, nothing is delivered to it, nothing fetched from it;
- a domain blocked with `silence` still federates, but its accounts are limited
  (services/moderation_actions.py: out of public lists for non-followers, their follows
  need approval);
- in `allowlist` mode, a domain must be in `allowed_domains` or allowed on the admin page.

The same snapshot holds the remote accounts the moderators suspended, whose activities
are refused like a suspended domain's (`refuses_actor`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from ..config import Config, domain_listed
from ..store import Database
from ..store import domain_blocks as block_store
from ..store import moderation as moderation_store
from ..store.domain_blocks import DomainAllow, DomainBlock

TTL_SECONDS = 30.0


@dataclass(frozen=True)
class Snapshot:
    blocks: tuple[DomainBlock, ...] = ()
    allows: tuple[DomainAllow, ...] = ()
    suspended_actors: frozenset[str] = frozenset()
    # The known hosts of remote actors that a `silence` block covers (itself or a
    # subdomain), so lists filter by exact host, with the index.
    silenced_hosts: tuple[str, ...] = ()

    @property
    def suspended(self) -> tuple[str, ...]:
        return tuple(b.domain for b in self.blocks if b.severity == "suspend")

    @property
    def silenced(self) -> tuple[str, ...]:
        return tuple(b.domain for b in self.blocks if b.severity == "silence")

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(a.domain for a in self.allows)


class DomainPolicy:
    def __init__(self, config: Config, db: Database, *, ttl: float = TTL_SECONDS):
        self.config = config
        self.db = db
        self.ttl = ttl
        self._snapshot: Snapshot | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """The next question reads the database again (after a change in this process)."""
        self._snapshot = None

    async def snapshot(self) -> Snapshot:
        if self._snapshot is not None and time.monotonic() - self._read_at < self.ttl:
            return self._snapshot
        async with self._lock:
            if self._snapshot is None or time.monotonic() - self._read_at >= self.ttl:
                async with self.db.read() as conn:
                    blocks = await block_store.list_blocks(conn)
                    allows = await block_store.list_allows(conn)
                    suspended = await moderation_store.suspended_remote_uris(conn)
                    silenced = [b.domain for b in blocks if b.severity == "silence"]
                    hosts = await moderation_store.remote_domains(conn) if silenced else []
                self._snapshot = Snapshot(
                    tuple(blocks),
                    tuple(allows),
                    frozenset(suspended),
                    tuple(h for h in hosts if domain_listed(h.lower(), silenced)),
                )
                self._read_at = time.monotonic()
            return self._snapshot

    async def allows(self, domain: str) -> bool:
        """Whether federation with `domain` is permitted (config and database)."""
        if not self.config.is_domain_allowed(domain):
            if self.config.federation_mode != "allowlist" or domain_listed(
                domain.lower(), self.config.blocked_domains
            ):
                return False
            # Allowlist mode: the admins' allows count as well as the config's.
            snapshot = await self.snapshot()
            return domain_listed(domain.lower(), snapshot.allowed) and not domain_listed(
                domain.lower(), snapshot.suspended
            )
        return not domain_listed(domain.lower(), (await self.snapshot()).suspended)

    async def allowed_domains(self) -> tuple[str, ...]:
        """The domains allowed on the admin page (beside the config's)."""
        return (await self.snapshot()).allowed

    async def silenced_hosts(self) -> tuple[str, ...]:
        """The known remote hosts whose accounts a `silence` block limits (exact hosts,
        as of the last read: a host first seen since counts within TTL_SECONDS)."""
        return (await self.snapshot()).silenced_hosts

    async def is_silenced(self, domain: str) -> bool:
        return domain_listed(domain.lower(), (await self.snapshot()).silenced)

    async def refuses_actor(self, uri: str) -> bool:
        """Whether `uri` is a remote account the moderators suspended."""
        return uri in (await self.snapshot()).suspended_actors
