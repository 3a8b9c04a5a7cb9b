"""Every HTTP call of docs/api.md's start-up table answers 2xx to a resident's app: the
table is read from the doc, so the doc cannot promise a call the server does not
answer."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(GET|POST|PUT|DELETE|WS) ([^`]+)`")


def start_up_calls() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## What apps call at start-up", 1)[1].split("\n## ", 1)[0]
    return [match.groups() for line in section.splitlines() if (match := ROW.match(line))]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscription_form() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "subscription[endpoint]": "https://push.example/app/1",
        "subscription[keys][p256dh]": b64url(point),
        "subscription[keys][auth]": b64url(os.urandom(16)),
        "data[alerts][mention]": "true",
    }


def test_the_table_lists_the_calls() -> None:
    calls = start_up_calls()
    assert len(calls) >= 20
    assert ("GET", "/api/v2/instance") in calls


async def test_every_start_up_call_answers(inst, http, ana) -> None:
    answers = {}
    for method, path in start_up_calls():
        if method == "WS":
            continue
        url = path.replace(":id", str(ana.actor.id))
        body = subscription_form() if path == "/api/v1/push/subscription" else None
        response = await http.request(method, url, headers=ana.headers, data=body)
        answers[f"{method} {path}"] = response.status_code
    assert {call: status for call, status in answers.items() if not 200 <= status < 300} == {}
