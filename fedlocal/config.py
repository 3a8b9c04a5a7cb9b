"""Instance configuration: a TOML file with `FEDLOCAL_*` environment overrides.

The smallest valid file has three keys (`name`, `base_url`, `data_dir`); every other key
has a default here, in one place. Unknown keys are errors, so a typo never silently falls
back to a default.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from activitypub.ssrf import IPNetwork, parse_networks

from .categories import BUILT_IN, Categories, Category
from .organizations import ORGANIZATION_KEYS

ENV_PREFIX = "FEDLOCAL_"


class ConfigError(Exception):
    """A configuration problem, with a one-line message naming it."""


@dataclass(frozen=True)
class Quarter:
    """A named quarter of the instance's area, for the offline gazetteer."""

    name: str
    latitude: float
    longitude: float


# What the accessibility statement may say of the site's conformity with RGAA 4.1.
ACCESSIBILITY_STATUSES = ("full", "partial", "none")


@dataclass(frozen=True)
class Legal:
    """The `[legal]` table: who publishes and hosts the instance, who answers for residents'
    data, and the current terms' version. The legal pages' templates are filled from it
    (fedlocal/services/legal_templates.py); a blank key shows as "to be completed"."""

    # The publisher, who is also the data controller (a town hall, an association).
    publisher: str = ""
    address: str = ""
    # Registration number (SIREN/SIRET, RNA for an association), when there is one.
    registration: str = ""
    publication_director: str = ""
    # The publisher's contact for legal questions; the instance's contact_email otherwise.
    email: str = ""
    phone: str = ""
    host_name: str = ""
    host_address: str = ""
    # The data protection officer: a postal or e-mail address, or a web form's URL.
    dpo_contact: str = ""
    accessibility_status: str = "none"
    # The date of the last accessibility audit (free text: "12 mars 2026").
    accessibility_audit_date: str = ""
    # Bumping it asks every resident to accept the terms again at their next page.
    terms_version: str = "1"


