"""Radius queries over posts: index-assisted prefilter in SQL, exact distance in Python.

See fedlocal/geo.py for the two steps. The `geo_cell` index drives every query here,
never an index that happens to match another filter or the order: reading some other
index in id order and checking each row's place is quick where posts are dense and a scan
of the whole table where they are sparse. So the kind, status and category columns are
compared for their value only (`+kind` on SQLite, its documented way to keep a term from
choosing an index; `kind || ''` on PostgreSQL), and on PostgreSQL the newest-first order
is `id + 0`, which no index provides (see `_newest_first`). PostgreSQL must plan each
area for its own cells: a page binds its cells (one array), bounds and limit, so its
statements keep one text that the driver prepares once per connection, and asks for a
plan made for the values at each run (`_plan_for_values`); the other queries, and every
query on SQLite, write cells, cursors and limits into the SQL text (`_inline`).

- newest first (`posts_within`):
  - SQLite, usually one statement per page: `SELECT … WHERE id IN (SELECT id … WHERE
    geo_cell IN (cells) AND id < :cursor ORDER BY id DESC LIMIT :batch) AND <filters>
    AND <planar bound> ORDER BY id DESC LIMIT :page`. Every entry of the cell index
    ix_objects_geo_cell_id ends with the rowid, so the subquery reads each cell newest
    first from its own place in the index (a covering read: no table row) and its sort
    stops early: about one index seek per cell plus the batch, however many posts the
    cells hold. Those rows are read by primary key and filtered; a page the batch cannot
    fill goes on with a batch four times larger below the oldest candidate seen.
  - PostgreSQL, which cannot stop early per cell in id order, reads windows of ids:
    `SELECT … WHERE geo_cell = ANY(:cells) AND <filters> AND <planar bound> AND id < :cursor
    AND id >= :cursor - 20000 ORDER BY id DESC LIMIT :page` first, which whatever the plan
    (the primary key read backwards where posts are dense, the cell index where they are
    sparse) reads at most the newest 20,000 posts; then, while the page is not full, the
    same over wider windows below, ordered by `id + 0`: the cell index
    ix_objects_geo_cell_id (geo_cell, id) gives each cell's posts within the window and
    nothing else, so a window costs the area's posts in it. Each window is sized from the
    density of matches in the one above (for twice the results still missing, 4 to 16
    times wider: see `_next_window`), so a page usually takes one or two windows, and
    reads a few times the posts it needs, not every post of its cells.
  The exact distance decides; rows the planar bound kept but the circle does not are
  skipped, and the page goes on below the last row read.
- every match (`ids_within`): the rows in the cells that pass the filters and the planar
  bound, as (id, latitude, longitude); the work grows with the posts in the cells.
- nearest first (`nearest_posts`): within circles growing from 150 m to the radius until
  one holds `limit` matches, each ordered by the planar distance in SQL (a lower bound of
  the true distance up to a known factor), so only a few rows per result reach Python.

An area of more than MAX_LISTED_CELLS cells (50 km far north, or the latitude band of a
very large radius) is searched by cell ranges instead of a list of cells: one index range
per grid row, whose ids come unordered, so the work grows with the posts in the area.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    BindParameter,
    Select,
    String,
    any_,
    bindparam,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.visitors import InternalTraversal

from ..geo import RadiusQuery, radius_query
from ..models import Post
from .post_columns import post_from_row
from .tables import objects

# Beyond this many cells the candidates come from cell ranges (see the module docstring);
# well below the 32,766 bound parameters that SQLite and asyncpg allow in one statement.
MAX_LISTED_CELLS = 12_000
# Candidate ids per round of `posts_within`: a few pages' worth first (about half the
# candidates of a dense area pass the usual filters), four times more each further round.
_FIRST_BATCH_PER_RESULT = 4
_MIN_BATCH = 64
_MAX_BATCH = 4096
# PostgreSQL's first look at a page: the newest this many ids below the cursor, which any
# plan it picks reads in bounded time (see the module docstring).
_ID_WINDOW = 20_000
# Each further window of ids is wider than the one above it: wide enough, at the density
# of matches seen so far, for twice the results the page still needs, and between 4 and
# 16 times wider (a filter few posts pass, such as one category, gets there in fewer
# statements; a window without a match grows 16 times).
_WINDOW_GROWTH = 4
_MAX_WINDOW_GROWTH = 16
# Rows read beyond those a page still needs, for the few the exact distance turns down.
_SPARE_ROWS = 2
# `nearest_posts` searches circles growing fourfold from about the precision of published
# coordinates up to the radius: a dense area is answered from the few cells of a small one.
_NEAREST_FIRST_KM = 0.15
_NEAREST_GROWTH = 4
DEFAULT_KINDS = ("offer", "request", "event", "group_purchase", "ride")
DEFAULT_STATUSES = ("open", "reserved", "confirmed", "tentative")
DEFAULT_VISIBILITIES = ("public", "unlisted")


@dataclass(frozen=True)
class NearbyPost:
    post: Post
    distance_km: float


@dataclass
class ScanStats:
    """What a query read, for the benchmark: statements sent, ids asked of the cell index
    alone (the LIMIT of the candidate subquery: an upper bound), and table rows returned."""

    statements: int = 0
    cell_ids: int = 0
    rows: int = 0


@dataclass(frozen=True)
class PostFilter:
    """Which posts count: kinds, categories (any when empty), statuses (any when None),
    visibilities, and a publication floor. Deleted posts never count."""

    kinds: Sequence[str] = DEFAULT_KINDS
    categories: Sequence[str] = ()
    statuses: Sequence[str] | None = DEFAULT_STATUSES
    visibilities: Sequence[str] = DEFAULT_VISIBILITIES
    published_after: datetime | None = None
    # Authors left out (store/moderation.hidden_authors: limited and suspended accounts).
    hidden_authors: Select[Any] | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [
            objects.c.deleted_at.is_(None),
            _value_only(objects.c.kind).in_(list(self.kinds)),
            objects.c.visibility.in_(list(self.visibilities)),
        ]
        if self.categories:
            conditions.append(_value_only(objects.c.category).in_(list(self.categories)))
        if self.statuses is not None:
            conditions.append(_value_only(objects.c.status).in_(list(self.statuses)))
        if self.published_after is not None:
            conditions.append(objects.c.published >= self.published_after)
        if self.hidden_authors is not None:
            conditions.append(_value_only(objects.c.actor_id).not_in(self.hidden_authors))
        return conditions


async def posts_within(
    conn: AsyncConnection,
    area: RadiusQuery,
    *,
    kinds: Sequence[str] = DEFAULT_KINDS,
    categories: Sequence[str] = (),
    statuses: Sequence[str] | None = DEFAULT_STATUSES,
    visibilities: Sequence[str] = DEFAULT_VISIBILITIES,
    published_after: datetime | None = None,
    hidden_authors: Select[Any] | None = None,
    max_id: int | None = None,
    limit: int = 20,
    stats: ScanStats | None = None,
) -> list[NearbyPost]:
    """Posts within the area, newest first; `max_id` continues from a previous page."""
    if limit < 1:
        return []
    wanted = PostFilter(kinds, categories, statuses, visibilities, published_after, hidden_authors)
    stats = stats if stats is not None else ScanStats()
    found: list[NearbyPost] = []
    cursor = max_id
    batch = min(max(limit * _FIRST_BATCH_PER_RESULT, _MIN_BATCH), _MAX_BATCH)
    # SQLite: batches of candidates read newest first from each cell. PostgreSQL: windows
    # of ids below the cursor, the newest _ID_WINDOW first, then wider ones.
    batched = conn.dialect.name == "sqlite"
    window = _ID_WINDOW
    floor = 1  # the lowest id of PostgreSQL's window; 1: no lower bound
    first_window = True
    found_before_window = 0
    if not batched:
        newest = await _plan_for_values(conn, stats)
        if cursor is not None:
            newest = cursor - 1
        if newest is None:
            return found
        floor = newest - window + 1
    # Built once: each round below adds its bounds to this.
    matching = select(objects).where(*wanted.conditions(), _planar(area))
    if not batched:
        matching = matching.where(_cells_any(area))
    while True:
        wanted_rows = limit - len(found) + _SPARE_ROWS
        query = matching
        if batched:
            candidates = _newest_in_cells(area, cursor, batch)
            query = query.where(objects.c.id.in_(candidates)).order_by(objects.c.id.desc())
            stats.cell_ids += batch
            query = query.limit(_inline(wanted_rows))
        else:
            # Every value bound, the cells as one array: one statement text for every
            # area, prepared once per connection (see `_plan_for_values`).
            if cursor is not None:
                query = query.where(objects.c.id < cursor)
            if floor > 1:
                query = query.where(objects.c.id >= floor)
            # The first window in any plan (bounded); the wider ones from the cell index.
            query = query.order_by(objects.c.id.desc() if first_window else _newest_first())
            query = query.limit(wanted_rows)
        rows = (await conn.execute(query)).all()
        stats.statements += 1
        stats.rows += len(rows)
        for row in rows:
            distance = area.distance_km(row.latitude, row.longitude)
            if distance <= area.radius_km:
                found.append(NearbyPost(post_from_row(row), distance))
                if len(found) == limit:
                    return found
        if len(rows) == wanted_rows:
            cursor = rows[-1].id  # there may be more: go on below the last row read
            continue
        if not batched:
            if floor <= 1:  # ids start at 1
                return found  # every match below the cursor has been read
            # This window is done: the next one, wider, below it.
            window = _next_window(window, len(found) - found_before_window, limit - len(found))
            cursor, floor = floor, floor - window
            first_window, found_before_window = False, len(found)
            continue
        # Every match in this batch has been read: was it the last batch?
        seen = candidates.subquery()
        count, oldest = (await conn.execute(select(func.count(), func.min(seen.c.id)))).one()
        stats.statements += 1
        if count < batch:
            return found
        cursor = oldest
        batch = min(batch * 4, _MAX_BATCH)


def _next_window(window: int, matches: int, missing: int) -> int:
    """The width of the next window of ids, from the matches the last one held."""
    if matches == 0:
        return window * _MAX_WINDOW_GROWTH
    wanted = window * 2 * missing // matches
    return min(max(wanted, window * _WINDOW_GROWTH), window * _MAX_WINDOW_GROWTH)


async def _plan_for_values(conn: AsyncConnection, stats: ScanStats) -> int | None:
    """PostgreSQL: plan every later statement of this transaction for its own values, and
    return the newest post id (one statement for both).

    The page's statements bind their cells, bounds and limit, so their text is the same
    for every area and the driver prepares each once per connection. A statement prepared
    and run a few times would otherwise get a generic plan, made for no cells in
    particular, which walked the primary key backwards through a sparse area's whole
    table (40–200 ms instead of 1 ms in bench/nearby.py). `set_config(…, true)` lasts
    until the end of the transaction."""
    stats.statements += 1
    statement = select(
        func.set_config("plan_cache_mode", "force_custom_plan", True),
        select(func.max(objects.c.id)).scalar_subquery(),
    )
    newest: int | None = (await conn.execute(statement)).one()[1]
    return newest


async def ids_within(
    conn: AsyncConnection,
    area: RadiusQuery,
    *,
    kinds: Sequence[str] = DEFAULT_KINDS,
    categories: Sequence[str] = (),
    statuses: Sequence[str] | None = DEFAULT_STATUSES,
    visibilities: Sequence[str] = DEFAULT_VISIBILITIES,
    published_after: datetime | None = None,
    stats: ScanStats | None = None,
) -> list[tuple[int, float]]:
    """Every match in the area as (post id, distance in km), newest first."""
    wanted = PostFilter(kinds, categories, statuses, visibilities, published_after)
    query = (
        select(objects.c.id, objects.c.latitude, objects.c.longitude)
        .where(_in_cells(area), *wanted.conditions(), _planar(area))
        .order_by(_newest_first())
    )
    rows = (await conn.execute(query)).all()
    if stats is not None:
        stats.statements += 1
        stats.rows += len(rows)
    matches = []
    for post_id, latitude, longitude in rows:
        distance = area.distance_km(latitude, longitude)
        if distance <= area.radius_km:
            matches.append((post_id, distance))
    return matches


async def nearest_posts(
    conn: AsyncConnection,
    area: RadiusQuery,
    *,
    kinds: Sequence[str] = DEFAULT_KINDS,
    categories: Sequence[str] = (),
    statuses: Sequence[str] | None = DEFAULT_STATUSES,
    visibilities: Sequence[str] = DEFAULT_VISIBILITIES,
    published_after: datetime | None = None,
    hidden_authors: Select[Any] | None = None,
    limit: int = 20,
    stats: ScanStats | None = None,
) -> list[NearbyPost]:
    """The `limit` posts nearest the centre within the area, nearest first (the newer
    first at equal distance). One page only: there is no cursor."""
    if limit < 1:
        return []
    wanted = PostFilter(kinds, categories, statuses, visibilities, published_after, hidden_authors)
    stats = stats if stats is not None else ScanStats()
    for radius in _growing_radii(area.radius_km):
        circle = area if radius == area.radius_km else _smaller(area, radius)
        nearest = await _nearest_ids(conn, circle, wanted, limit, stats)
        # Every match within `radius` has been considered: with `limit` of them, nothing
        # further out can be among the nearest.
        if len(nearest) == limit or circle is area:
            break
    if not nearest:
        return []
    query = select(objects).where(objects.c.id.in_([post_id for _, post_id in nearest]))
    rows = {row.id: row for row in (await conn.execute(query)).all()}
    stats.statements += 1
    stats.rows += len(rows)
    return [
        NearbyPost(post_from_row(rows[post_id]), distance)
        for distance, post_id in nearest
        if post_id in rows
    ]


async def _nearest_ids(
    conn: AsyncConnection, area: RadiusQuery, wanted: PostFilter, limit: int, stats: ScanStats
) -> list[tuple[float, int]]:
    """(distance, id) of the `limit` nearest matches, nearest first.

    Rows come in order of the planar value P² (`RadiusQuery.passes_planar`), which never
    exceeds the true distance's square times a factor the planar bound records: a row not
    yet read, with P² ≥ the last one read, is at least `floor_km` away. Once the
    `limit`-th nearest row read is closer than that, no unread row can displace it.
    """
    planar = _planar_value(area)
    fetch = max(2 * limit, _MIN_BATCH)
    while True:
        query = (
            select(objects.c.id, objects.c.latitude, objects.c.longitude, planar.label("p2"))
            .where(_in_cells(area), *wanted.conditions(), _planar(area))
            .order_by(planar, objects.c.id.desc())
            .limit(_inline(fetch))
        )
        rows = (await conn.execute(query)).all()
        stats.statements += 1
        stats.rows += len(rows)
        matches = []
        for post_id, latitude, longitude, _ in rows:
            distance = area.distance_km(latitude, longitude)
            if distance <= area.radius_km:
                matches.append((distance, -post_id))
        nearest = [(d, -negated) for d, negated in heapq.nsmallest(limit, matches)]
        if len(rows) < fetch:
            return nearest  # every candidate was read
        floor_km = math.sqrt(max(rows[-1].p2, 0.0) / area.planar_bound) * area.radius_km
        if len(nearest) == limit and nearest[-1][0] < floor_km:
            return nearest
        fetch *= 4


def _growing_radii(radius_km: float) -> list[float]:
    radii = []
    radius = _NEAREST_FIRST_KM
    while radius < radius_km:
        radii.append(radius)
        radius *= _NEAREST_GROWTH
    return [*radii, radius_km]


def _smaller(area: RadiusQuery, radius_km: float) -> RadiusQuery:
    return radius_query(area.latitude, area.longitude, radius_km)


def _newest_in_cells(area: RadiusQuery, cursor: int | None, batch: int) -> Select[Any]:
    """The ids of the `batch` newest posts in the area's cells below `cursor`, newest
    first, read from the cell index alone."""
    query = select(objects.c.id).where(_in_cells(area))
    if cursor is not None:
        query = query.where(objects.c.id < _inline(cursor))
    return query.order_by(objects.c.id.desc()).limit(_inline(batch))


def _in_cells(area: RadiusQuery) -> ColumnElement[bool]:
    """The cell prefilter: a list of cells when short enough (see the module docstring),
    else one range per grid row."""
    if area.cell_count <= MAX_LISTED_CELLS:
        cells = [cell for first, last in area.cell_ranges for cell in range(first, last + 1)]
        return objects.c.geo_cell.in_(_inline(cells, expanding=True))
    return or_(
        *(
            objects.c.geo_cell.between(_inline(first), _inline(last))
            for first, last in area.cell_ranges
        )
    )


def _cells_any(area: RadiusQuery) -> ColumnElement[bool]:
    """PostgreSQL's cell prefilter for a page: `geo_cell = ANY(:cells)`, the cells bound as
    one array (the same statement text whatever their number), or the ranges of a very
    large area."""
    if area.cell_count > MAX_LISTED_CELLS:
        return _in_cells(area)
    cells = [cell for first, last in area.cell_ranges for cell in range(first, last + 1)]
    return objects.c.geo_cell == any_(bindparam(None, cells, type_=ARRAY(BigInteger)))


def _inline(value: Any, *, expanding: bool = False) -> BindParameter[Any]:
    """A value written into the SQL text rather than bound: PostgreSQL then plans each
    area for its own cells. With bound cells, a statement run a few times gets a generic
    plan, made for no cell list in particular, which walked the primary key backwards
    through a sparse area's whole table (40–200 ms instead of 1 ms in bench/nearby.py)."""
    return bindparam(None, value, expanding=expanding, literal_execute=True)


