"""Request bodies: read under a cap, then parsed with bounded cost.

The error boundary already stops any body at its route's limit; `read_body` applies the
caller's own (often smaller) limit too, so a parser never sees more than it allows for,
whatever the app around it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from activitypub.jsonutil import MalformedJSON, loads_bounded

from .problems import UNSUPPORTED_TYPE, BodyTooLarge, InputProblem, bad_request

JSON_MAX_DEPTH = 32
FORM_MAX_FIELDS = 200


def media_type(request: Request) -> str:
    """The request's media type, lower-case, without parameters ("" when none)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_json(kind: str) -> bool:
    return kind == "application/json" or kind.endswith("+json")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with `BodyTooLarge` by its declared length or as soon as it
    streams past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared[:20]) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes, *, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """A JSON document from `body` in linear time, or a 400 `InputProblem` saying why not."""
    try:
        return loads_bounded(body, max_depth=max_depth)
    except MalformedJSON as exc:
        raise bad_request(f"the body is not valid JSON: {exc}") from None


async def read_json_object(request: Request, limit: int) -> dict[str, Any] | None:
    """The body as a JSON object (None for an empty body); 400 for anything else."""
    body = await read_body(request, limit)
    if not body.strip():
        return None
    document = parse_json(body)
    if not isinstance(document, dict):
        raise bad_request("the body must be a JSON object")
    return document


def check_field_count(document: Any, limit: int = FORM_MAX_FIELDS) -> None:
    """Refuse (400) a JSON body with more than `limit` fields and list items in all: a
    form's bound, for the clients that send their parameters as JSON. Stops counting at
    the limit, so a body of a million keys costs no more than one of `limit`."""
    seen = 0
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            seen += len(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            seen += len(value)
            pending.extend(value)
        if seen > limit:
            raise bad_request(f"the body has more than {limit} fields")


def parse_urlencoded(
    body: bytes, *, max_fields: int = FORM_MAX_FIELDS, ascii_only: bool = False
) -> list[tuple[str, str]]:
    """`application/x-www-form-urlencoded` pairs in UTF-8, at most `max_fields` fields;
    400 otherwise. Browsers percent-encode every non-ASCII byte (`ascii_only` holds them
    to it); scripts calling the API sometimes send raw UTF-8, which is tolerated."""
    try:
        return parse_qsl(
            body.decode("ascii" if ascii_only else "utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=max_fields,
        )
    except (UnicodeDecodeError, ValueError):
        raise bad_request("the form could not be read") from None


def unsupported_type(kind: str, expected: str) -> InputProblem:
    return InputProblem(
        415, f"expected {expected}, got {kind or 'no content type'}", code=UNSUPPORTED_TYPE
    )
