"""Words for the model's values (kinds, intents, statuses…), marked for translation.

`N_` marks a message for extraction without translating it: the page translates it in
the visitor's language when it shows it.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name)
    return message


KINDS = {
    "offer": N_("Offer"),
    "request": N_("Request"),
    "event": N_("Event"),
    "note": N_("Note"),
}
KINDS_PLURAL = {
    "offer": N_("Offers"),
    "request": N_("Requests"),
    "event": N_("Events"),
}
INTENTS = {
    "give": N_("To give"),
    "lend": N_("To lend"),
    "sell": N_("For sale (a small price)"),
    "service": N_("A service offered"),
    "help": N_("Help wanted"),
    "item": N_("Looking for an item"),
}
LISTING_STATUSES = {
    "open": N_("Open"),
    "reserved": N_("Reserved"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
}
CLOSED_AS = {
    "given": N_("Given"),
    "lent": N_("Lent"),
    "done": N_("Done"),
}
EVENT_STATUSES = {
    "confirmed": N_("Confirmed"),
    "tentative": N_("To be confirmed"),
    "cancelled": N_("Cancelled"),
}
JOIN_MODES = {
    "free": N_("Anyone can join"),
    "restricted": N_("The organiser accepts each participant"),
}
PARTICIPATION_STATES = {
    "pending": N_("waiting for the organiser"),
    "accepted": N_("taking part"),
    "rejected": N_("declined by the organiser"),
}
VISIBILITIES = {
    "public": N_("Public: everyone, here and on other servers"),
    "followers": N_("My followers only"),
    "local": N_("Residents of this instance only"),
}
NOTIFICATIONS = {
    "follow": N_("%(who)s follows you"),
    "follow_request": N_("%(who)s asks to follow you"),
    "mention": N_("%(who)s mentioned you or replied to you"),
    "interest": N_("%(who)s is interested in your post"),
    "rsvp": N_("%(who)s RSVPed to your event"),
    "rsvp_accepted": N_("%(who)s accepted your participation"),
    "rsvp_rejected": N_("%(who)s declined your participation"),
    "agreement": N_("%(who)s agreed to your proposal"),
    "favourite": N_("%(who)s liked your post"),
    "reblog": N_("%(who)s shared your post"),
    "update": N_("%(who)s changed a post you took part in"),
}
OTHER_NOTIFICATION = N_("%(who)s did something involving you")
