"""JSON parsing with limits for bodies that arrive from other servers, and compact output."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

# A JSON string token, escapes included: removed first so brackets inside string values do
# not count towards the depth.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class MalformedJSON(ValueError):
    """A body is not valid UTF-8 JSON, or is nested deeper than allowed."""


def _reject_constant(name: str) -> Any:
    raise MalformedJSON(f"invalid JSON: {name} is not a JSON value")


def _check_depth(text: str, max_depth: int) -> None:
    # Measured before parsing: json.loads recurses once per level, so a body of 100 000
    # nested brackets would otherwise run into the interpreter's recursion limit. The work
    # stays in C (regex, map, accumulate) so a 1 MiB body costs milliseconds.
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= max_depth:
        return
    if max(accumulate(map(_DEPTH_STEP.__getitem__, brackets))) > max_depth:
        raise MalformedJSON(f"JSON nested deeper than {max_depth} levels")


def loads_bounded(body: bytes, *, max_depth: int = 64) -> Any:
    """Parse a UTF-8 JSON body, refusing nesting deeper than `max_depth`.

    Raises `MalformedJSON` (a `ValueError`) for invalid UTF-8, invalid JSON (including the
    non-standard NaN/Infinity literals) and excessive nesting.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedJSON(f"body is not valid UTF-8: {exc}") from None
    # A byte-order mark is not JSON, but some servers send one; tolerate it.
    text = text.removeprefix("\ufeff")
    _check_depth(text, max_depth)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise MalformedJSON(f"JSON nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise MalformedJSON(f"invalid JSON: {exc}") from None


def dumps_compact(obj: Any) -> bytes:
    """Serialise to compact UTF-8 JSON (no spaces, non-ASCII kept as is)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )
