"""Reading the demo's seed files (`instances/seed/<name>.toml`) into checked records.

A seed describes one instance's sample life: residents, association groups, follows,
notes, offers, requests, events, rides, group purchases, interest, RSVPs and commitments.
People and things on another demo instance are named `instance:name` — the other
config's file name, then a username, a group or the `id` of one of its seed entries — so
a seed never spells a port; a plain `name` is local. Every reference, category and
quarter is checked before anything runs, so a typo stops the demo with one line instead
of half-seeding it.
"""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ...config import Config, ConfigError
from ...models import OFFER_INTENTS, REQUEST_INTENTS
from ...organizations import ORGANIZATION_KEYS
from ...services.errors import InvalidInput
from ...services.shops import SHOP_TYPES, parse_day
from .pictures import DRAWINGS

DEMO_TIMEZONE = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Ref:
    """A name in a seed: `instance` is None for a local one."""

    instance: str | None
    name: str

    @classmethod
    def parse(cls, text: str) -> Ref:
        instance, sep, name = text.strip().rpartition(":")
        return cls(instance if sep else None, name)

    def on(self, here: str) -> tuple[str, str]:
        """(instance, name), the instance defaulting to `here`."""
        return (self.instance or here, self.name)


@dataclass(frozen=True)
class Resident:
    username: str
    password: str
    display_name: str = ""
    quarter: str | None = None
    admin: bool = False
    # A verified organisation's type (fedlocal/organizations.py): the town hall, a
    # producer, an association…
    organization: str | None = None
    # A shop's or a producer's page (services/shops.py): its hours, one text per day,
    # Monday first ("9:00-12:30, 14:00-19:00"; "" closed), its address and its wares.
    hours: tuple[str, ...] | None = None
    address: str = ""
    sells: str = ""

    def __post_init__(self) -> None:
        # TOML gives a list; a record stays hashable.
        if isinstance(self.hours, list):
            object.__setattr__(self, "hours", tuple(self.hours))

    @property
    def has_shop_page(self) -> bool:
        return self.hours is not None or bool(self.address or self.sells)


@dataclass(frozen=True)
class Group:
    username: str
    display_name: str
    by: str
    summary: str = ""
    approval: bool = False


@dataclass(frozen=True)
class Follow:
    author: str
    target: str


@dataclass(frozen=True)
class Note:
    id: str
    author: str
    text: str
    to_group: str | None = None
    # Filed under a category (the town hall's news), pinned by its author.
    category: str | None = None
    pinned: bool = False


@dataclass(frozen=True)
class Listing:
    id: str
    author: str
    kind: str  # offer or request
    title: str
    intent: str | None = None
    description: str = ""
    category: str | None = None
    quarter: str | None = None
    quantity: int = 1
    price: str | None = None
    from_days: int | None = None
    until_days: int | None = None
    # A status change after publishing: reserved (for someone) or closed.
    status: str = "open"
    reserved_for: str | None = None
    closed_as: str | None = None
    # A picture the demo draws (demo/pictures.py) and its description.
    photo: str | None = None
    photo_alt: str | None = None


@dataclass(frozen=True)
class Event:
    id: str
    author: str  # a resident or one of this instance's groups
    title: str
    in_days: int
    time: str
    hours: float = 2
    description: str = ""
    category: str | None = None
    quarter: str | None = None
    venue: str | None = None
    street: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    join_mode: str = "free"
    capacity: int | None = None
    # Its poster, drawn by the demo (demo/pictures.py), and its description.
    photo: str | None = None
    photo_alt: str | None = None

    def starts_at(self, today: date) -> datetime:
        hour, minute = (int(part) for part in self.time.split(":"))
        day = today + timedelta(days=self.in_days)
        return datetime.combine(day, time(hour, minute), tzinfo=DEMO_TIMEZONE)

    def ends_at(self, today: date) -> datetime:
        return self.starts_at(today) + timedelta(hours=self.hours)


