"""Ids and paging parameters: one parser for every route."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fedlocal.boundary.ids import MAX_ID, parse_count, parse_id, path_id, query_id
from fedlocal.boundary.paging import page_query
from fedlocal.boundary.problems import InputProblem

NOT_IDS = [
    "",
    "0",
    "-1",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "²",  # "²".isdigit() is True
    "١٢٣",  # Arabic-Indic digits: isdigit() and int() accept them
    "１２",  # fullwidth digits
    str(MAX_ID + 1),
    "9" * 20,
    "1" * 5000,
]


@pytest.mark.parametrize("text", NOT_IDS)
def test_what_is_not_an_id_names_nothing(text: str) -> None:
    assert parse_id(text) is None
    with pytest.raises(InputProblem) as refused:
        path_id(text)
    assert refused.value.status == 404


@pytest.mark.parametrize("text", ["1", "42", "007", str(MAX_ID)])
def test_ids_in_the_store_range_are_read(text: str) -> None:
    assert parse_id(text) == int(text)


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_every_id_in_range_round_trips(value: int) -> None:
    assert parse_id(str(value)) == value


@given(st.text(max_size=30))
def test_parse_id_never_raises_and_only_accepts_ascii_digits(text: str) -> None:
    value = parse_id(text)
    if value is not None:
        assert text.isascii() and text.isdigit() and 1 <= value <= MAX_ID


def test_a_query_id_that_is_not_one_is_a_bad_request_naming_the_parameter() -> None:
    assert query_id(None, "max_id") is None
    assert query_id("", "max_id") is None
    with pytest.raises(InputProblem) as refused:
        query_id("99999999999999999999999", "max_id")
    assert refused.value.status == 400
    assert "max_id" in refused.value.message


def test_paging_accepts_zero_bounds_and_clamps_the_limit() -> None:
    values = {"since_id": "0", "max_id": "12", "limit": "1000"}
    query = page_query(values.get, default=20, maximum=40)
    assert (query.since_id, query.max_id, query.min_id, query.limit) == (0, 12, None, 40)
    assert page_query({"limit": "many"}.get).limit == 20


@pytest.mark.parametrize("name", ["max_id", "since_id", "min_id"])
def test_paging_refuses_bounds_beyond_the_store_range(name: str) -> None:
    with pytest.raises(InputProblem) as refused:
        page_query({name: str(2**64)}.get)
    assert refused.value.status == 400


def test_counts_are_bounded_before_conversion() -> None:
    assert parse_count("5", maximum=10) == 5
    assert parse_count("11", maximum=10) is None
    assert parse_count("1" * 100_000, maximum=10) is None
    assert parse_count("²", maximum=10) is None
