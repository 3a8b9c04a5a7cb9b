"""draft-cavage-http-signatures-12, as Mastodon, GoToSocial and most of the fediverse use it.

Rules follow Mastodon's verifier (interop.md §2.1): ``rsa-sha256`` or ``hs2019``
only, RSASSA-PKCS1-v1_5 with SHA-256 for RSA keys, Ed25519 for ``hs2019`` with
an Ed25519 key, and the signature-strength requirements in ``check_profile``.
"""

import base64
import binascii
import re
from dataclasses import replace
from email.utils import formatdate, mktime_tz, parsedate_tz

from activitypub.digest import digest_header, verify_digest_header
from activitypub.errors import SignatureError
from activitypub.httpsig import algorithms
from activitypub.httpsig.parsed import ParsedSignature
from activitypub.httpsig.request import RequestView, to_bytes
from activitypub.httpsig.window import check_time_window

RSA_SHA256 = "rsa-sha256"
HS2019 = "hs2019"

# The draft's defaults when the sender omits ``headers``.
_DEFAULT_HEADERS = {HS2019: ("(created)",), RSA_SHA256: ("date",)}

# name="quoted value" or name=token, then a comma or the end. Like Mastodon's
# parser, a quoted value ends at the next double quote (the draft defines no
# escapes), and whitespace around names, values and commas is tolerated.
_PARAM = re.compile(
    r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"([^"]*)"|([^\s,"]*))[ \t]*(,|\Z)'
)
# Some senders repeat the scheme name inside the header value.
_BOGUS_PREFIX = re.compile(r"[ \t]*Signature[ \t]+", re.IGNORECASE)


def parse_signature_header(value: str) -> dict[str, str]:
    """Split a ``Signature`` header into parameters with lower-case names."""
    params: dict[str, str] = {}
    prefix = _BOGUS_PREFIX.match(value)
    pos = prefix.end() if prefix else 0
    end = len(value)
    while pos < end:
        match = _PARAM.match(value, pos)
        if match is None:
            raise SignatureError("malformed Signature header")
        name = match[1].lower()
        if name in params:
            raise SignatureError(f"duplicate {match[1]} in Signature header")
        params[name] = match[2] if match[2] is not None else match[3]
        pos = match.end()
        if not match[4]:
            break
    return params


