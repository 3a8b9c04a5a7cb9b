"""Request parameters wherever clients put them: the query string (IceCubes sends a
POST's parameters there), a form, multipart, or JSON; arrays as `key[]=` or JSON lists;
nested form keys (`poll[options][]`) as JSON objects would give them."""

from __future__ import annotations

import builtins
import json
import math
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from ..boundary.bodies import (
    FORM_MAX_FIELDS,
    check_field_count,
    is_json,
    media_type,
    parse_urlencoded,
    read_body,
    read_json_object,
)

# Bodies of the client API and OAuth: parameters (the longest post, percent-encoded, is a
# few tens of KiB). Picture uploads have their own limit (`upload_body_limit`).
MAX_BODY = 256 * 1024
# The routes that take pictures, and how many each takes at most.
UPLOAD_PATHS = {
    "/api/v1/media": 1,
    "/api/v2/media": 1,
    "/api/v1/accounts/update_credentials": 2,
}


def upload_body_limit(path: str, picture_bytes: int) -> int | None:
    """The body limit of a route taking pictures (its pictures and room for the other
    fields); None for other routes."""
    files = UPLOAD_PATHS.get(path.rstrip("/"))
    return None if files is None else files * picture_bytes + MAX_BODY


TRUE = frozenset({"1", "true", "on", "yes", "t"})
FALSE = frozenset({"0", "false", "off", "no", "f", "", "none", "null"})


class Params:
    """Values by name (`key[]` and `key` are the same name); later sources win."""

    def __init__(self) -> None:
        self._values: dict[str, list[Any]] = {}
        # Files of a multipart body, by field name (the first of each name).
        self.files: dict[str, UploadFile] = {}

    def add_pairs(self, pairs: Iterable[tuple[str, Any]]) -> None:
        fresh: dict[str, list[Any]] = {}
        for key, value in pairs:
            fresh.setdefault(_name(key), []).append(value)
        self._values.update(fresh)

    def add_json(self, document: dict[str, Any], prefix: str = "") -> None:
        pairs: list[tuple[str, Any]] = []
        for key, value in document.items():
            name = f"{prefix}[{key}]" if prefix else str(key)
            if isinstance(value, dict):
                self.add_json(value, name)
            elif isinstance(value, list):
                self._values[_name(name)] = list(value)
            else:
                pairs.append((name, value))
        self.add_pairs(pairs)

    def names(self) -> list[str]:
        return list(self._values)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def values(self, name: str) -> list[Any]:
        """Every value given for `name`, as sent (a JSON list keeps its objects)."""
        return list(self._values.get(name, []))

    def get(self, name: str, default: Any = None) -> Any:
        values = self._values.get(name)
        return values[0] if values else default

    # Methods named after builtins: below this one, `str` in an annotation would be the
    # method, so the type is spelt `builtins.str`.
    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.get(name)
        if value is None or isinstance(value, dict | list):
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def list(self, name: builtins.str) -> list[builtins.str]:
        return [
            v if isinstance(v, str) else str(v) for v in self._values.get(name, []) if v is not None
        ]

    def objects(self, name: builtins.str) -> builtins.list[dict[builtins.str, Any]]:
        """An array of objects: a JSON list of objects, or form fields named Rails' way
        (`name[][field]`, in order, or `name[0][field]`, by index)."""
        found = [v for v in self._values.get(name, []) if isinstance(v, dict)]
        if found:
            return found
        prefix = name + "["
        indexed: dict[builtins.str, dict[builtins.str, Any]] = {}
        appended: dict[builtins.str, builtins.list[Any]] = {}
        for key, values in self._values.items():
            if not key.startswith(prefix) or not values:
                continue
            index, _, field = key[len(prefix) :].partition("][")
            field = field.rstrip("]")
            if not field:
                continue
            if index:
                indexed.setdefault(index, {})[field] = values[0]
            else:
                appended[field] = values
        rows = [indexed[i] for i in sorted(indexed, key=lambda i: (len(i), i))]
        count = max((len(v) for v in appended.values()), default=0)
        rows += [
            {field: values[n] for field, values in appended.items() if n < len(values)}
            for n in range(count)
        ]
        return rows

    def bool(self, name: builtins.str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        return default

    def int(self, name: builtins.str) -> int | None:
        """A whole number within the store's 64-bit range, else None."""
        value = self.get(name)
        if isinstance(value, bool) or value is None:
            return None
        text = str(value).strip()
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
            return None
        return int(text)

    def float(self, name: builtins.str) -> float | None:
        value = self.get(name)
        if isinstance(value, bool) or value is None:
            return None
        try:
            number = float(str(value).strip()[:64])
        except ValueError:
            return None
        return number if math.isfinite(number) else None


def _name(key: str) -> str:
    return key[:-2] if key.endswith("[]") else key


async def read_params(request: Request) -> Params:
    """Query parameters, then the body's (form, multipart or JSON) on top. The body is
    read under `MAX_BODY` and JSON parsed with bounded depth (`fedlocal.boundary`)."""
    params = Params()
    params.add_pairs(request.query_params.multi_items())
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return params
    kind = media_type(request)
    if is_json(kind):
        document = await read_json_object(request, MAX_BODY)
        if document is not None:
            check_field_count(document)
            params.add_json(document)
    elif kind == "application/x-www-form-urlencoded":
        params.add_pairs(parse_urlencoded(await read_body(request, MAX_BODY)))
    elif kind == "multipart/form-data":
        # Starlette's parser bounds fields and parts; the boundary bounds the whole body.
        # Files are spooled to disk past 1 MiB by the parser, not held in memory.
        form = await request.form(max_fields=FORM_MAX_FIELDS, max_files=2)
        params.add_pairs(
            (key, value) for key, value in form.multi_items() if isinstance(value, str)
        )
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                params.files.setdefault(_name(key), value)
    return params
