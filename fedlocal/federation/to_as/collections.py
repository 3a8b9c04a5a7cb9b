"""Paginated collections (outboxes, followers, following)."""

from __future__ import annotations

from typing import Any

from .vocabulary import AS_CONTEXT, COLLECTION_CONTEXT


def ordered_collection(
    collection_id: str, total: int, first: str | None, last: str | None = None
) -> dict[str, Any]:
    """An OrderedCollection's head: its size and links to its pages."""
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first:
        document["first"] = first
    if last:
        document["last"] = last
    return document


def ordered_collection_page(
    page_id: str, collection_id: str, items: list[Any], next_page: str | None
) -> dict[str, Any]:
    """One page of an OrderedCollection, under a context that defines the terms of every
    kind of item it may embed."""
    document: dict[str, Any] = {
        "@context": COLLECTION_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if next_page:
        document["next"] = next_page
    return document
