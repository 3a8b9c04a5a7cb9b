"""JSON-LD processing that never touches the network.

The context documents fediverse software references are bundled in `contexts/` and served
by `document_loader`; any other remote context fails loudly instead of being fetched, so
processing a hostile document cannot make us issue requests (nor hang on a slow host).
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from pyld import jsonld
from pyld.context_resolver import ContextResolver

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_V1_CONTEXT = "https://w3id.org/security/v1"
DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
IDENTITY_V1_CONTEXT = "https://w3id.org/identity/v1"
MULTIKEY_V1_CONTEXT = "https://w3id.org/security/multikey/v1"

BUNDLED_CONTEXTS: dict[str, str] = {
    AS_CONTEXT: "activitystreams.jsonld",
    SECURITY_V1_CONTEXT: "security-v1.jsonld",
    DATA_INTEGRITY_V2_CONTEXT: "data-integrity-v2.jsonld",
    IDENTITY_V1_CONTEXT: "identity-v1.jsonld",
    MULTIKEY_V1_CONTEXT: "multikey-v1.jsonld",
}


def _key(url: str) -> str:
    # One key for every spelling we see in the wild: http or https, a trailing slash, the
    # `.jsonld` file name the W3C also serves, a fragment.
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/").removesuffix(".jsonld").rstrip("/")
    return f"{parts.netloc.lower()}{path}"


_BY_KEY: dict[str, str] = {_key(url): name for url, name in BUNDLED_CONTEXTS.items()}


@cache
def _read_bundled(filename: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("contexts", filename).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def bundled_filename(url: str) -> str | None:
    """The bundled file serving `url`, or None when the context is not bundled."""
    if urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return None
    return _BY_KEY.get(_key(url))


def load_context(url: str) -> dict[str, Any]:
    """Return a fresh copy of the bundled context document for `url`.

    Accepts http/https, trailing-slash and `.jsonld` spellings. Raises KeyError for a
    context that is not bundled.
    """
    filename = bundled_filename(url)
    if filename is None:
        raise KeyError(f"JSON-LD context not bundled: {url}")
    return copy.deepcopy(_read_bundled(filename))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader serving bundled contexts only.

    Raises `pyld.jsonld.JsonLdError` (code "loading document failed") for anything else,
    without any network access.
    """
    filename = bundled_filename(url)
    if filename is None:
        raise jsonld.JsonLdError(
            f"Refusing to load a JSON-LD document that is not bundled: {url}",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(_read_bundled(filename)),
        # pyld caches resolved remote contexts only when the loader tags them static.
        "tag": "static",
    }


class _BoundedCache(OrderedDict[str, dict[str, Any]]):
    """A small LRU map for pyld's resolved-context cache.

    pyld caches every inline context it meets, keyed by its canonical text (a remote one by
    its URL), as a map of tag to resolved context; inline contexts come from remote
    documents, so an unbounded cache would grow with hostile input.
    """

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self._maxsize = maxsize

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self._maxsize:
            self.popitem(last=False)


# Our own cache rather than pyld's module-global one, so a context resolved elsewhere in the
# process through another loader can never stand in for a bundled one.
_RESOLVED = _BoundedCache(maxsize=256)


def _options(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_RESOLVED, document_loader),
    }
    if extra:
        options.update(extra)
    return options


def expand(doc: dict[str, Any] | list[Any], *, base: str | None = None) -> list[Any]:
    """Expand a JSON-LD document using only bundled contexts."""
    expanded: list[Any] = jsonld.expand(doc, _options({"base": base} if base else None))
    return expanded


def compact(
    doc: dict[str, Any] | list[Any],
    context: str | dict[str, Any] | list[Any],
    *,
    base: str | None = None,
) -> dict[str, Any]:
    """Compact a JSON-LD document against `context` using only bundled contexts.

    `context` may be a context URL, a context object, a list of both, or a whole document
    carrying `@context`.
    """
    if isinstance(context, dict) and "@context" in context:
        context = context["@context"]
    compacted: dict[str, Any] = jsonld.compact(
        doc, context, _options({"base": base} if base else None)
    )
    return compacted
