"""The ServiceContext: what every service function receives."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ..categories import Categories
from ..config import Config
from ..media.files import LocalMediaFiles, MediaFiles
from ..media.processing import Limits
from ..media.worker import PictureProcessor
from ..store import Database
from ..urls import Urls
from .domain_policy import DomainPolicy
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
    # Where picture files go: `data_dir/media` unless another store is given.
    media_files: MediaFiles | None = None
    # The config's and the admins' domain blocks and allows, cached (`domains`).
    domain_policy: DomainPolicy | None = None
    categories: Categories = field(init=False)
    pictures: PictureProcessor = field(init=False)

    def __post_init__(self) -> None:
        if self.domain_policy is None:
            self.domain_policy = DomainPolicy(self.config, self.db)
        self.categories = Categories(self.config.categories)
        if self.media_files is None:
            self.media_files = LocalMediaFiles(self.config.data_dir / "media", self.config.base_url)
        self.pictures = PictureProcessor(
            Limits(max_bytes=self.config.media_max_bytes, max_pixels=self.config.media_max_pixels),
            concurrency=self.config.media_concurrency,
        )

    @property
    def files(self) -> MediaFiles:
        """The picture files store (always set once the context is made)."""
        assert self.media_files is not None
        return self.media_files

    @property
    def domains(self) -> DomainPolicy:
        """Which domains we federate with (always set once the context is made)."""
        assert self.domain_policy is not None
        return self.domain_policy
