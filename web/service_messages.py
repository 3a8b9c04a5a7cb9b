"""Services speak English in lower case ("this event is full"); pages show their messages
as sentences in the visitor's language. The fixed ones are listed here for translation;
one with variable parts (a name, a number) shows as the service wrote it."""

from __future__ import annotations

import math

from fedlocal.services.errors import Busy, ServiceError
from fedlocal.services.login import AwaitingApproval, LoginRefused, TooManyAttempts
from fedlocal.services.media import PictureRefused

from .i18n import Translator
from .labels import N_

KNOWN = {
    message: message
    for message in (
        N_("this event is full"),
        N_("the event cannot start in the past"),
        N_("the event must start within the next two years"),
        N_("the event must end after it starts"),
        N_("an event lasts at most 31 days"),
        N_("this event is cancelled"),
        N_("this event is already cancelled"),
        N_("participation for this event happens on its own site"),
        N_("you are not taking part in this event"),
        N_("the organiser cannot leave their own event"),
        N_("only the organiser decides"),
        N_("only the organiser can cancel this event"),
        N_("no such event"),
        N_("no such participation"),
        N_("no such offer or request"),
        N_("no such post"),
        N_("this is your own offer or request"),
        N_("only the author can change this offer or request"),
        N_("only residents can answer offers and requests"),
        N_("only residents take part in events"),
        N_("you cannot follow yourself"),
        N_("you do not follow this account"),
        N_("no such follow request"),
        N_("only the group's moderators remove posts"),
        N_("only the group's moderators remove members"),
        N_("only the group's moderators approve members"),
        N_("the group never shared this post"),
        N_("not a member of this group"),
        N_("only administrators do this"),
        N_("no such sign-up waiting"),
        N_("no such account"),
        N_("no such invitation"),
        N_("you cannot suspend your own account"),
        N_("an instance cannot be its own neighbour"),
        N_("this invitation code is not valid"),
        N_("an invitation code is needed to sign up here"),
        N_("the current password is wrong"),
        N_("a title is required"),
        N_("write your address as @name@your.server"),
        N_("this username or e-mail address is taken"),
        N_("this e-mail address is not valid"),
        N_("a username is 1 to 30 characters: letters a-z, digits, _ and inner . or -"),
        N_("a password has 8 to 1024 characters"),
        N_("no such conversation"),
        N_("you cannot write to yourself"),
        N_("messages go to people only"),
        N_("only residents write messages"),
        N_("the listing is neither yours nor theirs"),
        N_("the handover cannot be in the future"),
        N_("the handover is at most a year ago"),
        N_("the return date comes after the handover"),
        N_("a loan lasts a year at most"),
        N_("the return date is already past"),
        N_("only a thing to lend is lent"),
        N_("only a thing to give is given"),
        N_("this offer is not on loan"),
        # Pictures (services/media.py, services/events.py)
        N_("no file was sent"),
        N_("no such picture to attach"),
        N_("this picture is already in a post"),
        N_("an event has one poster"),
        N_("only the group's moderators change its pictures"),
        N_("the focus must be two numbers between -1 and 1, as x,y"),
    )
}
# Why the picture pipeline refused a file (`PictureRefused.reason`), for a resident.
PICTURE_MESSAGES = {
    "too_large": N_("This file is too large: a photo can be at most %(megabytes)s MB."),
    "too_many_pixels": N_(
        "This photo is too large: it can have at most %(megapixels)s million pixels."
    ),
    "unsupported": N_("This file is not a photo we can read. Choose a JPEG, PNG or WebP photo."),
    "damaged": N_("This photo is damaged or incomplete. Choose another one."),
}


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def translate_service_error(t: Translator, exc: ServiceError) -> str:
    if isinstance(exc, TooManyAttempts):
        minutes = max(1, math.ceil(exc.retry_after / 60))
        return t.ngettext(
            "Too many failed attempts. Try again in %(num)s minute.",
            "Too many failed attempts. Try again in %(num)s minutes.",
            minutes,
        )
    if isinstance(exc, Busy):
        return t("The server is busy. Try again in a moment.")
    if isinstance(exc, LoginRefused):
        return t("Wrong username or password.")
    if isinstance(exc, PictureRefused) and exc.reason in PICTURE_MESSAGES:
        return t(
            PICTURE_MESSAGES[exc.reason],
            megabytes=exc.max_megabytes,
            megapixels=exc.max_megapixels,
        )
    if isinstance(exc, AwaitingApproval):
        return t("Your sign-up is waiting for an administrator's approval.")
    message = exc.message
    return sentence(t(message) if message in KNOWN else message)
