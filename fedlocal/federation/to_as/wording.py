"""Dates, times, places and statuses in words, in French or English.

Mastodon shows an Event as its name and `summary` only, and shows our offers as their
`content`: these words are what a Mastodon reader sees of the date, the place and the
state of things. Written by hand (two languages, a few patterns) rather than with a
locale library.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...models import EventDetails, ListingDetails, Place

WEEKDAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
}  # fmt: skip
_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Universal", "Zulu"}

KIND_AND_INTENT = {
    "fr": {
        "give": "Offre : don",
        "lend": "Offre : prêt",
        "sell": "Offre : vente",
        "service": "Offre : service",
        "help": "Demande : coup de main",
        "item": "Demande : recherche d'un objet",
    },
    "en": {
        "give": "Offer: giving away",
        "lend": "Offer: to lend",
        "sell": "Offer: for sale",
        "service": "Offer: a service",
        "help": "Request: help wanted",
        "item": "Request: looking for an item",
    },
}
KIND = {
    "fr": {"offer": "Offre", "request": "Demande"},
    "en": {"offer": "Offer", "request": "Request"},
}
STATUS = {
    "fr": {"reserved": "Réservé", "given": "Donné", "lent": "Prêté", "done": "Terminé",
           "closed": "Clos", "cancelled": "Annulé", "returned": "Prêté puis rendu"},
    "en": {"reserved": "Reserved", "given": "Given", "lent": "Lent", "done": "Done",
           "closed": "Closed", "cancelled": "Cancelled", "returned": "Lent and returned"},
}  # fmt: skip
LABELS = {
    "fr": {"category": "Catégorie", "place": "Lieu", "available": "Disponibilité",
           "price": "Prix", "status": "Statut"},
    "en": {"category": "Category", "place": "Where", "available": "Available",
           "price": "Price", "status": "Status"},
}  # fmt: skip
EVENT_STATUS = {
    "fr": {"cancelled": "Annulé", "tentative": "À confirmer"},
    "en": {"cancelled": "Cancelled", "tentative": "To be confirmed"},
}


def wording_language(language: str | None) -> str:
    """`fr` for French, `en` for anything else: the two languages we write in."""
    return "fr" if (language or "fr").lower().startswith("fr") else "en"


def label(language: str, key: str) -> str:
    """`Catégorie : ` / `Category: ` — French puts a space before the colon."""
    return f"{LABELS[language][key]} : " if language == "fr" else f"{LABELS[language][key]}: "


def zone(name: str | None) -> ZoneInfo:
    """The named time zone, or UTC when the name is unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_and_month(moment: datetime, language: str) -> str:
    """`6 décembre 2025`, `1er mai 2026` / `6 December 2025`."""
    day = "1er" if language == "fr" and moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS[language][moment.month - 1]} {moment.year}"


def long_date(moment: datetime, language: str) -> str:
    """`samedi 6 décembre 2025` / `Saturday 6 December 2025`."""
    return f"{WEEKDAYS[language][moment.weekday()]} {day_and_month(moment, language)}"


def clock(moment: datetime, language: str) -> str:
    """`14 h`, `14 h 30` / `2 pm`, `2:30 pm`."""
    if language == "fr":
        return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"


def zone_in_words(name: str, language: str) -> str:
    """`heure de Paris`, `heure d'Amsterdam` / `Paris time`; `UTC` as is."""
    if name in _UTC_NAMES:
        return "UTC"
    city = name.rsplit("/", 1)[-1].replace("_", " ")
    if language == "en":
        return f"{city} time"
    return f"heure d'{city}" if city[:1].upper() in "AEIOUYÉÈÊÎÔ" else f"heure de {city}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def event_when(details: EventDetails, language: str) -> str:
    """When an event is, in its own time zone, with the zone named."""
    tz = zone(details.timezone)
    start = details.starts_at.astimezone(tz)
    end = details.ends_at.astimezone(tz) if details.ends_at else None
    where_in_time = f"({zone_in_words(details.timezone, language)})"
    if end is None:
        at = "à" if language == "fr" else "at"
        text = f"{long_date(start, language)} {at} {clock(start, language)}"
    elif end.date() == start.date():
        if language == "fr":
            span = f"de {clock(start, language)} à {clock(end, language)}"
        else:
            span = f"{clock(start, language)} to {clock(end, language)}"
        text = f"{long_date(start, language)}, {span}"
    elif language == "fr":
        text = (
            f"du {long_date(start, language)} à {clock(start, language)} "
            f"au {long_date(end, language)} à {clock(end, language)}"
        )
    else:
        text = (
            f"from {long_date(start, language)}, {clock(start, language)} "
            f"to {long_date(end, language)}, {clock(end, language)}"
        )
    return f"{_capitalised(text)} {where_in_time}"


def place_in_words(place: Place | None) -> str | None:
    """`Salle Bouvet, 12 rue Georges Clemenceau, 35400 Saint-Malo`, or None."""
    if place is None:
        return None
    parts = [p.strip() for p in (place.name, *place.address_lines) if p and p.strip()]
    return ", ".join(dict.fromkeys(parts)) or None


def event_summary(details: EventDetails, place: Place | None, language: str) -> str:
    """Date, time, time zone and place in one line; a cancelled or tentative event says so."""
    text = event_when(details, language)
    where = place_in_words(place)
    if where:
        text = f"{text} — {where}"
    status = EVENT_STATUS[language].get(details.status)
    if status:
        text = f"{status}{' : ' if language == 'fr' else ': '}{text}"
    return text


def kind_and_intent(kind: str, intent: str, language: str) -> str:
    """`Offre : prêt` / `Offer: to lend`."""
    return KIND_AND_INTENT[language].get(intent) or KIND[language].get(kind, kind)


def listing_status(details: ListingDetails, language: str) -> str | None:
    """The status in words when it is not open (`Réservé`, `Donné`…), else None."""
    if details.status == "open":
        return None
    if details.status == "closed" and details.on_loan and details.due_on is not None:
        due = day_and_month(datetime.combine(details.due_on, time()), language)
        return f"Prêté jusqu'au {due}" if language == "fr" else f"Lent until {due}"
    if details.status == "closed":
        return STATUS[language].get(details.closed_as or "closed", STATUS[language]["closed"])
    return STATUS[language].get(details.status)


def availability(
    start: datetime | None, end: datetime | None, timezone: str, language: str
) -> str | None:
    """`du 6 décembre 2025 au 10 décembre 2025` / `6 December 2025 to 10 December 2025`."""
    tz = zone(timezone)
    first = day_and_month(start.astimezone(tz), language) if start else None
    last = day_and_month(end.astimezone(tz), language) if end else None
    if language == "fr":
        if first and last:
            return f"du {first} au {last}"
        if first:
            return f"à partir du {first}"
        return f"jusqu'au {last}" if last else None
    if first and last:
        return f"{first} to {last}"
    if first:
        return f"from {first}"
    return f"until {last}" if last else None