@dataclass(frozen=True)
class Ride:
    """A ride a resident offers (services/rides.py): `in_days` from today at `time`, or
    weekly from the next `weekday` (0 Monday … 6 Sunday) on."""

    id: str
    author: str
    origin: str
    destination: str
    time: str
    seats: int = 1
    in_days: int = 1
    weekday: int | None = None
    minutes: int | None = None
    contribution: str | None = None
    notes: str = ""

    def departs_at(self, today: date) -> datetime:
        hour, minute = (int(part) for part in self.time.split(":"))
        day = today + timedelta(days=self.in_days)
        if self.weekday is not None:
            day = today + timedelta(days=(self.weekday - today.weekday()) % 7 or 7)
        return datetime.combine(day, time(hour, minute), tzinfo=DEMO_TIMEZONE)


@dataclass(frozen=True)
class GroupPurchase:
    """A group purchase; quantities and price as a resident types them ("2,5", "85")."""

    id: str
    author: str  # a resident (a person, an association or a producer)
    title: str
    unit: str
    unit_price: str
    minimum: str
    deadline_in_days: int
    pickup_in_days: int
    pickup_time: str
    pickup_place: str
    maximum: str | None = None
    description: str = ""
    category: str | None = None
    quarter: str | None = None

    def deadline(self, today: date) -> datetime:
        day = today + timedelta(days=self.deadline_in_days)
        return datetime.combine(day, time(20), tzinfo=DEMO_TIMEZONE)

    def pickup_at(self, today: date) -> datetime:
        hour, minute = (int(part) for part in self.pickup_time.split(":"))
        day = today + timedelta(days=self.pickup_in_days)
        return datetime.combine(day, time(hour, minute), tzinfo=DEMO_TIMEZONE)


@dataclass(frozen=True)
class Commitment:
    author: str
    # The purchase's seed id: `id` here, or `instance:id` for one on another demo
    # instance (committed to from here: an Offer its server accepts).
    purchase: str
    quantity: str


@dataclass(frozen=True)
class Interest:
    author: str
    listing: str
    message: str | None = None


@dataclass(frozen=True)
class Rsvp:
    author: str
    event: str
    message: str | None = None


@dataclass(frozen=True)
class Seed:
    residents: tuple[Resident, ...] = ()
    groups: tuple[Group, ...] = ()
    follows: tuple[Follow, ...] = ()
    notes: tuple[Note, ...] = ()
    listings: tuple[Listing, ...] = ()
    events: tuple[Event, ...] = ()
    interests: tuple[Interest, ...] = ()
    rsvps: tuple[Rsvp, ...] = ()
    rides: tuple[Ride, ...] = ()
    group_purchases: tuple[GroupPurchase, ...] = ()
    commitments: tuple[Commitment, ...] = ()

    @property
    def publications(self) -> tuple[Note | Listing | Event | Ride | GroupPurchase, ...]:
        return (*self.notes, *self.listings, *self.events, *self.rides, *self.group_purchases)

    def item(self, item_id: str) -> Note | Listing | Event | Ride | GroupPurchase | None:
        return next((p for p in self.publications if p.id == item_id), None)

    def actor_names(self) -> set[str]:
        return {r.username for r in self.residents} | {g.username for g in self.groups}


# --- reading -------------------------------------------------------------------------------

# Seed tables and the record each entry becomes; `as` in a file is `author` here.
_TABLES: dict[str, type] = {
    "residents": Resident,
    "groups": Group,
    "follows": Follow,
    "notes": Note,
    "offers": Listing,
    "requests": Listing,
    "events": Event,
    "interests": Interest,
    "rsvps": Rsvp,
    "rides": Ride,
    "group_purchases": GroupPurchase,
    "commitments": Commitment,
}


