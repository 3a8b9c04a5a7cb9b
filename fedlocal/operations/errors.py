"""The one error the operations raise: a sentence for the operator, shown as one line."""

from __future__ import annotations

from ..services.errors import ServiceError


class OperationFailed(ServiceError):
    """An operation refused or failed; nothing it started was left behind."""
