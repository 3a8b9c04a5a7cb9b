"""Group purchases (achats groupés): the units a product is sold by, and what the store
keeps of a purchase and of each neighbour's commitment.

Quantities are whole numbers of thousandths of the unit (`milli`): 1.5 kg is 1500, three
boxes 3000. Sums of them are exact, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

PurchaseState = Literal["open", "confirmed", "cancelled"]
CommitmentState = Literal["accepted", "pending", "refused", "withdrawn"]
# The commitments that count in a total (or may, waiting for an answer).
COUNTED: tuple[CommitmentState, ...] = ("accepted", "pending")
MILLI = 1000


@dataclass(frozen=True)
class Unit:
    key: str
    # Only whole numbers of it are committed (a box, a piece), or thousandths (kg, litres).
    whole: bool
    fr: str
    en: str
    # The unit code in UN/CEFACT Recommendation 20, as Valueflows' `hasUnit` names units.
    code: str
    fr_plural: str = ""
    en_plural: str = ""
    # French articles agree with the noun: "la pièce", "le sac".
    fr_feminine: bool = False

    def label(self, language: str) -> str:
        return self.fr if language == "fr" else self.en

    def per(self, language: str) -> str:
        """What follows a unit price: "la pièce", "le kg"; "per piece", "per kg"."""
        if language == "fr":
            return f"{'la' if self.fr_feminine else 'le'} {self.fr}"
        return f"per {self.en}"

    def label_for(self, language: str, milli: int) -> str:
        """The unit's name for that quantity: plural from 2 in French, other than 1 in
        English ("0,5 stère", "2 stères"; "0.5 steres", "1 stere")."""
        if language == "fr":
            return (self.fr_plural or self.fr) if milli >= 2 * MILLI else self.fr
        return (self.en_plural or self.en) if milli != MILLI else self.en


UNITS: tuple[Unit, ...] = (
    Unit("kg", False, "kg", "kg", "KGM"),
    Unit("litre", False, "litre", "litre", "LTR", "litres", "litres"),
    Unit("piece", True, "pièce", "piece", "H87", "pièces", "pieces", fr_feminine=True),
    Unit("box", True, "caisse", "box", "BX", "caisses", "boxes", fr_feminine=True),
    Unit("bag", True, "sac", "bag", "BG", "sacs", "bags"),
    Unit("dozen", True, "douzaine", "dozen", "DZN", "douzaines", "dozens", fr_feminine=True),
    # A stère: a cubic metre of stacked firewood; half a stère is common.
    Unit("stere", False, "stère", "stere", "MTQ", "stères", "steres"),
)
UNIT_KEYS: tuple[str, ...] = tuple(unit.key for unit in UNITS)
_BY_KEY = {unit.key: unit for unit in UNITS}
_BY_CODE = {unit.code: unit for unit in UNITS}


def unit_named(key: str | None) -> Unit | None:
    return _BY_KEY.get(key) if key else None


def per_unit(key: str, language: str) -> str:
    """What follows a unit price; for a unit we do not know (another server's), "par" or
    "per", which need no article."""
    unit = unit_named(key)
    if unit is not None:
        return unit.per(language)
    return f"{'par' if language == 'fr' else 'per'} {key}"


def unit_of_code(code: str | None) -> Unit | None:
    return _BY_CODE.get(code) if code else None


def to_milli(quantity: Decimal) -> int:
    return int(quantity * MILLI)


def from_milli(milli: int) -> Decimal:
    """1500 → Decimal('1.5'), 3000 → Decimal('3')."""
    value = Decimal(milli) / MILLI
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def show_quantity(milli: int) -> str:
    """As people write it: 1500 → "1.5", 3000 → "3"."""
    return format(from_milli(milli), "f")


@dataclass(frozen=True)
class GroupPurchase:
    """What makes a post a group purchase (the post holds its title, text, pictures)."""

    post_id: int
    unit: str
    whole: bool
    unit_price_cents: int
    currency: str
    minimum_milli: int
    maximum_milli: int | None
    deadline: datetime
    pickup_at: datetime
    pickup_place: str
    state: PurchaseState = "open"
    decided_at: datetime | None = None
    # Sum of every commitment, read from the store with the purchase.
    committed_milli: int = 0
    committers: int = 0

    @property
    def remaining_milli(self) -> int | None:
        """What may still be committed, or None without a maximum."""
        if self.maximum_milli is None:
            return None
        return max(self.maximum_milli - self.committed_milli, 0)

    @property
    def reached(self) -> bool:
        return self.committed_milli >= self.minimum_milli

    def is_open_at(self, now: datetime) -> bool:
        return self.state == "open" and now < self.deadline


@dataclass(frozen=True)
class Commitment:
    id: int
    purchase_id: int
    actor_id: int
    quantity_milli: int
    activity_uri: str | None
    created_at: datetime
    updated_at: datetime
    # accepted, or (ours, to a purchase on another server) pending or refused.
    state: CommitmentState = "accepted"
    reason: str | None = None
    accepted_milli: int | None = None
    # When the Offer behind it was written (a remote neighbour's, or ours elsewhere).
    offered_at: datetime | None = None

    @property
    def counts(self) -> bool:
        """Whether it is (or may be) counted: a refused or withdrawn one is not."""
        return self.state in COUNTED
