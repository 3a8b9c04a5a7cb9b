"""The ServiceContext: what every service function receives."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ..categories import Categories
from ..config import Config
from ..store import Database
from ..urls import Urls
from .ports import Outbox, Remote


@dataclass
class ServiceContext:
    config: Config
    db: Database
    urls: Urls
    outbox: Outbox
    remote: Remote
    # The key of the instance's keyed hashes (addresses in the login limit). Every process
    # must use the same one: start_federation derives it from the instance actor's key;
    # a random one serves a context made on its own (one process, tests).
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    categories: Categories = field(init=False)

    def __post_init__(self) -> None:
        self.categories = Categories(self.config.categories)