def _timestamp(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    # The draft allows decimal seconds; whole seconds are all we need. Fifteen digits (as
    # RFC 8941 allows integers) reach far past any usable time, and int() raises a plain
    # ValueError beyond 4300.
    whole, _, fraction = value.partition(".")
    if not (whole.isascii() and whole.isdigit() and len(whole) <= 15) or (
        fraction and not (fraction.isascii() and fraction.isdigit())
    ):
        raise SignatureError(f"invalid {name} parameter in Signature header")
    return int(whole)


def signing_string(
    view: RequestView, names: tuple[str, ...], params: dict[str, str], target: str
) -> str:
    """Build the draft's signing string: ``name: value`` lines joined by newlines."""
    lines = []
    for name in names:
        value: str | None
        if name == "(request-target)":
            value = f"{view.method.lower()} {target}"
        elif name == "(created)" or name == "(expires)":
            value = params.get(name[1:-1])
            if value is None:
                raise SignatureError(f"{name} is signed but the parameter is missing")
        else:
            value = view.headers.get(name)
            if value is None:
                if name != "host":
                    raise SignatureError(f"signed header {name} is missing")
                # HTTP/2 carries the host as :authority, which ASGI puts in the URL.
                value = view.authority
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def parse_signature(view: RequestView) -> ParsedSignature:
    """Parse the ``Signature`` header and build the candidate signing strings."""
    header = view.headers.get("signature")
    if header is None:
        raise SignatureError("missing signature")
    params = parse_signature_header(header)
    key_id = params.get("keyid")
    if not key_id:
        raise SignatureError("Signature header lacks keyId")
    encoded = params.get("signature")
    if not encoded:
        raise SignatureError("Signature header lacks signature")
    stated = params["algorithm"].lower() if "algorithm" in params else None
    algorithm = stated or HS2019
    if algorithm not in _DEFAULT_HEADERS:
        raise SignatureError(f"unsupported signature algorithm {params['algorithm']}")
    if "headers" in params:
        names = tuple(params["headers"].lower().split())
        if not names:
            raise SignatureError("Signature header lists no signed headers")
        # A name listed again adds nothing to what is signed, but would repeat its value
        # (say, a long URL) in the signing string as many times as a stranger likes.
        if len(set(names)) != len(names):
            raise SignatureError("Signature header lists a signed header twice")
    else:
        names = _DEFAULT_HEADERS[algorithm]
    # A parameter the signature does not cover could have been added by anyone.
    created = _timestamp(params, "created") if "(created)" in names else None
    expires = _timestamp(params, "expires") if "(expires)" in names else None
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("signature is not valid base64") from None

    # Mastodon before 4.4 signed the path without the query string; try the
    # full target first, as current senders use it.
    if "(request-target)" in names and view.query:
        targets: tuple[str, ...] = (view.request_target, view.path)
    else:
        targets = (view.request_target,)
    bases = tuple(to_bytes(signing_string(view, names, params, t)) for t in targets)

    return ParsedSignature(
        scheme="cavage",
        key_id=key_id,
        algorithm=stated,
        covered=names,
        created=created,
        expires=expires,
        _bases=bases,
        _signature=signature,
        _verify_with=algorithms.RSA_V1_5_SHA256 if algorithm == RSA_SHA256 else None,
    )


def check_profile(parsed: ParsedSignature, view: RequestView) -> None:
    """Enforce Mastodon's signature-strength rules (interop.md §2.1)."""
    covered = set(parsed.covered)
    if (parsed.algorithm or HS2019) != HS2019 and covered & {"(created)", "(expires)"}:
        raise SignatureError("(created) and (expires) may only be signed with hs2019")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("signature must cover date or (created)")
    if "(request-target)" not in covered and "digest" not in covered:
        raise SignatureError("signature must cover (request-target) or digest")
    if view.method == "GET" and "host" not in covered:
        raise SignatureError("GET signature must cover host")
    if view.method == "POST" and "digest" not in covered:
        raise SignatureError("POST signature must cover digest")


def parse_http_date(value: str) -> int:
    """Parse an HTTP date (IMF-fixdate and the obsolete forms) to Unix seconds."""
    # parsedate_tz reports a missing zone as offset 0, so mktime_tz reads GMT
    # rather than the server's local time.
    parts = parsedate_tz(value)
    if parts is None:
        raise SignatureError("invalid Date header")
    try:
        return int(mktime_tz(parts))
    except (OverflowError, ValueError):
        raise SignatureError("invalid Date header") from None


def _signing_times(parsed: ParsedSignature, view: RequestView) -> list[tuple[int, str]]:
    """Every signed statement of when the request was signed, with its name.

    ``check_profile`` guarantees at least one: ``date`` or ``(created)`` is covered, and
    ``parse_signature`` records ``created`` only when ``(created)`` is.
    """
    times = []
    if parsed.created is not None:
        times.append((parsed.created, "(created)"))
    if "date" in parsed.covered:
        # Present: signing_string refused a covered header that is missing.
        times.append((parse_http_date(view.headers["date"]), "Date"))
    return times


def parse_request(view: RequestView, body: bytes | None, now: float) -> ParsedSignature:
    """Parse, apply the profile rules and time window, and check the Digest."""
    parsed = parse_signature(view)
    check_profile(parsed, view)
    for created, source in _signing_times(parsed, view):
        check_time_window(created, parsed.expires, now, source=source)
    if body is not None and "digest" in parsed.covered:
        verify_digest_header(view.headers["digest"], body)
    return parsed


def sign(
    view: RequestView, body: bytes | None, *, key_id: str, private_key: object, now: float
) -> dict[str, str]:
    """Return Host, Date, Digest (with a body) and Signature headers for the request."""
    if '"' in key_id:
        raise ValueError("keyId must not contain a double quote")
    crypto = algorithms.algorithm_for_key(private_key)
    stated = HS2019 if crypto == algorithms.ED25519 else RSA_SHA256
    added = {"Host": view.authority, "Date": formatdate(now, usegmt=True)}
    names = ["(request-target)", "host", "date"]
    if body is not None or view.method == "POST":
        added["Digest"] = digest_header(body or b"")
        names.append("digest")
        if "content-type" in view.headers:
            names.append("content-type")
    elif "accept" in view.headers:
        names.append("accept")

    headers = view.headers | {name.lower(): value for name, value in added.items()}
    base = signing_string(replace(view, headers=headers), tuple(names), {}, view.request_target)
    signature = base64.b64encode(algorithms.sign(private_key, crypto, to_bytes(base)))
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="{stated}",headers="{" ".join(names)}",'
        f'signature="{signature.decode("ascii")}"'
    )
    return added
