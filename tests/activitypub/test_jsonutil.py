"""Bounded JSON parsing and compact serialisation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activitypub.jsonutil import MalformedJSON, dumps_compact, loads_bounded


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
    with pytest.raises(MalformedJSON, match="nested deeper than 64"):
        loads_bounded(body)


def test_unclosed_nesting_refused() -> None:
    with pytest.raises(MalformedJSON):
        loads_bounded(b"[" * 100_000)


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
