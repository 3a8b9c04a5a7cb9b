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

    def label(self, language: str) -> str:
        return self.fr if language == "fr" else self.en


UNITS: tuple[Unit, ...] = (
    Unit("kg", False, "kg", "kg", "KGM"),
    Unit("litre", False, "litre", "litre", "LTR"),
    Unit("piece", True, "pièce", "piece", "H87"),
    Unit("box", True, "caisse", "box", "BX"),
    Unit("bag", True, "sac", "bag", "BG"),
    Unit("dozen", True, "douzaine", "dozen", "DZN"),
    # A stère: a cubic metre of stacked firewood; half a stère is common.
    Unit("stere", False, "stère", "stere", "MTQ"),
)
UNIT_KEYS: tuple[str, ...] = tuple(unit.key for unit in UNITS)
_BY_KEY = {unit.key: unit for unit in UNITS}
_BY_CODE = {unit.code: unit for unit in UNITS}


def unit_named(key: str | None) -> Unit | None:
    return _BY_KEY.get(key) if key else None


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
