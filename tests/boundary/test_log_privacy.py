"""uvicorn's log lines lose the client's address (fedlocal/boundary/log_privacy.py)."""

from __future__ import annotations

import logging

import pytest

from fedlocal.boundary.log_privacy import NoClientAddresses


def _record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, args, None)


@pytest.mark.parametrize(
    "address", ["203.0.113.77:5123", "203.0.113.77", "[2001:db8::42]:443", "2001:db8::42"]
)
def test_an_access_line_keeps_everything_but_the_address(address):
    record = _record('%s - "%s %s HTTP/%s" %d', address, "GET", "/feed", "1.1", 200)
    assert NoClientAddresses().filter(record) is True
    assert record.getMessage() == '- - "GET /feed HTTP/1.1" 200'


def test_other_values_are_left_alone():
    record = _record("%s %s %s", "/posts/12", "saint-malo.example", "1.1")
    NoClientAddresses().filter(record)
    assert record.getMessage() == "/posts/12 saint-malo.example 1.1"
