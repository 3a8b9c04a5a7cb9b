"""The legal pages' starting points, in French and English, filled from the config: the
legal notice, the privacy policy, the terms of use and the accessibility statement (the
RGAA 4.1 model). Admins edit them on the admin page (services/legal.py stores each edit);
until then, residents read these.

Each template is a Markdown file beside this module, `<kind>.<language>.md`, with
`{placeholders}` filled by `fill`; a placeholder whose config key is blank reads "to be
completed", so a page never silently omits what the law asks for."""

from __future__ import annotations

from importlib import resources

from ...config import Config
from ..login import WINDOW as LOGIN_WINDOW

KINDS = ("notice", "privacy", "terms", "accessibility")
LANGUAGES = ("fr", "en")

_MISSING = {"fr": "*[à compléter]*", "en": "*[to be completed]*"}
_STATUS = {
    "fr": {
        "full": "totalement conforme",
        "partial": "partiellement conforme",
        "none": "non conforme",
    },
    "en": {
        "full": "fully compliant",
        "partial": "partially compliant",
        "none": "not compliant",
    },
}
_NO_AUDIT = {
    "fr": "Aucun audit de conformité n'a encore été réalisé.",
    "en": "No compliance audit has been carried out yet.",
}
_AUDIT = {
    "fr": "Le dernier audit de conformité date du {date}.",
    "en": "The last compliance audit was carried out on {date}.",
}


def template_language(language: str) -> str:
    """The language a template exists in: `language` when we have it, English otherwise."""
    return language if language in LANGUAGES else "en"


def fill(config: Config, kind: str, language: str) -> str:
    """The template of the page `kind` in `language`, filled from `config`."""
    language = template_language(language)
    text = (resources.files(__package__) / f"{kind}.{language}.md").read_text(encoding="utf-8")
    return text.format_map(values(config, language))


def values(config: Config, language: str) -> dict[str, str]:
    legal = config.legal
    missing = _MISSING[language]

    def given(value: str) -> str:
        return value or missing

    audit = legal.accessibility_audit_date
    return {
        "name": config.name,
        "base_url": config.base_url,
        "domain": config.domain,
        "publisher": given(legal.publisher),
        "address": given(legal.address),
        "registration": legal.registration or "—",
        "publication_director": given(legal.publication_director),
        "email": given(legal.email or config.contact_email),
        "phone": legal.phone or "—",
        "host_name": given(legal.host_name),
        "host_address": given(legal.host_address),
        "dpo_contact": given(legal.dpo_contact),
        "accessibility_status": _STATUS[language][legal.accessibility_status],
        "accessibility_audit": _AUDIT[language].format(date=audit)
        if audit
        else _NO_AUDIT[language],
        "terms_version": legal.terms_version,
        "session_days": str(config.session_retention_days),
        "notification_days": str(config.notification_retention_days),
        "listing_days": str(config.listing_expiry_days),
        "login_minutes": str(int(LOGIN_WINDOW.total_seconds() // 60)),
    }
