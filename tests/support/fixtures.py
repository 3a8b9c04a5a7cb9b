"""Payload fixtures written in the project, shaped like what other servers send.

`tests/fixtures/<software>/<name>.json` hold documents with `{placeholder}` strings;
`load_fixture("mastodon/create-note.json", base=stub.base_url, username="alice", …)`
returns the parsed document with every placeholder in every string value replaced. A
placeholder left without a value is an error, so a fixture never reaches a test half-filled.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def load_fixture(name: str, /, **values: Any) -> Any:
    """The fixture `name` (relative to tests/fixtures) with its placeholders filled."""
    document = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return _fill(document, {key: str(value) for key, value in values.items()}, name)


def _fill(value: Any, values: dict[str, str], name: str) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda match: _value(match[1], values, name), value)
    if isinstance(value, list):
        return [_fill(item, values, name) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, values, name) for key, item in value.items()}
    return value


def _value(placeholder: str, values: dict[str, str], name: str) -> str:
    if placeholder not in values:
        raise KeyError(f"fixture {name} needs a value for {{{placeholder}}}")
    return values[placeholder]