def _planar_terms(area: RadiusQuery) -> list[ColumnElement[float]]:
    """P² for each longitude shift, as `RadiusQuery.passes_planar` computes it."""
    dlat = objects.c.latitude - area.latitude
    terms = []
    for shift in area.longitude_shifts:
        east = (objects.c.longitude - (area.longitude - shift)) * area.longitude_scale
        terms.append(dlat * dlat + east * east)
    return terms


def _planar(area: RadiusQuery) -> ColumnElement[bool]:
    """The planar bound, in plain arithmetic (no trigonometry in SQL)."""
    bounds = [term <= area.planar_bound for term in _planar_terms(area)]
    return bounds[0] if len(bounds) == 1 else or_(*bounds)


def _planar_value(area: RadiusQuery) -> ColumnElement[float]:
    """The smallest P² over the longitude shifts (portable: no LEAST/min in SQLite)."""
    terms = _planar_terms(area)
    value = terms[0]
    for term in terms[1:]:
        value = case((value <= term, value), else_=term)
    return value


class _Unindexed(ColumnElement[Any]):
    """A column used for its value only on the given dialects, where the planner must not
    pick an index on it: `+column` on SQLite (its documented idiom, any type), and on
    PostgreSQL `(column + 0)` or, for text, `(column || '')`; the bare column elsewhere."""

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("dialects", InternalTraversal.dp_string_list),
    ]

    def __init__(self, column: ColumnElement[Any], dialects: tuple[str, ...]):
        self.column = column
        self.dialects = dialects
        self.type = column.type


