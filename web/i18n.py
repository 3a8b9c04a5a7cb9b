"""Translations (gettext catalogues in `web/locales/<lang>/LC_MESSAGES/messages.po`).

The `.po` files are compiled in memory when the app starts, so a fresh clone runs without
a build step, by the small reader below into the standard library's `gettext`: Babel's
reader builds a full catalogue of message objects first and costs every server about
2 MiB of memory at rest (docs/performance.md "Memory at rest"); Babel still formats dates
and numbers. English is the source language; its catalogue still lists every message,
so "complete" is checkable for both (tests/web/test_i18n.py).

Which language a page is in: the account's own choice; else the visitor's choice from
the language switch (a cookie); else the best match of the browser's `Accept-Language`;
else the instance's default.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from datetime import datetime, tzinfo
from gettext import GNUTranslations, NullTranslations
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time

_DateTime = datetime
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
# A visitor's choice from the language switch, when not logged in.
LANGUAGE_COOKIE = "fedlocal_lang"
# The names every language is shown under, in itself, for the language switch.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
_TAG = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$|^\*$")


# Compiled catalogues by language and the `.po` file's modification time: every app a
# process builds (several in tests and in `make demo`) shares them; they are read-only.
_compiled: dict[tuple[str, int], NullTranslations] = {}


def load_catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of `language` (empty when there is no `.po` for it)."""
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return NullTranslations()
    key = (language, path.stat().st_mtime_ns)
    if key not in _compiled:
        messages = read_po_messages(path.read_text("utf-8"))
        _compiled[key] = GNUTranslations(io.BytesIO(compile_mo(messages)))
    return _compiled[key]


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(.)")
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), text.strip()[1:-1])


def read_po_messages(text: str) -> dict[str, str]:
    """A `.po` file's translations, keyed as a `.mo` file keys them.

    `msgid` (after `msgctxt` and `\\x04` when there is one) maps to `msgstr`; a plural's
    `msgid\\0msgid_plural` to its forms joined by `\\0`. Like Babel and `msgfmt`, fuzzy
    and untranslated messages are left out (the header is kept), and obsolete ones (`#~`)
    are comments.
    """
    messages: dict[str, str] = {}
    entry: dict[str, str] = {}
    forms: dict[int, str] = {}
    fuzzy = False
    current: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, forms, fuzzy, current
        if "msgid" in entry:
            key = entry["msgid"]
            if "msgid_plural" in entry:
                key += "\0" + entry["msgid_plural"]
                string = "\0".join(forms[n] for n in sorted(forms))
                translated = any(forms.values())
            else:
                string = entry.get("msgstr", "")
                translated = bool(string)
            if "msgctxt" in entry:
                key = entry["msgctxt"] + "\x04" + key
            if key == "" or (translated and not fuzzy):
                messages[key] = string
        entry, forms, fuzzy, current = {}, {}, False, None

    for line in text.splitlines():
        line = line.strip()
        if not line:
            finish()
        elif line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                if "msgstr" in entry or forms:
                    finish()
                fuzzy = True
        elif line.startswith('"'):
            if current is not None:
                keyword, index = current
                if keyword == "msgstr[]":
                    forms[index] += _unquote(line)
                else:
                    entry[keyword] += _unquote(line)
        elif match := _KEYWORD.match(line):
            keyword, form, value = match.groups()
            if keyword in ("msgctxt", "msgid") and ("msgstr" in entry or forms):
                finish()
            if form is not None:
                forms[int(form)] = _unquote(value)
                current = ("msgstr[]", int(form))
            else:
                entry[keyword] = _unquote(value)
                current = (keyword, 0)
    finish()
    return messages


def compile_mo(messages: dict[str, str]) -> bytes:
    """The GNU `.mo` file of `messages` (what `msgfmt` writes, without a hash table)."""
    keys = sorted(messages, key=lambda key: key.encode())
    ids = [key.encode() for key in keys]
    strs = [messages[key].encode() for key in keys]
    start_ids = 7 * 4 + 16 * len(keys)
    start_strs = start_ids + sum(len(msgid) + 1 for msgid in ids)
    table_ids: list[int] = []
    table_strs: list[int] = []
    for msgid, msgstr in zip(ids, strs, strict=True):
        table_ids += [len(msgid), start_ids]
        table_strs += [len(msgstr), start_strs]
        start_ids += len(msgid) + 1
        start_strs += len(msgstr) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    return (
        header
        + struct.pack(f"{len(table_ids)}i", *table_ids)
        + struct.pack(f"{len(table_strs)}i", *table_strs)
        + b"".join(msgid + b"\0" for msgid in ids)
        + b"".join(msgstr + b"\0" for msgstr in strs)
    )


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

    def __init__(self, language: str, translations: NullTranslations):
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
