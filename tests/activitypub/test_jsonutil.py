"""Bounded JSON parsing and compact serialisation."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activitypub import jsonutil
from activitypub.jsonutil import MalformedJSON, dumps_compact, loads_bounded
from tests.support.cost_growth import (
    CEILING_SECONDS,
    SIZE_RATIO,
    best_cpu_seconds,
    grows_at_most_linearly,
)


def test_parses_a_document() -> None:
    assert loads_bounded(b'{"a": [1, 2.5, "\\u00e9"], "b": null}') == {
        "a": [1, 2.5, "é"],
        "b": None,
    }


def test_malformed_json_is_a_value_error() -> None:
    assert issubclass(MalformedJSON, ValueError)


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"{'a': 1}", b'{"a": 1,}', b"NaN", b'{"a": Infinity}', b"[1] [2]"],
)
def test_invalid_json(body: bytes) -> None:
    with pytest.raises(MalformedJSON, match="invalid JSON"):
        loads_bounded(body)


@pytest.mark.parametrize("body", [b'{"a": "\xff"}', b"\xc3\x28", b'"\xed\xa0\x80"'])
def test_invalid_utf8(body: bytes) -> None:
    with pytest.raises(MalformedJSON, match="UTF-8"):
        loads_bounded(body)


def test_byte_order_mark_tolerated() -> None:
    assert loads_bounded(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_hundred_thousand_levels_refused_without_crash(opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    body = opener * 100_000 + b"1" + closer * 100_000
    with pytest.raises(MalformedJSON, match="nested"):
        # Past the container count, so the decoder's own recursion limit is what stops it.
        loads_bounded(body, max_containers=10**6)
    with pytest.raises(MalformedJSON, match="more than 50000 arrays"):
        loads_bounded(body)


def test_the_container_count_is_bounded_before_parsing() -> None:
    dense = b"[" + b"[]," * 60_000 + b"[]]"
    assert len(loads_bounded(dense, max_containers=10**6)) == 60_001
    with pytest.raises(MalformedJSON, match="arrays and objects"):
        loads_bounded(dense)


@pytest.mark.parametrize(
    "body",
    [
        b'"' + b"\\" * 16_000,
        b'"' + b"\\" * 16_001,
        b'"' + b'\\"' * 16_000,
        b'\\"' * 16_000,
        b'["' + b'\\"' * 16_000,
        b'"' + b"a" * 16_000,
        b'{"a": "' + b"[" * 16_000,
        b"[" * 100_000,
        b'{"a":' * 100_000,
    ],
    ids=[
        "quote-then-backslashes",
        "quote-then-odd-backslashes",
        "quote-then-escaped-quotes",
        "escaped-quotes",
        "array-then-escaped-quotes",
        "unterminated-string",
        "unterminated-string-of-brackets",
        "open-arrays",
        "open-objects",
    ],
)
def test_adversarial_shapes_are_refused(body: bytes) -> None:
    # Before the fix some of these took over a second; see "Cost" below for how it grows.
    with pytest.raises(MalformedJSON):
        loads_bounded(body)


def test_integer_too_long_to_convert_is_malformed() -> None:
    # int() refuses more than 4300 digits with a plain ValueError, which must not escape.
    with pytest.raises(MalformedJSON, match="too many digits"):
        loads_bounded(b"[" + b"9" * 5000 + b"]")


def test_depth_limit_is_exact() -> None:
    assert loads_bounded(b"[" * 64 + b"]" * 64, max_depth=64) is not None
    with pytest.raises(MalformedJSON):
        loads_bounded(b"[" * 65 + b"]" * 65, max_depth=64)
    assert loads_bounded(b'{"a": {"b": 1}}', max_depth=2) == {"a": {"b": 1}}
    with pytest.raises(MalformedJSON):
        loads_bounded(b'{"a": {"b": []}}', max_depth=2)


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "' + "[" * 1000 + '\\"{{{", "b": ["]]]"]}'
    assert loads_bounded(text.encode(), max_depth=2)["b"] == ["]]]"]


def test_depth_counts_levels_peeled_before_the_long_runs() -> None:
    # Many sibling leaves deep inside a chain: the leaves are peeled off first, then the
    # chain is measured as runs; both parts must add up.
    body = b"[" * 60 + b"[]," * 100 + b"[]" + b"]" * 60
    assert loads_bounded(body, max_depth=61) is not None
    with pytest.raises(MalformedJSON, match="nested deeper than 60"):
        loads_bounded(body, max_depth=60)


def test_depth_beyond_recursion_limit_with_a_high_max() -> None:
    # Even when the caller allows absurd depth, the interpreter's limit must not escape.
    with pytest.raises(MalformedJSON):
        loads_bounded(b"[" * 200_000 + b"]" * 200_000, max_depth=10**9)


def test_dumps_compact() -> None:
    assert dumps_compact({"a": [1, 2], "b": "é ü"}) == '{"a":[1,2],"b":"é ü"}'.encode()
    with pytest.raises(ValueError):
        dumps_compact({"a": float("nan")})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_round_trip(value) -> None:
    assert loads_bounded(dumps_compact(value)) == value
    assert loads_bounded(json.dumps(value, indent=2).encode()) == value


# --- Cost -------------------------------------------------------------------------------
# loads_bounded reads inbox bodies before their signature is checked, so a stranger picks
# its input. Its CPU cost on the shapes that have made JSON checks super-linear must grow
# linearly with the body: measured at a quarter of a mebibyte and at one (the inbox
# limit), as process CPU time, best of three (tests/support/cost_growth.py). The
# quadratic code it replaced needed minutes for a mebibyte.

MIB = 1 << 20


def _cpu_seconds(body: bytes) -> float:
    """The CPU time one loads_bounded(body) takes, best of three."""

    def parse() -> None:
        with contextlib.suppress(MalformedJSON):
            loads_bounded(body)

    return best_cpu_seconds(parse)


def _filled(unit: bytes, size: int) -> bytes:
    """A JSON array of `unit` repeated to about `size` bytes (`unit` ends with a comma)."""
    return b"[" + unit * ((size - 2) // len(unit) - 1) + unit[:-1] + b"]"


ADVERSARIAL_SHAPES: dict[str, Callable[[int], bytes]] = {
    "quote-then-backslashes": lambda size: b'"' + b"\\" * (size - 1),
    "quote-then-escaped-quotes": lambda size: b'"' + b'\\"' * (size // 2),
    "escaped-quotes": lambda size: b'\\"' * (size // 2),
    "unterminated-string": lambda size: b'"' + b"a" * (size - 1),
    "open-arrays": lambda size: b"[" * size,
    "open-objects": lambda size: b'{"a":' * (size // 5),
    "closed-arrays-too-deep": lambda size: b"[" * (size // 2) + b"]" * (size // 2),
    # Valid documents whose strings make the depth measurement work hardest.
    "one-string-of-escaped-quotes": lambda size: b'["' + b'\\"' * (size // 2 - 2) + b'"]',
    "one-string-of-brackets": lambda size: b'["' + b"[{" * (size // 2 - 2) + b'"]',
    "strings-full-of-brackets": lambda size: _filled(b'"[{\\"]",', size),
}


@pytest.mark.parametrize("shape", ADVERSARIAL_SHAPES.values(), ids=ADVERSARIAL_SHAPES.keys())
def test_the_cost_of_an_adversarial_shape_grows_linearly_up_to_a_mebibyte(shape) -> None:
    # Given the shape at a quarter of a mebibyte and at a mebibyte
    small, large = shape(MIB // SIZE_RATIO), shape(MIB)
    assert len(large) >= MIB - 16
    # When each is parsed, Then the larger costs at most about four times the smaller
    small_cost, large_cost = _cpu_seconds(small), _cpu_seconds(large)
    shown = f"{small_cost * 1000:.1f} ms, then {large_cost * 1000:.1f} ms"
    assert grows_at_most_linearly(small_cost, large_cost), shown
    assert large_cost < CEILING_SECONDS, shown


# --- Agreement with json.loads -------------------------------------------------------


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


# Strings full of what a depth measurement could mistake for structure.
_tricky_text = st.text(alphabet='[]{}"\\/,:ab\u00e9\U0001f600\n', max_size=8)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _tricky_text
)


@st.composite
def _nested(draw: st.DrawFn) -> object:
    """A JSON value of any depth up to 80: a small tree wrapped in arrays and objects."""
    value = draw(
        st.recursive(
            _scalars,
            lambda children: (
                st.lists(children, max_size=3) | st.dictionaries(_tricky_text, children, max_size=3)
            ),
            max_leaves=8,
        )
    )
    for wrap_in_object in draw(st.lists(st.booleans(), max_size=80)):
        value = {draw(_tricky_text): value} if wrap_in_object else [value]
    return value


def _serialised(value: object, style: int) -> bytes:
    if style == 0:
        return dumps_compact(value)
    if style == 1:
        return json.dumps(value, indent=1).encode()
    return b"\xef\xbb\xbf" + json.dumps(value, separators=(" , ", " : ")).encode()


# The depth measurement picks one of two strategies by how dense innermost pairs are; 0 and
# a huge density force one of them, 16 is the real mix.
@pytest.mark.parametrize("density", [0, 16, 1 << 40], ids=["runs", "mixed", "peeling"])
@given(value=_nested(), style=st.integers(0, 2), offset=st.integers(-2, 2))
def test_agrees_with_json_loads_within_the_depth_limit(density, value, style, offset) -> None:
    # Limits around the document's own depth: where an off-by-one would show.
    body = _serialised(value, style)
    max_depth = max(0, _depth(value) + offset)
    with mock.patch.object(jsonutil, "_PEEL_DENSITY", density):
        if _depth(value) <= max_depth:
            expected = json.loads(body.decode("utf-8-sig"))
            assert loads_bounded(body, max_depth=max_depth) == expected
        else:
            with pytest.raises(MalformedJSON, match="nested deeper than"):
                loads_bounded(body, max_depth=max_depth)


def _reference(body: bytes, max_depth: int) -> object:
    """json.loads with our refusals: None stands for "MalformedJSON expected"."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=float)
    except (ValueError, RecursionError):
        return None
    if b"NaN" in body or b"Infinity" in body or _depth(value) > max_depth:
        return None
    return [value]


@given(st.text(alphabet='[]{}",:\\ 0-.e1tuflsNIa', max_size=40), st.integers(0, 4))
def test_arbitrary_text_is_parsed_as_json_loads_does_or_refused(text, max_depth) -> None:
    body = text.encode()
    expected = _reference(body, max_depth)
    if expected is None:
        with pytest.raises(MalformedJSON):
            loads_bounded(body, max_depth=max_depth)
    else:
        assert [loads_bounded(body, max_depth=max_depth)] == expected