@dataclass(frozen=True)
class Config:
    """Everything an instance needs to run; immutable once loaded."""

    name: str
    base_url: str
    data_dir: Path
    description: str = ""
    database_url: str = ""
    # PostgreSQL: a schema of that database to keep the tables in (default: its own).
    database_schema: str = ""
    languages: tuple[str, ...] = ("fr", "en")
    default_language: str = "fr"
    community_username: str = ""
    contact_email: str = ""
    signup_mode: str = "approval"
    # `vouch` mode: how many residents must say they know a newcomer (1 or 2).
    vouches_needed: int = 1
    # New accounts' first days: at most so many posts (of every kind) and private
    # messages in any 24 hours; 0 lifts a limit (services/new_accounts.py).
    new_account_days: int = 7
    new_account_posts_per_day: int = 5
    new_account_messages_per_day: int = 20
    federation_mode: str = "blocklist"
    blocked_domains: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    # False: public addresses only; True: any address (development); networks: public
    # addresses and those inside them (the demo's loopback).
    allow_private_addresses: bool | tuple[IPNetwork, ...] = False
    run_workers: bool = True
    worker_poll_seconds: float = 1.0
    # How long a worker holds the inbox items and deliveries it claimed: a worker killed
    # mid-batch gives them back to the other workers after this long.
    queue_lease_seconds: float = 300.0
    # Past this many activities waiting to be processed, the inbox answers later (at
    # most `inbox_hold_seconds`) rather than let the backlog grow (federation/admission.py);
    # 0: never.
    inbox_backlog_limit: int = 1000
    inbox_hold_seconds: float = 3.0
    delivery_concurrency: int = 64
    delivery_per_host: int = 4
    delivery_max_attempts: int = 12
    retry_base_seconds: float = 30.0
    retry_cap_seconds: float = 6 * 3600.0
    circuit_failure_threshold: int = 5
    circuit_open_seconds: float = 300.0
    key_refetch_interval_seconds: float = 300.0
    http_timeout_seconds: float = 10.0
    max_body_bytes: int = 1 << 20
    post_max_characters: int = 5000
    # Pictures (fedlocal/media): the largest upload, the largest picture in pixels (larger
    # ones are refused unread), and how many are processed at once.
    media_max_bytes: int = 16 * 1024 * 1024
    media_max_pixels: int = 33_177_600
    media_concurrency: int = 2
    # Our copies of other servers' pictures: past this many bytes, the oldest go.
    remote_media_cache_bytes: int = 1 << 30
    latitude: float = 0.0
    longitude: float = 0.0
    radius_km: float = 5.0
    quarters: tuple[Quarter, ...] = ()
    categories: tuple[Category, ...] = ()
    # Categories reserved to organisation types (key → types; an empty list opens one):
    # "town-hall" is reserved to town_hall and public_service unless this says otherwise.
    reserved_categories: tuple[tuple[str, tuple[str, ...]], ...] = ()
    listing_expiry_days: int = 30
    # Data minimisation: a browser session unused this long ends and is forgotten; a
    # notification this old is forgotten (the maintenance worker purges both).
    session_retention_days: int = 30
    notification_retention_days: int = 90
    legal: Legal = Legal()
    # The zone residents' dates are typed and shown in (an IANA name).
    timezone: str = "Europe/Paris"
    log_level: str = "info"
    # Prometheus `/metrics` (fedlocal/monitoring): off by default; when on, shown only to
    # clients inside these networks or bearing this token.
    metrics_enabled: bool = False
    metrics_allow: tuple[IPNetwork, ...] = ()
    metrics_token: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def domain(self) -> str:
        """Host as used in handles: `example.org`, or `127.0.0.1:8001` with a port."""
        parts = urlsplit(self.base_url)
        return parts.netloc.lower()

    def cookie_name(self, base: str) -> str:
        """`base` named for this instance. Browsers keep cookies per host, not per port:
        instances on 127.0.0.1:8001 and :8002 (the demo) would overwrite each other's
        cookies (opening a neighbour's page logged you out) under one shared name."""
        return f"{base}_{re.sub(r'[^A-Za-z0-9]+', '_', self.domain).strip('_')}"

    @property
    def scheme(self) -> str:
        return urlsplit(self.base_url).scheme

    @property
    def listen_host(self) -> str:
        return urlsplit(self.base_url).hostname or "127.0.0.1"

    @property
    def listen_port(self) -> int:
        parts = urlsplit(self.base_url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    def category_set(self) -> Categories:
        """This instance's categories, with their reservations."""
        return Categories(self.categories, self.reserved_categories)

    def find_quarter(self, name: str) -> Quarter | None:
        """The gazetteer's quarter called `name`, whatever its case, accents and
        punctuation (`intra muros` finds Intra-Muros, `PARAME` finds Paramé)."""
        key = _name_key(name)
        if not key:
            return None
        return next((q for q in self.quarters if _name_key(q.name) == key), None)

    def is_domain_allowed(self, domain: str) -> bool:
        """Whether federation with `domain` is permitted by the federation mode."""
        domain = domain.lower()
        if domain_listed(domain, self.blocked_domains):
            return False
        if self.federation_mode == "allowlist":
            return domain_listed(domain, self.allowed_domains)
        return True


def _name_key(name: str) -> str:
    """A place name folded for comparison: lower case, no accents, words separated by
    single spaces."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", bare))


def domain_listed(domain: str, listed: Sequence[str]) -> bool:
    """Whether `domain` (a host, perhaps with its port) is one of `listed` or under one."""
    host = domain.split(":")[0] if domain.count(":") == 1 else domain
    return any(domain == d or host == d or host.endswith("." + d) for d in listed)


_CHOICES = {
    "signup_mode": ("open", "approval", "invite", "vouch"),
    "federation_mode": ("open", "blocklist", "allowlist"),
    "log_level": ("debug", "info", "warning", "error"),
}
_USERNAME = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$")


def slugify(text: str) -> str:
    """ASCII slug usable as a preferredUsername (`Saint-Malo` → `saint-malo`)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "community"


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Config:
    """Read `path`, apply `FEDLOCAL_*` overrides from `environ`, validate and fill defaults.

    Raises ConfigError with a single line naming the problem.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"config path is a directory: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file is not UTF-8: {path}") from None
    return build_config(raw, environ if environ is not None else os.environ, path=path)


def build_config(
    raw: Mapping[str, Any], environ: Mapping[str, str] | None = None, *, path: Path | None = None
) -> Config:
    """Validate a mapping of settings (as read from TOML) into a Config."""
    fields = {f.name: f for f in dataclasses.fields(Config) if f.name != "path"}
    values: dict[str, Any] = {}
    where = f" in {path}" if path else ""
    for key, value in raw.items():
        if key == "area":
            if not isinstance(value, Mapping):
                raise ConfigError(f"[area] must be a table{where}")
            for sub_key, sub_value in value.items():
                if sub_key not in ("latitude", "longitude", "radius_km", "quarters"):
                    raise ConfigError(f"unknown key 'area.{sub_key}'{where}")
                values[sub_key] = _coerce(sub_key, fields[sub_key].type, sub_value, where)
            continue
        if key == "legal":
            values["legal"] = _legal(value, where)
            continue
        if key not in fields:
            raise ConfigError(f"unknown key '{key}'{where}")
        values[key] = _coerce(key, fields[key].type, value, where)
    for env_key, env_value in (environ or {}).items():
        if not env_key.startswith(ENV_PREFIX):
            continue
        key = env_key[len(ENV_PREFIX) :].lower()
        if key not in fields:
            continue  # other FEDLOCAL_* variables (test settings) are not config keys
        if key == "legal":
            raise ConfigError(f"[legal] is set in the config file, not in ${env_key}")
        annotation = fields[key].type
        values[key] = _coerce(key, annotation, _parse_env(env_value, annotation), f" in ${env_key}")
    for required in ("name", "base_url", "data_dir"):
        if required not in values:
            raise ConfigError(f"missing required key '{required}'{where}")
    _validate(values, where, path)
    return Config(**values, path=path)


def _parse_env(text: str, annotation: Any) -> Any:
    """Environment values are TOML scalars when they parse as such, plain strings otherwise.

    A scalar of the wrong kind for a text or boolean key is kept as typed: `FEDLOCAL_NAME=2026`
    is a name, and `FEDLOCAL_RUN_WORKERS=0` reaches `_coerce`, which reads 1/0/yes/no.
    """
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    if kind in ("str", "Path") and not isinstance(value, str):
        return text
    if kind == "bool" and not isinstance(value, bool):
        return text
    return value


def _coerce(key: str, annotation: Any, value: Any, where: str) -> Any:
    kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    if key == "allow_private_addresses":
        return _private_networks(value, where)
    if key == "metrics_allow":
        return _networks(key, value, where)
    if key == "quarters":
        return tuple(_quarter(item, where) for item in _as_list(key, value, where))
    if key == "categories":
        return tuple(_category(item, where) for item in _as_list(key, value, where))
    if key == "reserved_categories":
        return _reservations(value, where)
    if kind.startswith("tuple"):
        items = value.split(",") if isinstance(value, str) else _as_list(key, value, where)
        return tuple(str(item).strip().lower() for item in items if str(item).strip())
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ConfigError(f"'{key}' must be true or false{where}")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"'{key}' must be an integer{where}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"'{key}' must be a number{where}")
        return float(value)
    if kind == "Path":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"'{key}' must be a non-empty path{where}")
        return Path(value)
    if not isinstance(value, str):
        raise ConfigError(f"'{key}' must be a string{where}")
    return value


_BOOL_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _private_networks(value: Any, where: str) -> bool | tuple[IPNetwork, ...]:
    """`allow_private_addresses`: a boolean, or networks as a list or a comma-separated
    string (the form an environment variable takes)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.strip().lower() in _BOOL_WORDS:
            return _BOOL_WORDS[value.strip().lower()]
        value = [item for item in value.split(",") if item.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(
            "'allow_private_addresses' must be true, false or a list of networks such as "
            f'["127.0.0.0/8", "::1/128"]{where}'
        )
    try:
        networks = parse_networks(value)
    except ValueError as exc:
        raise ConfigError(f"'allow_private_addresses': {exc}{where}") from None
    # An empty list allows no more than false does; say it the same way.
    return networks or False


def _networks(key: str, value: Any, where: str) -> tuple[IPNetwork, ...]:
    """A list of networks, or a comma-separated string of them (from the environment)."""
    if isinstance(value, str):
        value = [item for item in value.split(",") if item.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"'{key}' must be a list of networks such as [\"127.0.0.1/32\"]{where}")
    try:
        return parse_networks(value)
    except ValueError as exc:
        raise ConfigError(f"'{key}': {exc}{where}") from None


def _legal(value: Any, where: str) -> Legal:
    if not isinstance(value, Mapping):
        raise ConfigError(f"[legal] must be a table{where}")
    known = {f.name for f in dataclasses.fields(Legal)}
    items: dict[str, str] = {}
    for key, item in value.items():
        if key not in known:
            raise ConfigError(f"unknown key 'legal.{key}'{where}")
        if not isinstance(item, str):
            raise ConfigError(f"'legal.{key}' must be a string{where}")
        items[key] = item.strip()
    status = items.get("accessibility_status", Legal.accessibility_status)
    if status not in ACCESSIBILITY_STATUSES:
        raise ConfigError(
            f"'legal.accessibility_status' must be one of {', '.join(ACCESSIBILITY_STATUSES)}"
            f"{where}"
        )
    version = items.get("terms_version", Legal.terms_version)
    if not re.fullmatch(r"[\w.-]{1,32}", version):
        raise ConfigError(
            f"'legal.terms_version' must be 1 to 32 letters, digits, dots or dashes{where}"
        )
    return Legal(**items)


def _as_list(key: str, value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"'{key}' must be a list{where}")
    return value


def _quarter(item: Any, where: str) -> Quarter:
    if not isinstance(item, Mapping) or set(item) != {"name", "latitude", "longitude"}:
        raise ConfigError(f"each quarter needs exactly name, latitude and longitude{where}")
    try:
        return Quarter(str(item["name"]), float(item["latitude"]), float(item["longitude"]))
    except (TypeError, ValueError):
        raise ConfigError(
            f"quarter {item.get('name')!r} has non-numeric coordinates{where}"
        ) from None


_CATEGORY_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_HASHTAG = re.compile(r"^[a-z0-9_]{1,64}$")


def _category(item: Any, where: str) -> Category:
    required = {"key", "fr", "en"}
    optional = {"hashtag", "reserved_for"}
    if not isinstance(item, Mapping) or not required <= set(item) <= required | optional:
        raise ConfigError(
            f"each category needs key, fr and en (and optionally hashtag, reserved_for){where}"
        )
    key = str(item["key"])
    hashtag = str(item.get("hashtag") or key.replace("-", ""))
    if not _CATEGORY_KEY.match(key) or not _HASHTAG.match(hashtag):
        raise ConfigError(f"category key {key!r} must be lower-case ASCII with dashes{where}")
    if any(key == built_in.key for built_in in BUILT_IN):
        raise ConfigError(f"category {key!r} is built in already{where}")
    reserved = _organization_types(key, item.get("reserved_for", []), where)
    return Category(key, str(item["fr"]), str(item["en"]), hashtag, reserved_for=reserved)


def _reservations(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`[reserved_categories]`: a category key → the organisation types it is reserved to."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"[reserved_categories] must be a table of key = [types]{where}")
    return tuple(
        (str(key), _organization_types(str(key), types, where)) for key, types in value.items()
    )


def _organization_types(category: str, value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(t in ORGANIZATION_KEYS for t in value):
        raise ConfigError(
            f"category {category!r} may be reserved only to organisation types "
            f"({', '.join(ORGANIZATION_KEYS)}){where}"
        )
    return tuple(value)


def _validate(values: dict[str, Any], where: str, path: Path | None) -> None:
    base_url = values["base_url"].rstrip("/")
    parts = urlsplit(base_url)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ConfigError(
            f"malformed base_url {values['base_url']!r}{where}: expected http(s)://host[:port]"
        )
    if parts.path or parts.query or parts.fragment or parts.username:
        raise ConfigError(f"base_url must be an origin without path or credentials{where}")
    values["base_url"] = base_url
    data_dir = values["data_dir"]
    if not data_dir.is_absolute() and path is not None:
        # Relative data directories are relative to the config file, so the demo works
        # from any working directory.
        data_dir = (path.parent / data_dir).resolve()
    values["data_dir"] = data_dir
    if not values.get("database_url"):
        values["database_url"] = f"sqlite+aiosqlite:///{data_dir / 'fedlocal.sqlite3'}"
    elif not values["database_url"].startswith(("sqlite", "postgresql", "postgres")):
        raise ConfigError(f"database_url must be a sqlite:// or postgresql:// URL{where}")
    schema = values.get("database_schema", "")
    if schema and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ConfigError(f"database_schema must be a plain lower-case name{where}")
    for key, choices in _CHOICES.items():
        if key in values and values[key] not in choices:
            raise ConfigError(f"'{key}' must be one of {', '.join(choices)}{where}")
    username = values.get("community_username") or slugify(values["name"])
    if not _USERNAME.match(username):
        raise ConfigError(f"community_username {username!r} must be lower-case ASCII{where}")
    values["community_username"] = username
    if values.get("listing_expiry_days", 1) < 1:
        raise ConfigError(f"'listing_expiry_days' must be at least 1{where}")
    if values.get("vouches_needed", 1) not in (1, 2):
        raise ConfigError(f"'vouches_needed' must be 1 or 2{where}")
    for key in ("new_account_days", "new_account_posts_per_day", "new_account_messages_per_day"):
        if values.get(key, 0) < 0:
            raise ConfigError(f"'{key}' must be 0 (no limit) or more{where}")
    if values.get("inbox_backlog_limit", 0) < 0:
        raise ConfigError(f"'inbox_backlog_limit' must be 0 (no limit) or more{where}")
    for key in ("listing_expiry_days", "session_retention_days", "notification_retention_days"):
        if values.get(key, 1) < 1:
            raise ConfigError(f"'{key}' must be at least 1{where}")
    for key in (
        "delivery_concurrency",
        "delivery_per_host",
        "media_max_bytes",
        "media_max_pixels",
        "media_concurrency",
        "remote_media_cache_bytes",
    ):
        if key in values and values[key] < 1:
            raise ConfigError(f"'{key}' must be at least 1{where}")
    for key in (
        "worker_poll_seconds",
        "retry_base_seconds",
        "http_timeout_seconds",
        "queue_lease_seconds",
        "inbox_hold_seconds",
    ):
        if key in values and values[key] <= 0:
            raise ConfigError(f"'{key}' must be positive{where}")
    known = {c.key for c in BUILT_IN} | {c.key for c in values.get("categories", ())}
    for key, _types in values.get("reserved_categories", ()):
        if key not in known:
            raise ConfigError(f"[reserved_categories] names an unknown category {key!r}{where}")
    if values.get("metrics_enabled") and not (
        values.get("metrics_allow") or values.get("metrics_token")
    ):
        raise ConfigError(
            f"metrics_enabled needs metrics_allow (networks) or metrics_token to say who may "
            f"read /metrics{where}"
        )
    languages = values.get("languages", Config.languages)
    if values.get("default_language", Config.default_language) not in languages:
        raise ConfigError(f"default_language must be one of languages{where}")
    if "timezone" in values and not _is_time_zone(values["timezone"]):
        raise ConfigError(
            f"unknown timezone {values['timezone']!r}{where}: expected a name such as "
            "Europe/Paris or America/Martinique"
        )


def _is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


__all__ = ["Config", "ConfigError", "Legal", "Quarter", "build_config", "load_config", "slugify"]
