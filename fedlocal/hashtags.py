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