def read_seed(path: Path) -> Seed:
    """The seed at `path` (an empty one when the file does not exist)."""
    if not path.exists():
        return Seed()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid seed {path}: {exc}") from None
    tables: dict[str, list[Any]] = {name: [] for name in _TABLES}
    for table, entries in raw.items():
        if table not in _TABLES:
            raise ConfigError(f"unknown table [[{table}]] in {path}")
        if not isinstance(entries, list):
            raise ConfigError(f"{table} must be written [[{table}]] in {path}")
        for index, entry in enumerate(entries):
            where = f"{path.name} [[{table}]] #{index + 1}"
            tables[table].append(_record(_TABLES[table], table, entry, where))
    return Seed(
        residents=tuple(tables["residents"]),
        groups=tuple(tables["groups"]),
        follows=tuple(tables["follows"]),
        notes=tuple(tables["notes"]),
        listings=(*tables["offers"], *tables["requests"]),
        events=tuple(tables["events"]),
        interests=tuple(tables["interests"]),
        rsvps=tuple(tables["rsvps"]),
        rides=tuple(tables["rides"]),
        group_purchases=tuple(tables["group_purchases"]),
        commitments=tuple(tables["commitments"]),
    )


def _record(cls: type, table: str, entry: Any, where: str) -> Any:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: not a table")
    values = {("author" if key == "as" else key): value for key, value in entry.items()}
    if cls is Listing:
        if "kind" in values:
            raise ConfigError(f"{where}: the table says the kind, drop 'kind'")
        values["kind"] = "offer" if table == "offers" else "request"
    known = {f.name: f for f in fields(cls)}
    for key in values:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {'as' if key == 'author' else key!r}")
    required = [
        name
        for name, f in known.items()
        if f.default is MISSING and f.default_factory is MISSING and name not in values
    ]
    if required:
        names = ", ".join("as" if name == "author" else name for name in required)
        raise ConfigError(f"{where}: missing {names}")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


# --- checking ------------------------------------------------------------------------------


def check_seeds(configs: dict[str, Config], seeds: dict[str, Seed]) -> None:
    """Every name, reference, category and quarter of every seed resolves, or ConfigError
    naming the first that does not. `configs` and `seeds` are keyed by instance name."""
    for name, seed in seeds.items():
        _Checker(name, configs, seeds).check(seed)


