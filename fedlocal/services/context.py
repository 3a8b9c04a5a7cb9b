"""The ServiceContext: what every service function receives."""

from __future__ import annotations

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
    categories: Categories = field(init=False)

    def __post_init__(self) -> None:
        self.categories = Categories(self.config.categories)
