"""Translations: both catalogues complete, and the language chosen by the account, else
the visitor's switch, else the browser's Accept-Language, else the instance default."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from fedlocal.store import accounts as account_store
from web.i18n import LOCALES, I18n, load_catalogue, parse_accept_language, read_po_messages

from .web_client import WebClient

WEB = Path(__file__).parents[2] / "web"
KEYWORDS = {"_": None, "N_": None, "t": None, "gettext": None, "ngettext": (1, 2)}
# Messages are written in English: its catalogue may leave a msgstr empty.
SOURCE_LANGUAGE = "en"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _extracted() -> set:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_message_is_translated(language):
    with (WEB / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    translated = {}
    for message in catalogue:
        if message.id and not message.fuzzy:
            translated[message.id] = message.string
    missing = sorted(str(m) for m in _extracted() if m not in translated)
    assert not missing, f"{language}: run `make messages` and translate {missing}"
    for msgid, string in translated.items():
        strings = string if isinstance(string, tuple) else (string,)
        if language == SOURCE_LANGUAGE and not any(strings):
            continue  # the source language may leave a message as written
        assert all(strings), f"{language}: {msgid!r} has no translation"
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted | {"num"}, (msgid, text)
            assert set(PLACEHOLDER.findall(text)) >= wanted - {"num"}, (msgid, text)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_catalogues_read_the_same_as_with_babel(language):
    # Given the catalogue compiled by Babel, as the app did before reading it itself
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(handle, locale=language, domain="messages"))
    compiled.seek(0)
    babel = Translations(compiled)

    # When the app reads it
    ours = load_catalogue(language)

    # Then every message and every plural form is the same (the header is written apart)
    assert {k: v for k, v in ours._catalog.items() if k} == {  # type: ignore[attr-defined]
        k: v for k, v in babel._catalog.items() if k
    }
    for count in (0, 1, 2, 5):
        assert ours.ngettext("%(num)s follower", "%(num)s followers", count) == babel.ngettext(
            "%(num)s follower", "%(num)s followers", count
        )


def test_the_po_reader_leaves_out_fuzzy_untranslated_and_obsolete_messages():
    text = r"""
msgid ""
msgstr ""
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

#, fuzzy
msgid "Draft"
msgstr "Brouillon"

msgid "Empty"
msgstr ""

#, python-format
msgid "Say \"%(word)s\"\tnow"
msgstr ""
"Dites "
"\"%(word)s\"\tmaintenant"

msgctxt "verb"
msgid "Post"
msgstr "Publier"

msgid "%(num)s seat"
msgid_plural "%(num)s seats"
msgstr[0] "%(num)s place"
msgstr[1] "%(num)s places"

#~ msgid "Gone"
#~ msgstr "Parti"
"""
    messages = read_po_messages(text)
    assert messages == {
        "": "Plural-Forms: nplurals=2; plural=(n > 1);\n",
        'Say "%(word)s"\tnow': 'Dites "%(word)s"\tmaintenant',
        "verb\x04Post": "Publier",
        "%(num)s seat\x00%(num)s seats": "%(num)s place\x00%(num)s places",
    }


def test_accept_language_is_read_by_quality():
    assert parse_accept_language("de;q=0.9, en-GB;q=0.8, fr;q=1") == ["fr", "de", "en-gb"]
    assert parse_accept_language("fr;q=0, en") == ["en"]
    assert parse_accept_language("x" * 300 + ", fr") == ["fr"]
    assert parse_accept_language("fr;q=abc, en;q=0.5") == ["en"]
    assert parse_accept_language(None) == []


def test_the_choice_falls_back_step_by_step():
    i18n = I18n(("fr", "en"), "fr")
    assert i18n.choose(account_locale="en", cookie="fr", accept_language="fr") == "en"
    assert i18n.choose(account_locale=None, cookie="en", accept_language="fr") == "en"
    assert i18n.choose(account_locale="de", cookie=None, accept_language="en-US") == "en"
    assert i18n.choose(account_locale=None, cookie="xx", accept_language="de, *") == "fr"
    assert i18n.translator("fr").ngettext("%(num)s member", "%(num)s members", 2) == ("2 membres")


async def test_pages_follow_the_browser_then_the_switch(inst):
    async with WebClient(inst.base_url, language="en-US,en;q=0.9") as english:
        page = await english.get("/")
        assert '<html lang="en">' in page.text and "Offered nearby" in page.text
        assert page.headers["content-language"] == "en"

        switched = await english.get("/language/fr?next=/feed")
        assert switched.status_code == 303 and switched.headers["location"] == "/feed"
        page = await english.get("/feed")
        assert '<html lang="fr">' in page.text and "À proximité" in page.text

        away = await english.get("/language/en?next=https://evil.example/")
        assert away.headers["location"] == "/"

    async with WebClient(inst.base_url, language="de-DE") as german:
        page = await german.get("/")
        assert '<html lang="fr">' in page.text  # the instance's default


async def test_a_residents_language_is_saved_with_the_account(inst, alice, alice_web):
    response = await alice_web.submit("/", "/language", {"language": "fr", "next": "/feed"})
    assert response.status_code == 303 and response.headers["location"] == "/feed"
    async with inst.db.read() as conn:
        account = await account_store.get_account_by_username(conn, "alice")
    assert account.locale == "fr"

    async with WebClient(inst.base_url, language="en") as elsewhere:
        await elsewhere.log_in("alice")
        page = await elsewhere.get("/settings")
        assert '<html lang="fr">' in page.text and "Réglages" in page.text

    unknown = await alice_web.submit("/", "/language", {"language": "xx"})
    assert unknown.status_code == 422


async def test_form_errors_are_translated(inst, alice, alice_web):
    await alice_web.submit("/", "/language", {"language": "fr"})
    response = await alice_web.submit(
        "/new/offer", "/new/offer", {"intent": "give", "title": "", "category": "objects"}
    )
    assert response.status_code == 422
    assert "Donnez un titre." in response.text
    assert "Vérifiez ce formulaire" in response.text
