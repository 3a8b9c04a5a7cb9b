"""Categories of what neighbours publish: stable keys, French and English labels, and the
hashtag each is published under (so Mastodon users can follow a category by hashtag).

Instances may add their own in the config (`[[categories]]`); the built-in keys never
change, since peers and feeds refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Category:
    key: str
    fr: str
    en: str
    hashtag: str
    # The closest Mobilizon event category, so Mobilizon files our events well.
    mobilizon: str = "COMMUNITY"
    # Organisation types (fedlocal/organizations.py) that alone may publish in it; empty:
    # every resident may.
    reserved_for: tuple[str, ...] = ()

    def label(self, language: str) -> str:
        return self.fr if language == "fr" else self.en

    def allows(self, organization_type: str | None) -> bool:
        """Whether an account of this organisation type (None: a resident) may publish in
        this category."""
        return not self.reserved_for or organization_type in self.reserved_for


BUILT_IN: tuple[Category, ...] = (
    Category("objects", "Objets et outils", "Objects and tools", "objets"),
    Category(
        "diy-gardening",
        "Bricolage et jardinage",
        "DIY and gardening",
        "bricolage",
        "OUTDOORS_ADVENTURE",
    ),
    Category("group-purchases", "Achats groupés", "Group purchases", "achatsgroupes"),
    Category("carpooling", "Covoiturage", "Carpooling", "covoiturage", "AUTO_BOAT_AIR"),
    Category(
        "local-shops",
        "Commerces et producteurs locaux",
        "Local shops and producers",
        "produitslocaux",
        "FOOD_DRINK",
    ),
    Category(
        "care",
        "Garde d'enfants et aide aux aînés",
        "Childcare and help for the elderly",
        "solidarite",
        "FAMILY_EDUCATION",
    ),
    Category("neighbourhood-life", "Vie de quartier", "Neighbourhood life", "viedequartier"),
    Category(
        "town-hall",
        "Infos de la mairie",
        "Town hall news",
        "mairie",
        "MEETING",
        reserved_for=("town_hall", "public_service"),
    ),
)


class Categories:
    """The categories of one instance: the built-in ones plus those of its config, with
    the reservations its config sets (`reserved_categories`: key → organisation types,
    an empty list opening a built-in reserved category to everyone)."""

    def __init__(
        self,
        extra: tuple[Category, ...] = (),
        reservations: tuple[tuple[str, tuple[str, ...]], ...] = (),
    ):
        changed = dict(reservations)
        self.all: tuple[Category, ...] = tuple(
            replace(category, reserved_for=changed[category.key])
            if category.key in changed
            else category
            for category in BUILT_IN + tuple(extra)
        )
        self._by_key = {category.key: category for category in self.all}
        self._by_hashtag = {category.hashtag: category for category in self.all}

    def get(self, key: str | None) -> Category | None:
        return self._by_key.get(key) if key else None

    def by_hashtag(self, tag: str) -> Category | None:
        return self._by_hashtag.get(tag.lower().lstrip("#"))

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def keys(self) -> tuple[str, ...]:
        return tuple(self._by_key)

    def open_to(self, organization_type: str | None) -> tuple[Category, ...]:
        """The categories an account of this organisation type (None: a resident) may
        publish in: what a form offers it."""
        return tuple(c for c in self.all if c.allows(organization_type))
