"""Fields every publishing form has (offers, requests, events): title, category,
description, and where the post is (a quarter picked, or an address matched against the
instance's gazetteer). Errors go beside their fields, in the reader's language."""

from __future__ import annotations

from ..forms import FormState, match_address
from ..page import Page


def read_title(page: Page, state: FormState, title_max: int) -> str:
    """The title, inner whitespace collapsed; an error when missing or too long."""
    t = page.t
    title = " ".join(state.values.get("title", "").split())
    if not title:
        state.error("title", t("Give a title."))
    elif len(title) > title_max:
        state.error("title", t("A title has at most %(max)s characters.", max=title_max))
    return title


def offered_categories(page: Page) -> list[tuple[str, str]]:
    """The categories the form offers: those reserved to organisations of other types are
    left out (the service still refuses a forged choice)."""
    kind = page.me.organization_type if page.me is not None else None
    return [(c.key, c.label(page.lang)) for c in page.web.categories.open_to(kind)]


def read_category_and_description(page: Page, state: FormState) -> tuple[str, str]:
    """The category key and the description; errors for an unknown category or a
    description longer than the instance allows."""
    t, values, config = page.t, state.values, page.config
    category = values.get("category", "")
    if not category:
        state.error("category", t("Choose a category."))
    elif category not in page.web.categories:
        state.error("category", t("Choose a category from the list."))
    description = values.get("description", "").strip()
    if len(description) > config.post_max_characters:
        state.error(
            "description",
            t("The description has at most %(max)s characters.", max=config.post_max_characters),
        )
    return category, description


def where(page: Page, state: FormState, *, address: str | None = None) -> str | None:
    """The quarter picked in the list, or the one an address names (the instance's
    gazetteer; the `address` field unless given); errors beside whichever field is
    wrong."""
    config, t = page.config, page.t
    chosen = state.values.get("quarter", "").strip()
    if address is None:
        address = state.values.get("address", "").strip()
    if chosen:
        found = config.find_quarter(chosen)
        if found is None:
            state.error("quarter", t("Choose a quarter from the list."))
            return None
        return found.name
    if address:
        found = match_address(config, address)
        if found is None:
            names = ", ".join(q.name for q in config.quarters)
            state.error(
                "address",
                t(
                    "This address is not in one of our quarters (%(names)s). "
                    "Choose your quarter in the list instead.",
                    names=names,
                ),
            )
            return None
        return found.name
    if config.quarters:
        state.error("quarter", t("Choose your quarter, or type an address."))
    return None
