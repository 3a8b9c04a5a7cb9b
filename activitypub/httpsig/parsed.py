"""The result of parsing a request signature, before any key is involved."""

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """A structurally valid signature that passed every key-independent check.

    The public fields describe what the sender signed: ``created`` and
    ``expires`` are None when absent or, in draft-cavage, not covered (an
    unsigned parameter counts for nothing). The underscored fields carry what
    ``verify_parsed_signature`` needs and are not part of the API.
    """

    scheme: Literal["cavage", "rfc9421"]
    key_id: str
    algorithm: str | None
    covered: tuple[str, ...]
    created: int | None
    expires: int | None
    # Candidate signature bases in the order to try them (draft-cavage: with
    # the query string, then path only); RFC 9421 always has exactly one.
    _bases: tuple[bytes, ...] = field(default=(), repr=False, compare=False)
    _signature: bytes = field(default=b"", repr=False, compare=False)
    # RFC 9421 algorithm name to verify with, or None to choose by key type.
    _verify_with: str | None = field(default=None, repr=False, compare=False)
