"""Kinds of verified organisation an admin may mark a local account as: a stable key, a
French and an English label, and a colour for the role Mastodon apps show.

The keys never change: the actor document carries them (`fedlocal:organizationType`),
reserved categories name them, and other features (opening hours of shops and
producers) build on them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrganizationType:
    key: str
    fr: str
    en: str
    # The colour of the role badge Mastodon apps draw (`roles[].color`).
    color: str

    def label(self, language: str) -> str:
        return self.fr if language == "fr" else self.en


ORGANIZATION_TYPES: tuple[OrganizationType, ...] = (
    OrganizationType("town_hall", "Mairie", "Town hall", "#1f4e9c"),
    OrganizationType("public_service", "Service public", "Public service", "#2b6cb0"),
    OrganizationType("school", "École", "School", "#6b46c1"),
    OrganizationType("shop", "Commerce", "Shop", "#b7791f"),
    OrganizationType("producer", "Producteur", "Producer", "#2f855a"),
    OrganizationType("association", "Association", "Association", "#c05621"),
)
ORGANIZATION_KEYS: tuple[str, ...] = tuple(t.key for t in ORGANIZATION_TYPES)
_BY_KEY = {t.key: t for t in ORGANIZATION_TYPES}


def organization_type(key: str | None) -> OrganizationType | None:
    """The type called `key`, or None for no type or an unknown one."""
    return _BY_KEY.get(key) if key else None
