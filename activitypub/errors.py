"""Exceptions raised by the protocol library."""


class SignatureError(Exception):
    """An HTTP signature, digest or key check failed.

    ``reason`` is short, human-readable English; the server puts it verbatim
    into the JSON body of a 401 answer, so it must never contain secrets.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
