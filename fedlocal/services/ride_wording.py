"""A ride in one line, for readers who only see a post's text (a Mastodon app):
"Paramé → Dinan · jeudi 8 h · 2 places · 3 € par passager"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ..models import RideDetails

_DAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
}  # fmt: skip
# Month names, for the other kinds' one-line wording too (group purchases' deadline).
MONTHS = _MONTHS


def ride_summary(ride: RideDetails, language: str = "fr") -> str:
    lang = "fr" if language.startswith("fr") else "en"
    local = ride.departs_at.astimezone(ZoneInfo(ride.timezone))
    day = _DAYS[lang][local.weekday()]
    if lang == "fr":
        hour = f"{local.hour} h" + (f" {local.minute:02d}" if local.minute else "")
        when = (
            f"chaque {day} {hour}"
            if ride.weekly
            else f"{day} {local.day} {_MONTHS['fr'][local.month - 1]} {hour}"
        )
        seats = f"{ride.seats} place" + ("s" if ride.seats > 1 else "")
        if ride.role == "request":
            seats = f"cherche {seats}"
    else:
        hour = local.strftime("%H:%M")
        when = (
            f"every {day} {hour}"
            if ride.weekly
            else f"{day} {local.day} {_MONTHS['en'][local.month - 1]} {hour}"
        )
        seats = f"{ride.seats} seat" + ("s" if ride.seats > 1 else "")
        if ride.role == "request":
            seats = f"looking for {seats}"
    parts = [f"{ride.origin.name} → {ride.destination.name}", when, seats]
    if ride.contribution_cents is not None:
        parts.append(_amount(ride.contribution_cents, lang))
    if ride.status == "cancelled":
        parts.append("annulé" if lang == "fr" else "cancelled")
    return " · ".join(parts)


def _amount(cents: int, lang: str) -> str:
    if cents == 0:
        return "gratuit" if lang == "fr" else "free"
    euros = f"{cents // 100}" + (f",{cents % 100:02d}" if cents % 100 else "")
    if lang == "en":
        euros = euros.replace(",", ".")
    return f"{euros} € par passager" if lang == "fr" else f"€{euros} per passenger"
