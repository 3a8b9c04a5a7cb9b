"""The store's clock is the app's (fedlocal/clock.py): routes read the time there."""

from ..clock import utcnow

__all__ = ["utcnow"]
