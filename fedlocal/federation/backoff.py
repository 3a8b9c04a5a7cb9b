"""Retry timing shared by the inbox and delivery workers."""

from __future__ import annotations

import random

from ..config import Config


def backoff_seconds(attempts: int, config: Config) -> float:
    """Exponential backoff with jitter: base·2^attempts, capped, times a factor in [0.5, 1).

    The jitter spreads retries so a host coming back is not hit by every queue at once.
    """
    delay = min(config.retry_base_seconds * 2**attempts, config.retry_cap_seconds)
    return delay * random.uniform(0.5, 1.0)
