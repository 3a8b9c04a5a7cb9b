"""Assembling the federation parts around one database: used by the app and the CLI."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx

from activitypub.client import make_client

from .. import __version__
from ..config import Config
from ..services.context import ServiceContext
from ..services.domain_policy import DomainPolicy
from ..services.instance import InstanceActors, ensure_instance_actors, instance_secret
from ..store import Database
from ..store.inbox_append import InboxAppender, inbox_appender
from ..store.signals import Signals
from ..urls import Urls
from .admission import InboxAdmission
from .delivery_bounds import most_in_flight
from .outbox import FederationOutbox
from .pressure import InboxPressure
from .remote import RemoteActors
from .verifier import InboundVerifier
from .workers import Heartbeats


@dataclass
class Federation:
    config: Config
    db: Database
    urls: Urls
    client: httpx.AsyncClient
    remote: RemoteActors
    verifier: InboundVerifier
    outbox: FederationOutbox
    services: ServiceContext
    actors: InstanceActors
    inbox_appender: InboxAppender
    inbox_admission: InboxAdmission
    signals: Signals
    inbox_work: asyncio.Event = field(default_factory=asyncio.Event)
    inbox_pressure: InboxPressure = field(default_factory=InboxPressure)
    heartbeats: Heartbeats = field(default_factory=Heartbeats)

    @property
    def user_agent(self) -> str:
        return user_agent(self.config)

    def inbox_queued(self) -> None:
        """An activity was committed to the inbox queue: wake the inbox worker here and
        in the other processes on the database."""
        self.inbox_work.set()
        self.signals.tell_others("inbox")

    def inbox_queued_elsewhere(self) -> None:
        """Another process queued an activity: wake the inbox worker, and count it as a
        request for the worker's lulls. A worker process (`fedlocal worker`) receives no
        POSTs itself; without this it would run a batch for every wake-up, one or two
        activities each, and lose what processing activities together saves
        (bench/multiprocess.py). It does not step aside for them (`InboxPressure`)."""
        self.inbox_pressure.note_queued_elsewhere()
        self.inbox_work.set()

    async def close(self) -> None:
        await self.inbox_admission.close()
        await self.signals.close()
        await self.client.aclose()
        await self.inbox_appender.close()


def user_agent(config: Config) -> str:
    return f"fedlocal/{__version__} (+{config.base_url})"


# Connections for what runs beside the deliveries: fetches of actors and posts, pushes.
OTHER_CONNECTIONS = 64


def make_http_client(config: Config, *, key_id: str | None, private_key) -> httpx.AsyncClient:
    """The server's one HTTP client. It can hold a connection for every request the delivery
    pool may have in flight (slow ones included) and more for the rest: with fewer, hosts
    that hang would hold every connection until their timeout and the healthy hosts'
    deliveries would wait for one (bench/fanout.py: 100 hanging hosts and httpx's default
    of 100 held the healthy 900 for the whole 10 s timeout)."""
    return make_client(
        key_id=key_id,
        private_key=private_key,
        allow_private=config.allow_private_addresses,
        timeout=config.http_timeout_seconds,
        user_agent=user_agent(config),
        max_connections=most_in_flight(config.delivery_concurrency) + OTHER_CONNECTIONS,
    )


async def start_federation(
    config: Config, db: Database, *, beside_other_processes: bool = False
) -> Federation:
    """Build every federation part; creates the instance's own actors on first start.
    `beside_other_processes`: this process shares the database with others that write
    what it must act on (on SQLite, a web process without workers and the worker process
    beside it watch the file for each other's writes; PostgreSQL always listens)."""
    urls = Urls(config.base_url)
    outbox = FederationOutbox(config, urls)
    actors = await ensure_instance_actors(config, db, urls)
    assert actors.instance_key.private_pem is not None
    # The PEM, parsed at the first signed request (activitypub/client.py).
    client = make_http_client(
        config, key_id=actors.instance_key.key_id, private_key=actors.instance_key.private_pem
    )
    domains = DomainPolicy(config, db)
    remote = RemoteActors(config, db, client, domains=domains)
    verifier = InboundVerifier(remote, refetch_interval=config.key_refetch_interval_seconds)
    services = ServiceContext(
        config=config,
        db=db,
        urls=urls,
        outbox=outbox,
        remote=remote,
        secret=instance_secret(actors),
        domain_policy=domains,
    )
    # Wake-ups from the other processes on the database (PostgreSQL's LISTEN/NOTIFY, or
    # a watch of the SQLite file).
    signals = Signals(db, watch_sqlite=beside_other_processes)
    await signals.start()
    outbox.tell_others = lambda: signals.tell_others("outbox")
    signals.on("outbox", outbox.work_available.set)
    federation = Federation(
        config=config,
        db=db,
        urls=urls,
        client=client,
        remote=remote,
        verifier=verifier,
        outbox=outbox,
        services=services,
        actors=actors,
        inbox_appender=inbox_appender(db),
        inbox_admission=InboxAdmission(
            db, limit=config.inbox_backlog_limit, hold_seconds=config.inbox_hold_seconds
        ),
        signals=signals,
    )
    admission = federation.inbox_admission
    federation.inbox_pressure.waiting_on_worker = lambda: admission.held > 0
    signals.on("inbox", federation.inbox_queued_elsewhere)
    signals.on("changed", federation.inbox_work.set)
    return federation
