"""Translations (gettext catalogues in `web/locales/<lang>/LC_MESSAGES/messages.po`).

The `.po` files are compiled in memory when the app starts, so a fresh clone runs without
a build step. English is the source language; its catalogue still lists every message,
so "complete" is checkable for both (tests/web/test_i18n.py).

Which language a page is in: the account's own choice; else the visitor's choice from
the language switch (a cookie); else the best match of the browser's `Accept-Language`;
else the instance's default.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

_DateTime = datetime
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
# A visitor's choice from the language switch, when not logged in.
LANGUAGE_COOKIE = "fedlocal_lang"
# The names every language is shown under, in itself, for the language switch.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
_TAG = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$|^\*$")


def load_catalogue(language: str) -> Translations:
    """The compiled catalogue of `language` (empty when there is no `.po` for it)."""
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return Translations()
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags in order of preference (q=0 dropped; at most 20 read)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not _TAG.match(tag):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            ranked.append((-quality, index, tag.lower()))
    return [tag for _q, _i, tag in sorted(ranked)]


class Translator:
    """One language's messages and formats, as views and templates use them."""

    def __init__(self, language: str, translations: Translations):
        self.language = language
        self._translations = translations
        self.locale = Locale.parse(language)

    def gettext(self, message: str, /, **values: object) -> str:
        text = self._translations.gettext(message)
        return text % values if values else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, count)
        return text % {"num": count, **values}

    # Below this method, `datetime` in the class body is the method: the type is `_DateTime`.
    def datetime(self, moment: _DateTime, timezone: tzinfo, *, format: str = "full_short") -> str:
        """`samedi 14 juin 2025 à 14:00` / `Saturday, June 14, 2025, 2:00 PM`."""
        if format == "full_short":
            day = format_date(moment.astimezone(timezone), "full", locale=self.locale)
            time = format_time(moment, "short", tzinfo=timezone, locale=self.locale)
            return self.gettext("%(day)s at %(time)s", day=day, time=time)
        return format_datetime(moment, format, tzinfo=timezone, locale=self.locale)

    def date(self, moment: _DateTime, timezone: tzinfo) -> str:
        return format_date(moment.astimezone(timezone), "long", locale=self.locale)

    def time(self, moment: _DateTime, timezone: tzinfo) -> str:
        return format_time(moment, "short", tzinfo=timezone, locale=self.locale)


@dataclass
class I18n:
    languages: tuple[str, ...]
    default: str

    def __post_init__(self) -> None:
        self._translators = {
            language: Translator(language, load_catalogue(language)) for language in self.languages
        }

    def translator(self, language: str) -> Translator:
        return self._translators.get(language) or self._translators[self.default]

    def supported(self, language: str | None) -> str | None:
        return language if language in self._translators else None

    def negotiate(self, accept_language: str | None) -> str | None:
        """The first supported language the browser asks for (`fr-CA` counts as `fr`)."""
        for tag in parse_accept_language(accept_language):
            if tag == "*":
                return None
            base = tag.split("-", 1)[0]
            if base in self._translators:
                return base
        return None

    def choose(
        self, *, account_locale: str | None, cookie: str | None, accept_language: str | None
    ) -> str:
        return (
            self.supported(account_locale)
            or self.supported(cookie)
            or self.negotiate(accept_language)
            or self.default
        )
