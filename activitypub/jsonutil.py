"""JSON parsing with limits for bodies that arrive from other servers, and compact output.

`loads_bounded` runs on inbox bodies before their signature is verified and on every
document we fetch, so anyone can choose its input: its cost must stay linear in the body's
length whatever the bytes are. It parses first with the C decoder (linear, and it validates),
then measures the nesting depth on bytes already known to be valid JSON, with byte-level
passes whose cost stays linear however the input is arranged.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from itertools import accumulate, cycle
from operator import mul
from typing import Any

# The only bytes that matter for nesting once the document is known to be valid: in UTF-8
# none of them can appear inside a multi-byte character, so working on the raw bytes is safe.
_DELETE_ALL_BUT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
# Nesting does not depend on the kind of bracket once the document is valid.
_SQUARE = bytes.maketrans(b"{}", b"[]")
# A string whose content, after the passes below, is only brackets (no quote, no escape).
# Possessive so a match can never be retried; on valid JSON every attempt succeeds anyway.
_QUOTED = re.compile(rb'"[^"]*+"')
_RUNS = re.compile(rb"\[+|\]+")
# Peel innermost pairs while they are at least this dense (1 in 16 bytes), else walk runs.
_PEEL_DENSITY = 16


class MalformedJSON(ValueError):
    """A body is not valid UTF-8 JSON, or is nested deeper than allowed."""


def _reject_constant(name: str) -> Any:
    raise MalformedJSON(f"invalid JSON: {name} is not a JSON value")


def _structure(valid: bytes) -> bytes:
    """The brackets of a valid JSON document that lie outside its strings, as `[` and `]`."""
    # Only backslashes and quotes inside strings can make a quote not end a string; with
    # every `\\` and `\"` gone, quotes pair up in order. Left to right, `\\` pairs are the
    # real escapes: a run of backslashes always starts at an escape boundary.
    text = valid.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = text.translate(_SQUARE, _DELETE_ALL_BUT_STRUCTURE)
    # Two adjacent quotes are an empty string or the seam between two strings; removing
    # them moves no bracket in or out of a string. Most documents lose every quote here.
    text = text.replace(b'""', b"")
    if b'"' in text:
        text = _QUOTED.sub(b"", text)
    return text


def _nests_deeper(brackets: bytes, limit: int) -> bool:
    """Whether a balanced sequence of `[` and `]` nests deeper than `limit`.

    Two strategies, each cheap where the other is not, both linear: removing every `[]`
    lowers the depth by exactly one and, while such pairs are dense, shrinks the bytes by
    a constant fraction; once they are sparse the brackets form few long runs, and the depth
    is the highest running total of run lengths (openers added, closers subtracted).
    """
    peeled = 0
    while brackets:
        if peeled >= limit:
            return True
        pairs = brackets.count(b"[]")
        if pairs * _PEEL_DENSITY < len(brackets):
            # Runs alternate, openers first, since the sequence is balanced.
            signed: Iterator[int] = map(mul, map(len, _RUNS.findall(brackets)), cycle((1, -1)))
            return peeled + max(accumulate(signed)) > limit
        brackets = brackets.replace(b"[]", b"")
        peeled += 1
    return peeled > limit


def _deeper_than(valid: bytes, max_depth: int) -> bool:
    # Fast exit: a document cannot be deeper than its number of openers.
    if valid.count(b"[") + valid.count(b"{") <= max_depth:
        return False
    return _nests_deeper(_structure(valid), max_depth)


# Real activities and documents hold tens to hundreds of arrays and objects; a megabyte of
# `[],` holds 350,000, each an object the decoder must build.
MAX_CONTAINERS = 50_000


def loads_bounded(body: bytes, *, max_depth: int = 64, max_containers: int = MAX_CONTAINERS) -> Any:
    """Parse a UTF-8 JSON body, refusing nesting deeper than `max_depth` and more than
    `max_containers` arrays and objects.

    Raises `MalformedJSON` (a `ValueError`) for invalid UTF-8, invalid JSON (including the
    non-standard NaN/Infinity literals and integers too long to convert), excessive
    nesting and too many containers (brackets are counted before parsing, those inside
    strings too: a cheap over-estimate that no real document comes near). A leading
    byte-order mark is tolerated. Cost is linear in `len(body)`.
    """
    if body.count(b"[") + body.count(b"{") > max_containers:
        raise MalformedJSON(f"JSON with more than {max_containers} arrays and objects")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedJSON(f"body is not valid UTF-8: {exc}") from None
    # A byte-order mark is not JSON, but some servers send one; tolerate it.
    text = text.removeprefix("\ufeff")
    # The decoder makes one object per container; with the collector running, a body of
    # half a million small lists sets off repeated full collections that cost several times
    # the parse. The decoder makes no reference cycles, so nothing is lost by pausing it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        # The C decoder recurses once per level and stops at the interpreter's limit.
        raise MalformedJSON("JSON nested too deeply to parse") from None
    except json.JSONDecodeError as exc:
        raise MalformedJSON(f"invalid JSON: {exc}") from None
    except MalformedJSON:
        raise
    except ValueError:
        # int() refuses integers of more than sys.get_int_max_str_digits() digits.
        raise MalformedJSON("invalid JSON: a number has too many digits") from None
    finally:
        if collecting:
            gc.enable()
    if _deeper_than(body, max_depth):
        raise MalformedJSON(f"JSON nested deeper than {max_depth} levels")
    return value


def dumps_compact(obj: Any) -> bytes:
    """Serialise to compact UTF-8 JSON (no spaces, non-ASCII kept as is)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )
