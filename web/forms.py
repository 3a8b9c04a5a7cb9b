"""Reading and checking HTML forms: the body, typed fields, errors kept beside their field.

Forms are `application/x-www-form-urlencoded`, read here rather than by a multipart parser:
a bounded body, strict UTF-8, a bounded number of fields. The forms that take pictures
(`UPLOAD_FORMS`) are `multipart/form-data`, read by Starlette's parser within the body
limit `form_body_limit` gives their path (the boundary enforces it before anything reads).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from fedlocal.boundary.bodies import media_type, parse_urlencoded, read_body
from fedlocal.boundary.problems import BodyTooLarge, InputProblem
from fedlocal.config import Config, Quarter

MAX_BODY_BYTES = 256 * 1024
MAX_FIELDS = 100
# The forms taking pictures, by path, and how many pictures each takes at most.
UPLOAD_FORMS = {
    "/new/offer": 4,
    "/new/request": 4,
    "/new/event": 1,
    "/settings/profile": 2,
    # A file of addresses to follow (Mastodon's export of follows).
    "/settings/moving/import": 1,
}


_GROUP_PICTURES = re.compile(r"^/groups/[^/]+/pictures/?$")


def upload_count(path: str) -> int:
    """How many pictures the form at `path` takes (0: a form without files)."""
    if _GROUP_PICTURES.match(path):
        return 2  # a group's avatar and header image
    return UPLOAD_FORMS.get(path.rstrip("/") or "/", 0)


def form_body_limit(path: str, picture_bytes: int) -> int:
    """The body limit of the web form at `path`: its pictures and room for the fields."""
    return upload_count(path) * picture_bytes + MAX_BODY_BYTES


# Events are entered in the instance's local time.


class BadForm(Exception):
    """A body that is not a form we can read, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class FormData:
    """The submitted fields: the first value of each by default, every value on request."""

    def __init__(
        self, pairs: Iterable[tuple[str, str]] = (), files: dict[str, bytes] | None = None
    ):
        self.pairs = list(pairs)
        # The files chosen, by field name (a field left empty is not here).
        self.files = files or {}

    def get(self, name: str, default: str = "") -> str:
        for key, value in self.pairs:
            if key == name:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self.pairs)

    def as_dict(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, value in self.pairs:
            values.setdefault(key, value)
        return values


async def read_form(request: Request) -> FormData:
    kind = media_type(request)
    files = upload_count(request.url.path)
    if kind == "multipart/form-data" and files:
        return await _read_multipart(request, files)
    if kind != "application/x-www-form-urlencoded":
        raise BadForm(415, "unsupported-type")
    try:
        body = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        raise BadForm(413, "too-large") from None
    try:
        pairs = parse_urlencoded(body, max_fields=MAX_FIELDS, ascii_only=True)
    except InputProblem:
        raise BadForm(400, "unreadable") from None
    # Browsers send CRLF in textareas; NUL and other controls have no place in any field.
    clean = [(key, _clean(value)) for key, value in pairs]
    return FormData(clean)


async def _read_multipart(request: Request, files: int) -> FormData:
    """A form with pictures. The parser keeps files past 1 MiB on disk while it reads;
    text fields are bounded as an urlencoded form's."""
    try:
        form = await request.form(
            max_files=files, max_fields=MAX_FIELDS, max_part_size=MAX_BODY_BYTES
        )
    except BodyTooLarge:
        raise BadForm(413, "too-large") from None
    except (MultiPartException, HTTPException):  # the parser's ways of refusing a body
        raise BadForm(400, "unreadable") from None
    try:
        pairs: list[tuple[str, str]] = []
        chosen: dict[str, bytes] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                # A file field left empty arrives as a part with no name and no bytes.
                if data and key not in chosen:
                    chosen[key] = data
            else:
                pairs.append((key, _clean(value)))
    finally:
        await form.close()
    return FormData(pairs, chosen)


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str) -> str:
    return _CONTROLS.sub("", value.replace("\r\n", "\n"))


@dataclass
class FormState:
    """What a form shows again after a failed submission: the values typed and an error
    message per field (`_form` for the form as a whole)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_int(text: str, *, minimum: int, maximum: int) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_local_datetime(day: str, clock: str, timezone: str) -> datetime | None:
    """A date and a time (`2025-06-14`, `14:30`) in the instance's `timezone`, as an aware
    datetime."""
    parsed_day = parse_date(day)
    try:
        parsed_time = time.fromisoformat(clock.strip()) if clock.strip() else None
    except ValueError:
        return None
    if parsed_day is None or parsed_time is None:
        return None
    return datetime.combine(parsed_day, parsed_time.replace(tzinfo=None), ZoneInfo(timezone))


def day_start(value: date, timezone: str) -> datetime:
    return datetime.combine(value, time(0, 0), ZoneInfo(timezone))


def day_end(value: date, timezone: str) -> datetime:
    return datetime.combine(value, time(23, 59), ZoneInfo(timezone))


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", bare))


def match_address(config: Config, address: str) -> Quarter | None:
    """The gazetteer quarter an address names: the whole text, one of its comma-separated
    parts, or a quarter's name appearing in it as whole words (longest name first, so
    `Saint-Servan` wins over a quarter called `Servan`)."""
    address = address.strip()
    if not address:
        return None
    found = config.find_quarter(address)
    if found is not None:
        return found
    for part in address.split(","):
        found = config.find_quarter(part)
        if found is not None:
            return found
    text = f" {_key(address)} "
    for quarter in sorted(config.quarters, key=lambda q: len(q.name), reverse=True):
        name = _key(quarter.name)
        if name and f" {name} " in text:
            return quarter
    return None
