"""The hashtags offers, requests and events go out under, and the ones we recognise coming
in, so Mastodon users can follow and post them.

We publish the French tags (the project's home language); on reading we also accept the
English ones, since a Mastodon user abroad will type those. Every name is in its
`normalise_hashtag` form (lower case, accents folded).
"""

from __future__ import annotations

KIND_HASHTAGS = {"offer": "offre", "request": "demande"}
INTENT_HASHTAGS = {
    "give": "don",
    "lend": "pret",
    "sell": "vente",
    "service": "service",
    "help": "entraide",
    "item": "recherche",
}
EVENT_HASHTAG = "evenement"

# What a hashtag on an incoming post tells us: the kind, and the intent.
KIND_BY_HASHTAG = {"offre": "offer", "offer": "offer", "demande": "request", "request": "request"}
INTENT_BY_HASHTAG = {
    **{tag: intent for intent, tag in INTENT_HASHTAGS.items()},
    "give": "give",
    "gift": "give",
    "lend": "lend",
    "loan": "lend",
    "sell": "sell",
    "forsale": "sell",
    "help": "help",
    "wanted": "item",
}


def listing_tags(
    kind: str, intent: str | None, category_tag: str | None, typed: tuple[str, ...] | list[str]
) -> list[str]:
    """The hashtags of an offer or a request: the kind's and the intent's as the author
    typed them in any language we read (`#offer #give` stay so), each followed by ours
    (`#offre #don`: the quarter's feeds and their followers find it), the category's,
    then every other hashtag they typed. All in `normalise_hashtag` form."""
    typed = list(dict.fromkeys(typed))
    kind_tags = [t for t in typed if KIND_BY_HASHTAG.get(t) == kind]
    intent_tags = [t for t in typed if intent and INTENT_BY_HASHTAG.get(t) == intent]
    ours = [INTENT_HASHTAGS[intent]] if intent in INTENT_HASHTAGS else []
    tags = [
        *kind_tags,
        KIND_HASHTAGS[kind],
        *intent_tags,
        *ours,
        *([category_tag] if category_tag else []),
        *typed,
    ]
    return list(dict.fromkeys(tags))
