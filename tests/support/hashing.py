"""Password hashers for tests: argon2 at its cheapest, and one whose checks wait for the
test's word while counting how many run at once."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher


def cheap_hasher() -> PasswordHasher:
    """argon2 with its cheapest settings: for tests that log in often and do not test
    the hashing's strength."""
    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


class HeldHasher:
    """A cheap hasher whose `verify` waits until `release` is set; `running` is how many
    verifications are under way, `most` the most there ever were at once."""

    def __init__(self) -> None:
        self._inner = cheap_hasher()
        self._lock = threading.Lock()
        self.release = threading.Event()
        self.running = 0
        self.most = 0

    def hash(self, password: str) -> str:
        return self._inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            # A deadline, so a failing test ends instead of leaving threads behind.
            if not self.release.wait(timeout=30):
                raise TimeoutError("the test never released the password check")
            return self._inner.verify(password_hash, password)
        finally:
            with self._lock:
                self.running -= 1
