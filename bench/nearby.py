"""Nearby query latency: 2 km radius queries over 200,000 posts around Saint-Malo.

    python bench/nearby.py [--posts N] [--queries Q] [--radius KM] [--postgres URL]
                           [--cache DIR] [--json out.json]

One run of this script:

1. builds an SQLite file (schema from the migrations, as `fedlocal migrate` makes it)
   holding N posts from `bench/nearby_data.py`: offers, requests and events clustered
   around 16 towns within ~40 km of Saint-Malo plus a uniform background, 2 % of them
   tombstones, 15 % not public or unlisted; inserted with SQLAlchemy Core in batches of
   5,000. With --cache the file is kept there and reused by later runs with the same N,
   seed and schema revision.
   No ANALYZE is run: an instance's SQLite file has no planner statistics either.
2. with --postgres, loads the same rows into a fresh schema of that database, runs
   ANALYZE (autovacuum would, after such a load), and drops the schema at the end;
   with --postgres-keep, the schema is named after N, the seed and the schema revision,
   kept, and reused by later runs (a million rows take minutes to load).
3. draws the query centres: "data" centres from the posts' own distribution (where
   people are, so mostly dense areas: the target's case), "uniform" centres over the
   40 km disc (mostly sparse: countryside and sea).
4. for each backend, set of centres and variant, waits for the machine to be quiet, runs
   50 unmeasured queries, then Q measured ones in blocks of 100, each query in its own
   read transaction as a request would: `page` (posts_within, newest 20),
   `page+category` (the same, one category), `nearest` (nearest_posts, 20), `all`
   (ids_within: every match). Other people's work shares this machine: a block during
   which other processes used more than --max-others cores is measured again after a
   quiet second (up to --retries times); the figures say how many were, and the most
   cores others used during a block that was kept.
5. prints p50/p95/p99/max wall time, CPU time per query (the process's: aiosqlite's
   thread included), the rows examined (ids read from the cell index alone, rows read
   back), the posts in the touched cells and within the radius, and the query plans of
   the page statements at the densest and at a sparse centre.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import make_url

from fedlocal.categories import BUILT_IN
from fedlocal.geo import RadiusQuery, radius_query
from fedlocal.store import Database, head_revision, migrate
from fedlocal.store import actors as actor_store
from fedlocal.store.nearby import ScanStats, ids_within, nearest_posts, posts_within
from fedlocal.store.tables import objects

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nearby_data import post_rows, random_point, uniform_point  # noqa: E402
from processes import cpu_seconds, machine, machine_busy_seconds, wait_for_quiet  # noqa: E402

BATCH = 5000
WARMUP = 50
BLOCK = 100
VARIANTS = ("page", "page+category", "nearest", "all")


# --- the data -----------------------------------------------------------------------------


async def fill(db: Database, posts: int, seed: int) -> float:
    """Migrate and insert `posts` posts; returns the seconds the inserts took."""
    await migrate(db)
    rng = random.Random(seed)
    async with db.write() as conn:
        actor_ids = []
        for number in range(8):
            host = f"town{number}.example"
            actor = await actor_store.upsert_remote_actor(
                conn,
                uri=f"https://{host}/users/neighbour",
                type="Person",
                username="neighbour",
                domain=host,
                inbox_url=f"https://{host}/users/neighbour/inbox",
            )
            actor_ids.append(actor.id)
    started = time.perf_counter()
    for first in range(0, posts, BATCH):
        rows = post_rows(rng, min(BATCH, posts - first), actor_ids, first=first)
        async with db.write() as conn:
            await conn.execute(insert(objects), rows)
    return time.perf_counter() - started


async def sqlite_database(args: argparse.Namespace, workdir: Path) -> tuple[Database, str]:
    name = f"nearby-{args.posts}-{args.seed}-{head_revision()}.sqlite3"
    path = (Path(args.cache) if args.cache else workdir) / name
    if path.exists():
        return Database(f"sqlite:///{path}"), f"reused {path}"
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    for leftover in path.parent.glob(building.name + "*"):
        leftover.unlink()
    db = Database(f"sqlite:///{building}")
    seconds = await fill(db, args.posts, args.seed)
    await db.dispose()
    os.replace(building, path)
    return Database(f"sqlite:///{path}"), f"built {path} in {seconds:.0f} s of inserts"


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_database(args: argparse.Namespace) -> tuple[Database, str, str]:
    if args.postgres_keep:
        revision = head_revision().replace("-", "_")
        schema = f"fedlocal_bench_nearby_{args.posts}_{args.seed}_{revision}"
    else:
        schema = f"fedlocal_bench_nearby_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(_asyncpg_dsn(args.postgres))
    try:
        # A kept schema is complete once its marker table exists (written last).
        kept = args.postgres_keep and await connection.fetchval(
            "SELECT to_regclass($1) IS NOT NULL", f'"{schema}".bench_complete'
        )
        if kept:
            return Database(args.postgres, schema=schema), schema, f"reused schema {schema}"
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    db = Database(args.postgres, schema=schema)
    seconds = await fill(db, args.posts, args.seed)
    async with db.write() as conn:
        await conn.exec_driver_sql("ANALYZE objects")
        if args.postgres_keep:
            await conn.exec_driver_sql("CREATE TABLE bench_complete (done integer)")
    return db, schema, f"loaded schema {schema} in {seconds:.0f} s of inserts, then ANALYZE"


async def drop_schema(url: str, schema: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


def centres(kind: str, count: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(f"{kind}-{seed}")
    draw = random_point if kind == "data" else uniform_point
    return [draw(rng) for _ in range(count)]


# --- the queries --------------------------------------------------------------------------

# Each query gets the centre's area, the statistics to fill, and the category of this
# centre (drawn once, so a block measured again asks the same).
Query = Callable[[Any, RadiusQuery, ScanStats, str], Awaitable[list]]


async def _page(conn, area, stats, category):
    return await posts_within(conn, area, limit=20, stats=stats)


async def _page_category(conn, area, stats, category):
    return await posts_within(conn, area, categories=[category], limit=20, stats=stats)


async def _nearest(conn, area, stats, category):
    return await nearest_posts(conn, area, limit=20, stats=stats)


async def _all(conn, area, stats, category):
    return await ids_within(conn, area, stats=stats)


QUERIES: dict[str, Query] = {
    "page": _page,
    "page+category": _page_category,
    "nearest": _nearest,
    "all": _all,
}


@dataclass
class VariantResult:
    backend: str
    centres: str
    variant: str
    queries: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    cpu_ms_per_query: float
    server_cpu_ms_per_query: float | None  # the PostgreSQL backend's, from /proc
    results_mean: float
    statements_mean: float
    cell_ids_mean: float
    cell_ids_p95: float
    rows_mean: float
    rows_p95: float
    others_cores: float  # the most cores other processes used during a kept block
    blocks_redone: int  # blocks measured again because others used more than --max-others
    idle_before_cores: float


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


@dataclass
class Block:
    times: list[float]
    results: list[int]
    stats: list[ScanStats]
    cpu: float
    server_cpu: float
    others: float


async def measure_block(
    db: Database, query: Query, centres: list[tuple[float, float, str]], radius_km: float
) -> Block:
    server = await backend_pid(db)
    server0 = cpu_seconds(server) if server else 0.0
    times, results, stats_list = [], [], []
    machine0, cpu0 = machine_busy_seconds(), time.process_time()
    for latitude, longitude, category in centres:
        stats = ScanStats()
        started = time.perf_counter()
        async with db.read() as conn:
            area = radius_query(latitude, longitude, radius_km)
            found = await query(conn, area, stats, category)
        times.append((time.perf_counter() - started) * 1000)
        results.append(len(found))
        stats_list.append(stats)
    cpu = time.process_time() - cpu0
    server_cpu = cpu_seconds(server) - server0 if server else 0.0
    busy = machine_busy_seconds() - machine0
    if server and await backend_pid(db) != server:
        raise RuntimeError("the queries moved to another PostgreSQL connection")
    others = max(0.0, busy - cpu - server_cpu) / max(sum(times) / 1000, 1e-9)
    return Block(times, results, stats_list, cpu, server_cpu, others)


async def run_variant(
    db: Database,
    backend: str,
    centre_kind: str,
    variant: str,
    points: list[tuple[float, float]],
    radius_km: float,
    args: argparse.Namespace,
) -> VariantResult:
    """Warm up, then measure in blocks of BLOCK queries; a block during which other
    processes used more than --max-others cores is measured again (up to --retries
    times) after waiting for the machine to be quiet."""
    query = QUERIES[variant]
    rng = random.Random(f"{variant}-{args.seed}")
    with_categories = [(lat, lon, rng.choice(BUILT_IN).key) for lat, lon in points]
    idle_before = wait_for_quiet(args.quiet_cores, args.quiet_wait)
    for latitude, longitude, category in with_categories[:WARMUP]:
        async with db.read() as conn:
            await query(conn, radius_query(latitude, longitude, radius_km), ScanStats(), category)
    measured = with_categories[WARMUP:]
    kept: list[Block] = []
    redone = 0
    for first in range(0, len(measured), BLOCK):
        for attempt in range(args.retries + 1):
            if attempt:
                wait_for_quiet(args.quiet_cores, args.quiet_wait)
            block = await measure_block(db, query, measured[first : first + BLOCK], radius_km)
            if block.others <= args.max_others or attempt == args.retries:
                break
            redone += 1
        kept.append(block)
    times = [t for b in kept for t in b.times]
    results = [n for b in kept for n in b.results]
    stats_list = [st for b in kept for st in b.stats]
    server_cpu = sum(b.server_cpu for b in kept)
    ordered = sorted(times)
    entries = sorted(st.cell_ids for st in stats_list)
    rows = sorted(st.rows for st in stats_list)
    return VariantResult(
        backend=backend,
        centres=centre_kind,
        variant=variant,
        queries=len(times),
        p50_ms=round(percentile(ordered, 50), 2),
        p95_ms=round(percentile(ordered, 95), 2),
        p99_ms=round(percentile(ordered, 99), 2),
        max_ms=round(ordered[-1], 2),
        mean_ms=round(statistics.mean(times), 2),
        cpu_ms_per_query=round(sum(b.cpu for b in kept) * 1000 / len(times), 2),
        server_cpu_ms_per_query=(
            round(server_cpu * 1000 / len(times), 2) if backend != "sqlite" else None
        ),
        results_mean=round(statistics.mean(results), 1),
        statements_mean=round(statistics.mean(st.statements for st in stats_list), 2),
        cell_ids_mean=round(statistics.mean(entries), 1),
        cell_ids_p95=percentile(entries, 95),
        rows_mean=round(statistics.mean(rows), 1),
        rows_p95=percentile(rows, 95),
        others_cores=round(max(b.others for b in kept), 2),
        blocks_redone=redone,
        idle_before_cores=round(idle_before, 2),
    )


async def backend_pid(db: Database) -> int | None:
    """The PostgreSQL backend serving this (sequential) benchmark: the pool hands back its
    one idle connection every time."""
    if db.is_sqlite:
        return None
    async with db.read() as conn:
        return (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()


# --- what the centres hold, and the plans -------------------------------------------------


async def describe_centres(
    db: Database, points: list[tuple[float, float]], radius_km: float
) -> dict[str, Any]:
    """Posts in the cells each query touches and within its radius (all kinds, any
    status): the work a query that read every candidate would do."""
    in_cells, in_radius = [], []
    async with db.read() as conn:
        for latitude, longitude in points:
            area = radius_query(latitude, longitude, radius_km)
            cells = [c for first, last in area.cell_ranges for c in range(first, last + 1)]
            rows = (
                await conn.execute(
                    select(objects.c.latitude, objects.c.longitude).where(
                        objects.c.geo_cell.in_(cells)
                    )
                )
            ).all()
            in_cells.append(len(rows))
            in_radius.append(sum(1 for lat, lon in rows if area.contains(lat, lon)))
    in_cells.sort()
    in_radius.sort()
    return {
        "posts_in_cells_p50": percentile(in_cells, 50),
        "posts_in_cells_p95": percentile(in_cells, 95),
        "posts_in_cells_max": in_cells[-1],
        "posts_in_radius_p50": percentile(in_radius, 50),
        "posts_in_radius_p95": percentile(in_radius, 95),
        "posts_in_radius_max": in_radius[-1],
        "empty_share": round(sum(1 for n in in_radius if n == 0) / len(in_radius), 2),
    }


async def plans(db: Database, area: RadiusQuery) -> list[dict[str, Any]]:
    """The plan of every statement one `posts_within` page sends, as the database
    explains it for those very parameters."""
    sent: list[tuple[str, Any]] = []
    engine = db.reader.sync_engine

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        async with db.read() as conn:
            await posts_within(conn, area, limit=20)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    explained = []
    async with db.read() as conn:
        for statement, parameters in sent:
            prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, COSTS OFF) "
            result = await conn.exec_driver_sql(prefix + statement, parameters)
            lines = [row[-1] if db.is_sqlite else row[0] for row in result.all()]
            explained.append({"statement": _shorten(statement), "plan": lines})
    return explained


def _shorten(statement: str) -> str:
    text = " ".join(statement.split())
    for marker in ("IN (?", "IN ($"):
        start = text.find(marker)
        while start != -1:
            end = text.find(")", start)
            count = text[start:end].count(",") + 1
            text = text[: start + 4] + f"…{count} values…" + text[end:]
            start = text.find(marker, start + 4)
    return text


async def densest(db: Database, points: list[tuple[float, float]], radius_km: float):
    """The centre with the most posts in its cells, and one with the fewest."""
    counts = []
    async with db.read() as conn:
        for latitude, longitude in points[:200]:
            area = radius_query(latitude, longitude, radius_km)
            cells = [c for first, last in area.cell_ranges for c in range(first, last + 1)]
            count = (
                await conn.execute(
                    select(func.count()).select_from(objects).where(objects.c.geo_cell.in_(cells))
                )
            ).scalar_one()
            counts.append((count, latitude, longitude))
    counts.sort()
    return counts[-1], counts[0]


# --- the run ------------------------------------------------------------------------------


@dataclass
class BackendReport:
    backend: str
    setup: str
    centres: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: list[VariantResult] = field(default_factory=list)
    plans: dict[str, Any] = field(default_factory=dict)


async def bench_backend(
    db: Database, backend: str, setup: str, args: argparse.Namespace
) -> BackendReport:
    report = BackendReport(backend, setup)
    print(f"\n== {backend}: {setup}", flush=True)
    count = args.queries + WARMUP
    sets = {kind: centres(kind, count, args.seed) for kind in ("data", "uniform")}
    for kind, points in sets.items():
        report.centres[kind] = await describe_centres(db, points[WARMUP:], args.radius)
        print(f"   {kind} centres: {report.centres[kind]}", flush=True)
    (dense_n, dense_lat, dense_lon), (sparse_n, sparse_lat, sparse_lon) = await densest(
        db, sets["data"] + sets["uniform"], args.radius
    )
    for name, (lat, lon, n) in {
        "densest": (dense_lat, dense_lon, dense_n),
        "sparsest": (sparse_lat, sparse_lon, sparse_n),
    }.items():
        report.plans[name] = {
            "centre": [lat, lon],
            "posts_in_cells": n,
            "statements": await plans(db, radius_query(lat, lon, args.radius)),
        }
        print(f"   plan at the {name} centre ({lat}, {lon}; {n} posts in its cells):")
        for item in report.plans[name]["statements"]:
            print(f"     {item['statement'][:150]}")
            for line in item["plan"]:
                print(f"       {line}")
    print_header()
    for kind, points in sets.items():
        for variant in args.variants:
            result = await run_variant(db, backend, kind, variant, points, args.radius, args)
            report.results.append(result)
            print_result(result)
    return report


LEGEND = (
    "   ms of wall time per query (its own read transaction); cpu: ms of this process's CPU"
    " per query; found: items returned; stmts: statements sent; cell ids: ids asked of the"
    " cell index (an upper bound); rows: table rows returned to Python (mean, p95);"
    " srv: ms of the PostgreSQL backend's CPU per query; others: the most cores other"
    " processes used during a block of queries kept; redone: blocks measured again"
)


def print_header() -> None:
    print(LEGEND)
    print(
        f"   {'centres':8} {'variant':14} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
        f" {'cpu':>6} {'srv':>6} {'found':>7} {'stmts':>5} {'cell ids':>8} {'rows':>8}"
        f" {'rows95':>7} {'others':>6} {'redone':>6}",
        flush=True,
    )


def print_result(r: VariantResult) -> None:
    print(
        f"   {r.centres:8} {r.variant:14} {r.queries:>5} {r.p50_ms:>7.2f} {r.p95_ms:>7.2f}"
        f" {r.p99_ms:>7.2f} {r.max_ms:>7.2f} {r.cpu_ms_per_query:>6.2f}"
        f" {r.server_cpu_ms_per_query if r.server_cpu_ms_per_query is not None else '-':>6}"
        f" {r.results_mean:>7.1f}"
        f" {r.statements_mean:>5.2f} {r.cell_ids_mean:>8.1f} {r.rows_mean:>8.1f}"
        f" {r.rows_p95:>7} {r.others_cores:>6.2f} {r.blocks_redone:>6}",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB, "
        f"Python {info['python']}, SQLite {info['sqlite']}, {info['os']}, {info['filesystem']}",
        flush=True,
    )
    print(f"code: {info['code']}; packages: {info['packages']}", flush=True)
    print(
        f"posts={args.posts} queries={args.queries} per variant (+{WARMUP} warm-up) "
        f"radius={args.radius} km seed={args.seed}",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-bench-nearby-"))
    reports = []
    try:
        if "sqlite" in args.backends:
            db, setup = await sqlite_database(args, workdir)
            try:
                reports.append(await bench_backend(db, "sqlite", setup, args))
            finally:
                await db.dispose()
        if args.postgres and "postgresql" in args.backends:
            db, schema, setup = await postgres_database(args)
            try:
                async with db.read() as conn:
                    version = (await conn.exec_driver_sql("SHOW server_version")).scalar_one()
                reports.append(
                    await bench_backend(db, "postgresql", f"PostgreSQL {version}, {setup}", args)
                )
            finally:
                await db.dispose()
                if not args.postgres_keep:
                    await drop_schema(args.postgres, schema)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "machine": info,
        "arguments": vars(args),
        "backends": [
            {**asdict(report), "results": [asdict(r) for r in report.results]} for report in reports
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="fedlocal nearby query latency")
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--queries", "-q", type=int, default=1000, help="per variant")
    parser.add_argument("--radius", type=float, default=2.0, help="km (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS), metavar="VARIANT"
    )
    parser.add_argument("--postgres", metavar="URL", help="also measure on this database")
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=("sqlite", "postgresql"),
        default=["sqlite", "postgresql"],
        help="which to measure (postgresql needs --postgres)",
    )
    parser.add_argument("--cache", metavar="DIR", help="keep and reuse the SQLite file here")
    parser.add_argument(
        "--postgres-keep",
        action="store_true",
        help="keep the PostgreSQL schema (named after N, seed and revision) and reuse it",
    )
    parser.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    parser.add_argument(
        "--quiet-cores",
        type=float,
        default=0.3,
        help="before each variant, wait until the machine uses fewer cores than this",
    )
    parser.add_argument("--quiet-wait", type=float, default=60.0, help="... for at most (s)")
    parser.add_argument(
        "--max-others",
        type=float,
        default=0.5,
        help=f"measure a block of {BLOCK} queries again if other processes used more cores",
    )
    parser.add_argument("--retries", type=int, default=3, help="... at most this many times")
    args = parser.parse_args()
    figures = asyncio.run(main_async(args))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