@compiles(_Unindexed)
def _compile_unindexed(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    sql: str = compiler.process(element.column, **kw)
    dialect = compiler.dialect.name
    if dialect not in element.dialects:
        return sql
    if dialect == "sqlite":
        return f"+{sql}"
    return f"({sql} || '')" if isinstance(element.type, String) else f"({sql} + 0)"


def _value_only(column: ColumnElement[Any]) -> _Unindexed:
    """See the module docstring: no index on kind, status or category may drive a radius
    query, on either database."""
    return _Unindexed(column, ("sqlite", "postgresql"))


def _newest_first() -> UnaryExpression[Any]:
    """`ORDER BY id DESC` that only the cell index may feed on PostgreSQL: `id + 0`,
    which no index provides. Ordered by the bare id, the planner may walk the primary key
    backwards, checking each row's cell, whenever its statistics overestimate the posts
    in the cells (as they do for all but the densest cells): in bench/nearby.py it read
    123,000 rows to find 80, 31 ms where the cell index takes 1 ms."""
    return _Unindexed(objects.c.id, ("postgresql",)).desc()


__all__ = [
    "MAX_LISTED_CELLS",
    "NearbyPost",
    "PostFilter",
    "ScanStats",
    "ids_within",
    "nearest_posts",
    "posts_within",
]