class _Checker:
    def __init__(self, here: str, configs: dict[str, Config], seeds: dict[str, Seed]):
        self.here = here
        self.config = configs[here]
        self.configs = configs
        self.seeds = seeds
        self.categories = self.config.category_set()

    def fail(self, message: str) -> None:
        raise ConfigError(f"seed of {self.here}: {message}")

    def shop_page(self, resident: Resident) -> None:
        """Hours, address and wares: only for a shop or a producer, seven days that read."""
        if not resident.has_shop_page:
            return
        who = resident.username
        if resident.organization not in SHOP_TYPES:
            self.fail(f"{who}: only a shop or a producer has hours, an address and wares")
        hours = resident.hours or [""] * 7
        if len(hours) != 7 or not all(isinstance(day, str) for day in hours):
            self.fail(f"{who}: hours are seven texts, Monday first")
        for day, text in enumerate(hours):
            try:
                parse_day(text, day)
            except InvalidInput:
                self.fail(f"{who}: hours like 9:00-12:30, 14:00-19:00, not {text!r}")

    def check(self, seed: Seed) -> None:
        residents = {r.username for r in seed.residents}
        if len(residents) != len(seed.residents):
            self.fail("a resident is listed twice")
        ids = [p.id for p in seed.publications]
        if len(set(ids)) != len(ids):
            self.fail("two entries share an id")
        for resident in seed.residents:
            self.quarter(resident.quarter)
            if resident.organization not in (None, *ORGANIZATION_KEYS):
                self.fail(
                    f"{resident.username}: organization is one of {', '.join(ORGANIZATION_KEYS)}"
                )
            self.shop_page(resident)
        for group in seed.groups:
            self.resident(group.by, residents)
            if group.username in residents:
                self.fail(f"group {group.username!r} has a resident's name")
        for follow in seed.follows:
            self.resident(follow.author, residents)
            self.actor(follow.target)
        for note in seed.notes:
            self.resident(note.author, residents)
            self.category(note.category)
            if note.to_group is not None:
                self.actor(note.to_group, groups_only=True)
        for listing in seed.listings:
            self.listing(listing, residents)
        for event in seed.events:
            self.event(event, seed)
        for listing in seed.listings:
            self.photo(listing)
        for event in seed.events:
            self.photo(event)
        for interest in seed.interests:
            self.resident(interest.author, residents)
            self.item(interest.listing, Listing)
        for rsvp in seed.rsvps:
            self.resident(rsvp.author, residents)
            self.item(rsvp.event, Event)
        for ride in seed.rides:
            self.resident(ride.author, residents)
            if ride.weekday is not None and not 0 <= ride.weekday <= 6:
                self.fail(f"ride {ride.id!r}: weekday is 0 (Monday) to 6 (Sunday)")
        for purchase in seed.group_purchases:
            self.resident(purchase.author, residents)
            self.quarter(purchase.quarter)
            self.category(purchase.category)
        for commitment in seed.commitments:
            self.resident(commitment.author, residents)
            self.item(commitment.purchase, GroupPurchase)

    def resident(self, username: str, residents: set[str]) -> None:
        if username not in residents:
            self.fail(f"'as = {username!r}' is not one of its residents")

    def instance(self, ref: Ref) -> Seed:
        instance, _ = ref.on(self.here)
        if instance not in self.seeds:
            self.fail(f"no demo instance called {instance!r} (in {ref.instance}:{ref.name})")
        return self.seeds[instance]

    def actor(self, text: str, *, groups_only: bool = False) -> None:
        if text.startswith("@"):
            return  # a handle anywhere on the fediverse, resolved when seeding
        ref = Ref.parse(text)
        seed = self.instance(ref)
        names = {g.username for g in seed.groups} if groups_only else seed.actor_names()
        if ref.name not in names:
            kind = "group" if groups_only else "resident or group"
            self.fail(f"{text!r} is no {kind} of the demo")

    def item(self, text: str, kind: type) -> None:
        ref = Ref.parse(text)
        found = self.instance(ref).item(ref.name)
        if not isinstance(found, kind):
            what = {Listing: "offer or request", GroupPurchase: "group purchase"}.get(kind, "event")
            self.fail(f"{text!r} is no {what} of the demo")

    def quarter(self, name: str | None) -> None:
        if name is not None and self.config.find_quarter(name) is None:
            known = ", ".join(q.name for q in self.config.quarters) or "none"
            self.fail(f"unknown quarter {name!r} (known: {known})")

    def category(self, key: str | None) -> None:
        if key is not None and key not in self.categories:
            self.fail(f"unknown category {key!r} (known: {', '.join(self.categories.keys())})")

    def photo(self, item: Listing | Event) -> None:
        if item.photo is None:
            return
        if item.photo not in DRAWINGS:
            self.fail(f"{item.id}: photo is one of {', '.join(DRAWINGS)}")
        if not (item.photo_alt or "").strip():
            self.fail(f"{item.id}: a photo needs its description (photo_alt)")

    def listing(self, listing: Listing, residents: set[str]) -> None:
        self.resident(listing.author, residents)
        self.quarter(listing.quarter)
        self.category(listing.category)
        intents = OFFER_INTENTS if listing.kind == "offer" else REQUEST_INTENTS
        if listing.intent is not None and listing.intent not in intents:
            self.fail(f"{listing.id}: a {listing.kind}'s intent is one of {', '.join(intents)}")
        if listing.status not in ("open", "reserved", "closed"):
            self.fail(f"{listing.id}: status is open, reserved or closed")
        if listing.status == "reserved" and listing.reserved_for is None:
            self.fail(f"{listing.id}: a reserved {listing.kind} says who for (reserved_for)")
        if listing.reserved_for is not None:
            self.actor(listing.reserved_for)

    def event(self, event: Event, seed: Seed) -> None:
        if event.author not in seed.actor_names():
            self.fail(f"'as = {event.author!r}' is not one of its residents or groups")
        self.quarter(event.quarter)
        self.category(event.category)
        try:
            event.starts_at(date.today())
        except ValueError:
            self.fail(f'{event.id}: time is HH:MM, e.g. "14:00"')
        if event.in_days < 0 or event.hours <= 0:
            self.fail(f"{event.id}: events are in the coming days and last a while")
