"""RFC 9421 HTTP Message Signatures for requests.

Supports the derived components a request can have (``@method``,
``@target-uri``, ``@authority``, ``@scheme``, ``@request-target``, ``@path``,
``@query``) and plain header fields. Component parameters (``sf``, ``key``,
``bs``, ``req``, ``tr``, ``@query-param;name=``) are rejected: no fediverse
sender uses them, and a clear error beats a silently different base.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from http_sfv.dictionary import Dictionary
from http_sfv.item import InnerList, Item
from http_sfv.types import Token

from activitypub.digest import content_digest_header, verify_content_digest
from activitypub.errors import SignatureError
from activitypub.httpsig import algorithms
from activitypub.httpsig.parsed import ParsedSignature
from activitypub.httpsig.request import RequestView, to_bytes
from activitypub.httpsig.window import check_time_window

DEFAULT_LABEL = "sig1"

_DERIVED: dict[str, Callable[[RequestView], str]] = {
    "@method": lambda view: view.method,
    "@target-uri": lambda view: view.target_uri,
    "@authority": lambda view: view.authority,
    "@scheme": lambda view: view.scheme,
    "@request-target": lambda view: view.request_target,
    "@path": lambda view: view.path,
    # RFC 9421 §2.2.7: an absent query is the lone "?".
    "@query": lambda view: "?" + view.query,
}


def _parse_dictionary(value: str, header: str) -> Dictionary:
    parsed = Dictionary()
    try:
        parsed.parse(value.encode("ascii"))
    except ValueError:  # includes UnicodeEncodeError
        raise SignatureError(f"malformed {header} header") from None
    return parsed


def _int_param(params: Mapping[str, object], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    # bool is an int subclass, and a bare ";created" parses as True.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SignatureError(f"{name} parameter must be an integer")
    return value


def signature_base(view: RequestView, components: InnerList) -> bytes:
    """Build the RFC 9421 §2.5 signature base for the covered components."""
    lines = []
    identifiers = []
    seen = set()
    for item in components:
        name = item.value
        if not isinstance(name, str) or isinstance(name, Token):
            raise SignatureError("covered component identifiers must be strings")
        if item.params:
            raise SignatureError(f"unsupported parameters on covered component {name}")
        if name in seen:
            raise SignatureError(f"component {name} is covered twice")
        seen.add(name)
        value: str | None
        if name.startswith("@"):
            derive = _DERIVED.get(name)
            if derive is None:
                raise SignatureError(f"unsupported covered component {name}")
            value = derive(view)
        else:
            if name != name.lower():
                raise SignatureError(f"covered field name {name} must be lower-case")
            value = view.headers.get(name)
            if value is None:
                raise SignatureError(f"covered field {name} is missing")
        identifier = str(item)
        identifiers.append(identifier)
        lines.append(f"{identifier}: {value}")
    # Re-serialising the parsed inner list yields the canonical form §2.3
    # requires; this is InnerList.__str__ without serialising each item twice.
    lines.append(f'"@signature-params": ({" ".join(identifiers)}){components.params}')
    return to_bytes("\n".join(lines))


def parse_signature(view: RequestView, label: str | None = None) -> ParsedSignature:
    """Parse ``Signature-Input``/``Signature`` and build the signature base.

    With ``label=None`` exactly one signature must be present; otherwise the
    named one is selected. Applies no profile rules and no time window.
    """
    raw_input = view.headers.get("signature-input")
    raw_signature = view.headers.get("signature")
    if raw_input is None or raw_signature is None:
        raise SignatureError("missing signature")
    inputs = _parse_dictionary(raw_input, "Signature-Input")
    if label is None:
        if len(inputs) != 1:
            raise SignatureError("expected exactly one signature in Signature-Input")
        label = next(iter(inputs))
    elif label not in inputs:
        raise SignatureError(f"no signature labelled {label}")
    components = inputs[label]
    if not isinstance(components, InnerList):
        raise SignatureError("Signature-Input member must be an inner list")
    signatures = _parse_dictionary(raw_signature, "Signature")
    member = signatures.get(label)
    if not isinstance(member, Item) or not isinstance(member.value, bytes):
        raise SignatureError(f"Signature header lacks a byte sequence labelled {label}")

    params = components.params
    created = _int_param(params, "created")
    expires = _int_param(params, "expires")
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("signature lacks the keyid parameter")
    alg = params.get("alg")
    if alg is not None:
        if not isinstance(alg, str):
            raise SignatureError("alg parameter must be a string")
        if alg not in algorithms.SUPPORTED:
            raise SignatureError(f"unsupported signature algorithm {alg}")
        alg = str(alg)
    base = signature_base(view, components)
    return ParsedSignature(
        scheme="rfc9421",
        key_id=str(key_id),
        algorithm=alg,
        covered=tuple(str(item.value) for item in components),
        created=created,
        expires=expires,
        _bases=(base,),
        _signature=member.value,
        _verify_with=alg,
    )


def check_profile(parsed: ParsedSignature, view: RequestView) -> None:
    """Enforce Mastodon's RFC 9421 requirements (interop.md §2.5)."""
    if parsed.created is None:
        raise SignatureError("signature lacks the created parameter")
    covered = set(parsed.covered)
    for required in ("@method", "@target-uri"):
        if required not in covered:
            raise SignatureError(f"signature must cover {required}")
    if view.method == "POST" and "content-digest" not in covered:
        raise SignatureError("POST signature must cover content-digest")


def parse_request(view: RequestView, body: bytes | None, now: float) -> ParsedSignature:
    """Parse, apply the profile rules and time window, and check Content-Digest."""
    parsed = parse_signature(view)
    check_profile(parsed, view)
    assert parsed.created is not None  # guaranteed by check_profile
    check_time_window(parsed.created, parsed.expires, now, source="created")
    if body is not None and "content-digest" in parsed.covered:
        verify_content_digest(view.headers["content-digest"], body)
    return parsed


def sign_components(
    view: RequestView,
    components: Sequence[str],
    params: Sequence[tuple[str, int | str]],
    private_key: object,
    *,
    label: str = DEFAULT_LABEL,
) -> dict[str, str]:
    """Sign the given components with the given parameters, in the given order.

    The algorithm comes from an ``alg`` parameter when present, else from the
    key type. Returns ``Signature-Input`` and ``Signature`` header values.
    """
    inner = InnerList(list(components))
    for name, value in params:
        inner.params[name] = value
    alg = dict(params).get("alg")
    algorithm = str(alg) if alg is not None else algorithms.algorithm_for_key(private_key)
    signature = algorithms.sign(private_key, algorithm, signature_base(view, inner))
    signature_input = Dictionary()
    signature_input[label] = inner
    signature_field = Dictionary()
    signature_field[label] = signature
    return {"Signature-Input": str(signature_input), "Signature": str(signature_field)}


def sign(
    view: RequestView, body: bytes | None, *, key_id: str, private_key: object, now: float
) -> dict[str, str]:
    """Return Content-Digest (with a body), Signature-Input and Signature headers."""
    components = ["@method", "@target-uri"]
    added: dict[str, str] = {}
    headers = view.headers
    if body is not None or view.method == "POST":
        added["Content-Digest"] = content_digest_header(body or b"")
        headers = headers | {"content-digest": added["Content-Digest"]}
        components.append("content-digest")
    if "content-type" in headers:
        components.append("content-type")
    params: list[tuple[str, int | str]] = [
        ("created", int(now)),
        ("keyid", key_id),
        ("alg", algorithms.algorithm_for_key(private_key)),
    ]
    added.update(sign_components(replace(view, headers=headers), components, params, private_key))
    return added
