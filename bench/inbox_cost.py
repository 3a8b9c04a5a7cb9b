"""Inbox processing cost: server CPU and SQL statements per stored `Create(Note)`.

    python bench/inbox_cost.py [--creates N] [--repeat R] [--mix mixed|plain]
                               [--postgres URL] [--statements] [--profile out.prof]
                               [--json out.json]

What the inbox worker costs once an activity is queued, measured in-process with nothing
else in the way (no HTTP, no load client). One run:

1. builds an instance: a SQLite file migrated as `fedlocal migrate` makes it, opened by
   `Database` as in production (WAL, `synchronous=FULL`, the writer's `BEGIN
   IMMEDIATE`), or with --postgres a fresh schema in that database (dropped at the end);
   then `start_federation`, as `fedlocal serve` does minus the web app;
2. three residents, one of whom follows a remote Mastodon actor (its document and key
   stored as a fetch would store them: no network), and a group of ours the remote actor
   is a member of;
3. for each repetition (plus one unmeasured warm-up of --warmup Creates), puts N
   Mastodon-4-shaped `Create(Note)` rows in the inbox queue as the inbox writes them, and
   drives `InboxWorker.run_once()` until the queue is empty. The mix, by status number:
   5 % direct messages to a resident, 10 % public posts mentioning a resident, 10 % posts
   addressed to (mentioning) our group, the rest public to followers; half of all posts
   carry one or two hashtags (--mix plain: all public to followers);
4. reports, over the drain only: CPU time of the whole process from /proc/self/stat (the
   event loop's thread and the database driver's threads, shown apart), SQL statements
   sent (an SQLAlchemy `before_cursor_execute` listener: an executemany counts once, its
   rows beside it), write transactions and how long each held the write turn (p50, p99,
   max: what an inbox POST waiting for its append would wait at most), wall time, and
   the cores other processes used meanwhile (this machine is shared); --statements
   lists every statement sent, most frequent first;
5. checks the effects: every Create stored as a post and the queue empty; prints the
   rows each table got and a digest of their contents without ids or clock times, so
   that two versions of the code given the same arguments can be shown to do the same.

--profile writes a cProfile of the measured drains (CPU figures are then not the real
ones); for a sampling profile, run the script under `py-spy record`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from activitypub import keys as key_codec
from fedlocal.config import build_config
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.federation.runtime import Federation, start_federation
from fedlocal.models import Actor
from fedlocal.services import groups as group_service
from fedlocal.services.keys import generate_key_pems, store_actor_keys
from fedlocal.store import Database, inbox_queue, migrate
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store.tables import (
    actors,
    announces,
    deliveries,
    notifications,
    objects,
    outgoing_activities,
    post_hashtags,
    received_activities,
    thread_members,
    thread_messages,
    threads,
)
from fedlocal.store.tables import inbox_queue as inbox_queue_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import machine, machine_busy_seconds, wait_for_quiet  # noqa: E402
from remote_actor import MASTODON_CONTEXT  # noqa: E402

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
REMOTE_BASE = "https://mastodon.example"
REMOTE_URI = f"{REMOTE_BASE}/users/alice"
OUR_BASE = "https://fedlocal.example"
RESIDENTS = ("ana", "bruno", "chloe")
GROUP = "jardin"
# Fixed, so that the stored posts are the same from one run to the next (see `effects`).
PUBLISHED = "2026-01-05T09:30:00Z"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

_TEXTS = [
    "Je donne une perceuse en bon état, à récupérer rue de la Harpe après 18 h.",
    "Quelqu'un aurait une échelle de 3 m à prêter samedi matin ?",
    "Atelier vélo dimanche 10 h sous le préau de l'école Jean Macé.",
    "Je cherche des bocaux en verre pour les confitures de la fête de quartier.",
    "Merci à toutes celles et ceux qui sont venus ranger la cour hier soir !",
]
_TAGS = [("entraide",), (), ("velo", "atelier"), (), ("quartier",), ()]


# --- the activities ---------------------------------------------------------------------


# "mixed" (the default) or "plain": every Create public to followers (--mix).
MIX = "mixed"


def shape_of(status: int) -> str:
    """The share each kind of Create gets, by status number (see the module docstring)."""
    if MIX == "plain":
        return "public"
    if status % 20 == 0:
        return "direct"
    if status % 10 == 1:
        return "mention"
    if status % 10 == 6:
        return "group"
    return "public"


def create_note(status: int, published: str) -> tuple[str, bytes]:
    """A Create(Note) as Mastodon 4 sends it to a shared inbox; (activity id, body)."""
    note_uri = f"{REMOTE_URI}/statuses/{status}"
    followers = f"{REMOTE_URI}/followers"
    shape = shape_of(status)
    resident = RESIDENTS[status % len(RESIDENTS)]
    text = _TEXTS[status % len(_TEXTS)]
    tags: list[dict[str, str]] = []
    links = ""
    to, cc = [PUBLIC], [followers]
    if shape in ("direct", "mention", "group"):
        name = GROUP if shape == "group" else resident
        href = f"{OUR_BASE}/users/{name}"
        tags.append({"type": "Mention", "href": href, "name": f"@{name}@fedlocal.example"})
        links += (
            f'<span class="h-card" translate="no"><a href="{OUR_BASE}/@{name}" '
            f'class="u-url mention">@<span>{name}</span></a></span> '
        )
        if shape == "direct":
            to, cc = [href], []
        else:
            cc = [followers, href]
    hashtags = _TAGS[status % len(_TAGS)] if shape != "direct" else ()
    tag_links = "".join(
        f' <a href="{REMOTE_BASE}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}</span></a>'
        for t in hashtags
    )
    tags += [
        {"type": "Hashtag", "href": f"{REMOTE_BASE}/tags/{t}", "name": f"#{t}"} for t in hashtags
    ]
    content = f"<p>{links}{text}{tag_links}</p>"
    activity = {
        "@context": MASTODON_CONTEXT,
        "id": f"{note_uri}/activity",
        "type": "Create",
        "actor": REMOTE_URI,
        "published": published,
        "to": to,
        "cc": cc,
        "object": {
            "id": note_uri,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": published,
            "url": f"{REMOTE_BASE}/@alice/{status}",
            "attributedTo": REMOTE_URI,
            "to": to,
            "cc": cc,
            "sensitive": False,
            "atomUri": note_uri,
            "inReplyToAtomUri": None,
            "conversation": (
                f"tag:mastodon.example,2026-01-01:objectId={status}:objectType=Conversation"
            ),
            "content": content,
            "contentMap": {"fr": content},
            "attachment": [],
            "tag": tags,
            "replies": {
                "id": f"{note_uri}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{note_uri}/replies?only_other_accounts=true&page=true",
                    "partOf": f"{note_uri}/replies",
                    "items": [],
                },
            },
        },
    }
    body = json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode()
    return activity["id"], body


def remote_document(public_pem: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": REMOTE_URI,
        "type": "Person",
        "preferredUsername": "alice",
        "name": "Alice",
        "inbox": f"{REMOTE_URI}/inbox",
        "outbox": f"{REMOTE_URI}/outbox",
        "followers": f"{REMOTE_URI}/followers",
        "following": f"{REMOTE_URI}/following",
        "endpoints": {"sharedInbox": f"{REMOTE_BASE}/inbox"},
        "url": f"{REMOTE_BASE}/@alice",
        "publicKey": {
            "id": f"{REMOTE_URI}#main-key",
            "owner": REMOTE_URI,
            "publicKeyPem": public_pem,
        },
    }


# --- the instance -----------------------------------------------------------------------


@asynccontextmanager
async def instance(workdir: Path, postgres: str | None) -> AsyncIterator[Federation]:
    """A migrated instance with its federation parts, as `fedlocal serve` builds them."""
    settings: dict[str, Any] = {
        "name": "Bench",
        "base_url": OUR_BASE,
        "data_dir": str(workdir),
        "log_level": "warning",
    }
    schema = None
    if postgres:
        schema = f"fedlocal_bench_{uuid.uuid4().hex[:12]}"
        dsn = make_url(postgres).set(drivername="postgresql").render_as_string(False)
        admin = await asyncpg.connect(dsn)
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        settings["database_url"] = postgres
    config = build_config(settings, environ={})
    db = Database(config.database_url, schema=schema)
    try:
        await migrate(db)
        federation = await start_federation(config, db)
        try:
            yield federation
        finally:
            await federation.close()
    finally:
        await db.dispose()
        if postgres:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await admin.close()


async def populate(federation: Federation) -> None:
    """Residents, the followed remote actor, our group with that actor as a member."""
    urls = federation.urls
    residents: list[Actor] = []
    for name in RESIDENTS:
        pems = await generate_key_pems()
        async with federation.db.write() as conn:
            actor = await actor_store.insert_local_actor(
                conn,
                role="resident",
                type="Person",
                username=name,
                domain=federation.config.domain,
                display_name=name.capitalize(),
                **urls.actor_endpoints(name),
            )
            await store_actor_keys(conn, urls, actor, pems)
        residents.append(actor)
    private = key_codec.generate_rsa_key()
    remote = await federation.remote.store_actor_document(
        remote_document(key_codec.public_key_to_pem(private.public_key())),
        expected_uri=REMOTE_URI,
    )
    group = await group_service.create_group(
        federation.services, residents[0], GROUP, display_name="Jardin partagé"
    )
    async with federation.db.write() as conn:
        await follow_store.upsert_follow(
            conn,
            follower_id=residents[1].id,
            followed_id=remote.id,
            uri=f"{residents[1].uri}#follows/alice",
            state="accepted",
        )
        await follow_store.upsert_follow(
            conn,
            follower_id=remote.id,
            followed_id=group.id,
            uri=f"{REMOTE_URI}#follows/{GROUP}",
            state="accepted",
        )


async def enqueue(federation: Federation, first: int, count: int) -> None:
    # The queue's own database: on SQLite a file of its own (store/inbox_file.py).
    async with federation.db.inbox.write() as conn:
        for status in range(first, first + count):
            activity_id, body = create_note(status, PUBLISHED)
            await inbox_queue.enqueue(
                conn,
                body=body,
                activity_uri=activity_id,
                actor_uri=REMOTE_URI,
                key_id=f"{REMOTE_URI}#main-key",
            )


# --- measuring --------------------------------------------------------------------------


class Statements:
    """Counts what SQLAlchemy sends to the driver, on every engine of the database."""

    def __init__(self, db: Database):
        self.count = 0
        self.executemany = 0
        self.rows_in_executemany = 0
        self.by_verb: dict[str, int] = {}
        self.texts: dict[str, int] = {}
        engines = {id(db.writer): db.writer, id(db.reader): db.reader}
        for engine in engines.values():
            event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        self.by_verb[verb] = self.by_verb.get(verb, 0) + 1
        text = re.sub(r"sa_savepoint_\d+", "sa_savepoint_N", " ".join(statement.split()))[:150]
        self.texts[text] = self.texts.get(text, 0) + 1
        if executemany:
            self.executemany += 1
            self.rows_in_executemany += len(parameters)

    def snapshot(self) -> tuple[int, int, int, dict[str, int]]:
        return self.count, self.executemany, self.rows_in_executemany, dict(self.by_verb)


class WriteTurns:
    """How long each write transaction held the write turn (SQLite) or the writer
    connection (PostgreSQL), from its BEGIN to the end of its COMMIT: wraps
    `Database.write` of this instance only."""

    def __init__(self, db: Database):
        self.held: list[float] = []
        original = db.write

        @asynccontextmanager
        async def timed() -> AsyncIterator[Any]:
            context = original()
            conn = await context.__aenter__()
            started = time.perf_counter()
            try:
                yield conn
            except BaseException as exc:
                if not await context.__aexit__(type(exc), exc, exc.__traceback__):
                    raise
            else:
                await context.__aexit__(None, None, None)
            finally:
                self.held.append(time.perf_counter() - started)

        db.write = timed  # type: ignore[method-assign]


def process_cpu() -> dict[str, float]:
    """CPU seconds of this process: total, and per thread (by name) from /proc."""
    per_thread: dict[str, float] = {}
    main_tid = os.getpid()
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICK
        per_thread[task.name] = seconds
    total_fields = Path("/proc/self/stat").read_text().rpartition(")")[2].split()
    total = (int(total_fields[11]) + int(total_fields[12])) / CLOCK_TICK
    return {"total": total, "main": per_thread.get(str(main_tid), 0.0)}


@dataclass
class Rep:
    repetition: int
    creates: int
    wall_seconds: float
    cpu_ms_per_create: float
    main_thread_cpu_ms_per_create: float
    driver_threads_cpu_ms_per_create: float
    process_time_ms_per_create: float
    statements_per_create: float
    executemany_per_create: float
    statements_by_verb: dict[str, float]
    write_transactions: int
    write_held_ms_p50: float
    write_held_ms_p99: float
    write_held_ms_max: float
    batches: int
    creates_per_second: float
    others_cores: float


async def drain(worker: InboxWorker) -> int:
    batches = 0
    while await worker.run_once():
        batches += 1
    return batches


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def measure(
    federation: Federation,
    worker: InboxWorker,
    statements: Statements,
    turns: WriteTurns,
    repetition: int,
    first: int,
    count: int,
    profiler: cProfile.Profile | None,
) -> Rep:
    await enqueue(federation, first, count)
    turns.held.clear()
    before_statements = statements.snapshot()
    busy_before = machine_busy_seconds()
    cpu_before = process_cpu()
    process_before = time.process_time()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    batches = await drain(worker)
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - started
    process_used = time.process_time() - process_before
    cpu_after = process_cpu()
    busy = machine_busy_seconds() - busy_before
    after_statements = statements.snapshot()
    total = cpu_after["total"] - cpu_before["total"]
    main = cpu_after["main"] - cpu_before["main"]
    verbs = {
        verb: round((n - before_statements[3].get(verb, 0)) / count, 2)
        for verb, n in sorted(after_statements[3].items())
        if n - before_statements[3].get(verb, 0)
    }
    return Rep(
        repetition=repetition,
        creates=count,
        wall_seconds=round(wall, 3),
        cpu_ms_per_create=round(total * 1000 / count, 3),
        main_thread_cpu_ms_per_create=round(main * 1000 / count, 3),
        driver_threads_cpu_ms_per_create=round(max(0.0, total - main) * 1000 / count, 3),
        process_time_ms_per_create=round(process_used * 1000 / count, 3),
        statements_per_create=round((after_statements[0] - before_statements[0]) / count, 2),
        executemany_per_create=round((after_statements[1] - before_statements[1]) / count, 3),
        statements_by_verb=verbs,
        write_transactions=len(turns.held),
        write_held_ms_p50=round(percentile(turns.held, 0.5) * 1000, 2),
        write_held_ms_p99=round(percentile(turns.held, 0.99) * 1000, 2),
        write_held_ms_max=round(max(turns.held, default=0.0) * 1000, 2),
        batches=batches,
        creates_per_second=round(count / wall, 1),
        others_cores=round(max(0.0, busy - total) / wall, 2),
    )


async def effects(federation: Federation, creates: int) -> dict[str, Any]:
    """What the drains left in the store: counts, and a digest of the rows' contents
    without ids or clock times, so two versions of the code can be compared (the same
    command gives the same digest when the effects are the same)."""
    post_uri = objects.alias("post")
    actor = actors.alias("actor")
    other = actors.alias("other")
    queries = {
        "posts": select(
            objects.c.uri, objects.c.type, objects.c.kind, objects.c.visibility,
            objects.c.content, objects.c.summary, objects.c.sensitive, objects.c.language,
            objects.c.url, objects.c.in_reply_to_uri, objects.c.category, objects.c.data,
            objects.c.published, actor.c.uri,
        )
        .select_from(objects)
        .join(actor, actor.c.id == objects.c.actor_id)
        .where(objects.c.is_local.is_(False)),
        "notifications": select(
            actor.c.uri, notifications.c.type, other.c.uri, post_uri.c.uri
        )
        .select_from(notifications)
        .join(actor, actor.c.id == notifications.c.recipient_id)
        .join(other, other.c.id == notifications.c.actor_id)
        .join(post_uri, post_uri.c.id == notifications.c.post_id),
        "announces": select(actor.c.uri, announces.c.object_uri).select_from(announces).join(
            actor, actor.c.id == announces.c.actor_id
        ),
        "hashtags": select(post_hashtags.c.hashtag, post_uri.c.uri).select_from(post_hashtags).join(
            post_uri, post_uri.c.id == post_hashtags.c.post_id
        ),
        "thread_messages": select(threads.c.key, post_uri.c.uri)
        .select_from(thread_messages)
        .join(threads, threads.c.id == thread_messages.c.thread_id)
        .join(post_uri, post_uri.c.id == thread_messages.c.post_id),
        "thread_members": select(
            threads.c.key, actor.c.uri, other.c.uri, thread_members.c.unread
        )
        .select_from(thread_members)
        .join(threads, threads.c.id == thread_members.c.thread_id)
        .join(actor, actor.c.id == thread_members.c.actor_id)
        .join(other, other.c.id == thread_members.c.other_id),
        "outgoing": select(actor.c.uri, outgoing_activities.c.fanout_state)
        .select_from(outgoing_activities)
        .join(actor, actor.c.id == outgoing_activities.c.actor_id),
        "deliveries": select(deliveries.c.inbox_url, deliveries.c.state),
        "received": select(received_activities.c.uri),
    }  # fmt: skip
    queue_left = select(inbox_queue_table.c.id, inbox_queue_table.c.state)
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    async with federation.db.read() as conn:
        for name, query in queries.items():
            rows = sorted(
                json.dumps([_plain(value) for value in row], sort_keys=True)
                for row in await conn.execute(query)
            )
            counts[name] = len(rows)
            digest.update(name.encode() + b"\0" + "\n".join(rows).encode() + b"\0")
    async with federation.db.inbox.read() as conn:
        # Last in the digest, as when the queue was read with the rest.
        rows = sorted(
            json.dumps([_plain(value) for value in row], sort_keys=True)
            for row in await conn.execute(queue_left)
        )
    counts["queue_left"] = len(rows)
    digest.update(b"queue_left\0" + "\n".join(rows).encode() + b"\0")
    return {
        "counts": counts,
        "digest": digest.hexdigest()[:16],
        "ok": counts["posts"] == creates and counts["queue_left"] == 0,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-inbox-cost-"))
    try:
        async with instance(workdir, args.postgres) as federation:
            await populate(federation)
            worker = InboxWorker(federation, batch_size=args.batch_size)
            statements = Statements(federation.db)
            turns = WriteTurns(federation.db)
            first = 1
            if args.warmup:
                await enqueue(federation, first, args.warmup)
                await drain(worker)
                first += args.warmup
            profiler = cProfile.Profile() if args.profile else None
            reps = []
            for repetition in range(1, args.repeat + 1):
                wait_for_quiet(args.max_others, 20.0)
                rep = await measure(
                    federation, worker, statements, turns, repetition, first, args.creates,
                    profiler,
                )  # fmt: skip
                first += args.creates
                print_rep(rep)
                reps.append(rep)
            if profiler:
                profiler.dump_stats(args.profile)
            checked = await effects(federation, first - 1)
            if args.statements:
                total = (args.warmup + args.creates * args.repeat) or 1
                for text, n in sorted(statements.texts.items(), key=lambda kv: -kv[1]):
                    print(f"{n / total:7.3f}  {text}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "database": "postgresql" if args.postgres else "sqlite",
        "mix": args.mix,
        "creates": args.creates,
        "batch_size": args.batch_size,
        "repetitions": [asdict(r) for r in reps],
        "median": {
            key: statistics.median(getattr(r, key) for r in reps)
            for key in (
                "cpu_ms_per_create",
                "main_thread_cpu_ms_per_create",
                "driver_threads_cpu_ms_per_create",
                "statements_per_create",
                "write_held_ms_p99",
                "write_held_ms_max",
                "creates_per_second",
            )
        },
        "effects": checked,
        "machine": machine(),
    }


def print_header() -> None:
    print(
        "rep | CPU ms/Create (loop + driver) | statements/Create | write txns | "
        "held p50/p99/max ms | Creates/s | others' cores"
    )


def print_rep(rep: Rep) -> None:
    print(
        f"{rep.repetition:>3} | {rep.cpu_ms_per_create:.3f}"
        f" ({rep.main_thread_cpu_ms_per_create:.3f}"
        f" + {rep.driver_threads_cpu_ms_per_create:.3f}) | {rep.statements_per_create:.2f}"
        f" | {rep.write_transactions} | {rep.write_held_ms_p50:.1f} / {rep.write_held_ms_p99:.1f}"
        f" / {rep.write_held_ms_max:.1f} | {rep.creates_per_second:.0f} | {rep.others_cores:.2f}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creates", type=int, default=5000, help="Creates per repetition")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=500, help="unmeasured Creates first")
    parser.add_argument("--batch-size", type=int, default=50, help="the worker's batch")
    parser.add_argument(
        "--postgres",
        default=None,
        help="a PostgreSQL URL: measure there (a fresh schema, dropped at the end)",
    )
    parser.add_argument(
        "--max-others", type=float, default=0.3, help="wait for others to use fewer cores"
    )
    parser.add_argument(
        "--mix",
        choices=["mixed", "plain"],
        default="mixed",
        help="plain: only public posts from the followed actor (no mention, group or DM)",
    )
    parser.add_argument("--profile", help="write a cProfile of the measured drains here")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument(
        "--statements", action="store_true", help="list the statements sent, most frequent first"
    )
    args = parser.parse_args()
    global MIX
    MIX = args.mix
    print_header()
    figures = asyncio.run(run(args))
    median = figures["median"]
    print(
        f"median: {median['cpu_ms_per_create']:.3f} ms CPU/Create "
        f"({median['main_thread_cpu_ms_per_create']:.3f} event loop + "
        f"{median['driver_threads_cpu_ms_per_create']:.3f} driver threads), "
        f"{median['statements_per_create']:.2f} statements/Create, "
        f"{median['creates_per_second']:.0f} Creates/s, write turn held p99 "
        f"{median['write_held_ms_p99']:.1f} ms, max {median['write_held_ms_max']:.1f} ms"
    )
    by_verb = figures["repetitions"][-1]["statements_by_verb"]
    print("statements/Create by verb (last rep):", by_verb)
    print("effects:", json.dumps(figures["effects"]))
    code = figures["machine"]["code"]
    print(
        f"code: {code['git_head']} ({code['sources_sha256']}), {figures['database']}, "
        f"{figures['mix']} mix"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0 if figures["effects"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
