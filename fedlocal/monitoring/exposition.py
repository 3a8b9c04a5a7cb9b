"""Prometheus' text exposition format (version 0.0.4), written by hand: a few gauges and
one histogram need no client library."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def labels(values: Mapping[str, str]) -> str:
    if not values:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in values.items()) + "}"


class Exposition:
    """Metric families in order, each with its HELP and TYPE lines."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def family(
        self,
        name: str,
        kind: str,
        help_text: str,
        samples: Iterable[tuple[Mapping[str, str], float]],
    ) -> None:
        self._lines.append(f"# HELP {name} {help_text}")
        self._lines.append(f"# TYPE {name} {kind}")
        for sample_labels, value in samples:
            self._lines.append(f"{name}{labels(sample_labels)} {_number(value)}")

    def raw(self, lines: Iterable[str]) -> None:
        self._lines.extend(lines)

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"
