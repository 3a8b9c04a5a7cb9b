"""Services speak English in lower case ("this event is full"); pages show their messages
as sentences in the visitor's language. Every message a service may show a resident is
listed here for translation (tests/web/test_web_error_messages.py holds it): a fixed
sentence, or a template whose variable parts (a name, a number) the service gives as
`params`. A message missing here is not shown as the service wrote it (English, maybe
technical): the resident gets a plain sentence for its kind of failure, and the log the
service's text."""

from __future__ import annotations

import logging
import math
from zoneinfo import ZoneInfo

from fedlocal.services.errors import (
    Busy,
    Conflict,
    Forbidden,
    NotFound,
    RemoteFailure,
    ServiceError,
)
from fedlocal.services.login import AwaitingApproval, LoginRefused, TooManyAttempts
from fedlocal.services.media import PictureRefused
from fedlocal.services.new_accounts import NewAccountLimit

from .i18n import Translator
from .labels import N_

log = logging.getLogger(__name__)


class Refusal(ServiceError):
    """A view's own refusal, written in the visitor's language already (`page.t`)."""

    def __init__(self, message: str, *, status: int = 422, field: str | None = None):
        super().__init__(message, field=field)
        self.status = status


# When a message has no translation: a plain sentence for its kind of failure.
GENERIC = (
    (
        RemoteFailure,
        N_(
            "The other server could not be reached or gave an answer we cannot use. Check the "
            "address, or try again later."
        ),
    ),
    (NotFound, N_("Not found: it may have been removed, or the address is wrong.")),
    (Forbidden, N_("This is not allowed.")),
    (Conflict, N_("This cannot be done now. Reload the page and try again.")),
    (ServiceError, N_("This could not be done. Check what you typed and try again.")),
)

KNOWN = {
    message: message
    for message in (
        N_("%(rule)s is not a notification policy rule"),
        N_("%(rule)s must be accept, filter or drop"),
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
        N_("no such page"),
        N_("a page has at most %(max)s characters"),
        N_("to sign up, accept the terms of use and the privacy policy"),
        N_("no such sign-up waiting"),
        N_("no such account"),
        N_("no such invitation"),
        N_("you cannot suspend your own account"),
        # Staff and moderation (services/staff.py, moderation_actions.py, domain_blocks.py)
        N_("the action must be one of: %(actions)s"),
        N_("a note is at most %(max)s characters"),
        N_("write what the resident should know"),
        N_("name the post to remove"),
        N_("no such post by this account"),
        N_("this account is ours: there is no other server to block"),
        N_("only our residents' logins can be disabled"),
        N_("warnings go to our residents only; limit or suspend this account"),
        N_("'%(domain)s' is not a domain, like spam.example"),
        N_("the severity is silence or suspend"),
        N_("a comment is at most %(max)s characters"),
        N_("no such domain block"),
        N_("this instance cannot block itself"),
        N_("%(domain)s is already blocked"),
        N_("%(domain)s is already allowed"),
        N_("no such allowed domain"),
        N_("a role is admin, moderator or none"),
        N_("only moderators and administrators do this"),
        N_("you cannot act on your own account"),
        N_("moderators do not act on staff, nor administrators on administrators"),
        N_("you cannot change your own role"),
        N_("the last administrator keeps their role"),
        N_("a page holds 1 to 200 lines"),
        N_("origin is local or remote"),
        N_("status is one of: %(statuses)s"),
        N_("an instance cannot be its own neighbour"),
        # Group purchases (services/group_purchases.py)
        N_("the quantity must be a number"),
        N_("the quantity must be more than zero"),
        N_("the quantity is too large"),
        N_("this product is sold by whole units only"),
        N_("a quantity has at most three decimals"),
        N_("the price must be a number"),
        N_("a price has at most two decimals"),
        N_("unknown unit '%(unit)s'"),
        N_("the deadline cannot be in the past"),
        N_("the deadline must be within a year"),
        N_("the pickup comes after the deadline"),
        N_("the pickup must be within a year of the deadline"),
        N_("a pickup place is required"),
        N_("at most %(max)s pictures"),
        N_("only residents organise group purchases here"),
        N_("no such group purchase"),
        N_("only residents take part in group purchases"),
        N_("only the organiser sees who takes what"),
        N_("the maximum cannot be below the minimum"),
        N_("this group purchase is cancelled"),
        N_("this group purchase is closed"),
        N_("the deadline for this group purchase has passed"),
        N_("you have not committed to this group purchase"),
        N_("this group purchase is already confirmed"),
        N_("this group purchase is already cancelled"),
        N_("the minimum is not reached yet"),
        N_("only %(remaining)s remain"),
        N_("this invitation code is not valid"),
        N_("an invitation code is needed to sign up here"),
        N_("the current password is wrong"),
        N_("this account is already deleted or being deleted"),
        N_("no such download"),
        N_("delete your own account from your settings"),
        N_("a title is required"),
        N_("write your address as @name@your.server"),
        N_("this username or e-mail address is taken"),
        N_("this e-mail address is not valid"),
        N_("a username is 1 to 30 characters: letters a-z, digits, _ and inner . or -"),
        N_("a password has 8 to 1024 characters"),
        N_("no such conversation"),
        N_("Record not found"),
        N_("the description is too long (at most %(max)s characters)"),
        N_("a post carries at most %(max)s pictures"),
        N_("this picture could not be used"),
        N_("this category is reserved for some verified organisations; choose another one"),
        N_("only public and unlisted posts can be pinned"),
        N_("you can pin at most %(count)s posts"),
        N_("only the author can pin this post"),
        N_("unknown organisation type '%(type)s'"),
        N_("could not fetch the picture %(url)s"),
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
        N_("this offer is open"),
        N_("this offer is reserved"),
        N_("this offer is closed"),
        N_("this offer is cancelled"),
        N_("this request is open"),
        N_("this request is reserved"),
        N_("this request is closed"),
        N_("this request is cancelled"),
        N_("this participation is already accepted"),
        N_("this participation is already pending"),
        N_("this participation is already rejected"),
        N_("not a member of this group"),
        N_("no such follower"),
        # Blocks and mutes (services/blocks.py)
        N_("you cannot block yourself"),
        N_("you cannot mute yourself"),
        N_("only residents can block or mute"),
        N_("a mute lasts from 0 (no end) to %(max)s seconds"),
        N_("'%(domain)s' is not a domain"),
        N_("you cannot block your own server"),
        N_("you have blocked this account: unblock it first"),
        N_("this account has blocked you"),
        N_("federation with %(domain)s is not allowed on this instance"),
        N_("this account's server sent something we cannot use"),
        N_("not a URL we can fetch: '%(url)s'"),
        N_("could not fetch %(url)s"),
        N_("a remote document claims one of our actors"),
        N_("not a valid address: '%(handle)s'"),
        N_("could not find %(handle)s"),
        N_("%(url)s serves no ActivityStreams document"),
        N_("the post is not on its author's server"),
        N_("this post cannot be shown"),
        N_("%(url)s is neither an account nor a post"),
        N_("the username '%(name)s' is reserved"),
        N_("a password has %(min)s to %(max)s characters"),
        N_("the server is busy checking passwords"),
        N_("the username '%(name)s' is taken"),
        N_("a title has at most %(max)s characters"),
        N_("join mode is one of %(choices)s"),
        N_("the capacity is a positive number of places"),
        N_("external participation needs its URL"),
        N_("the participation link must be an http(s) URL"),
        N_("unknown category '%(category)s'"),
        N_("a description has at most %(max)s characters"),
        N_("visibility must be one of %(choices)s"),
        N_("only residents and groups organise events here"),
        N_("dates need a time zone"),
        N_("the event ends before it starts"),
        N_("an event lasts at most 31 days"),
        N_("unknown time zone '%(zone)s'"),
        N_("at most 200 characters"),
        N_("no local account named '%(name)s'"),
        N_("this is your own account"),
        N_("at most %(max)s other accounts"),
        N_("this account is not among your other accounts"),
        N_("you moved less than %(days)s days ago"),
        N_("%(account)s does not name this account among its other accounts: add it there first"),
        N_("this account has moved: it no longer publishes here"),
        N_("a file of at most %(kb)s KB"),
        N_("a file of at most %(rows)s addresses"),
        N_("this file is not a list of addresses"),
        N_("a resident of this instance creates a group"),
        N_("a group's name has 1 to %(max)s characters"),
        N_("the name '%(name)s' is taken"),
        N_("this %(kind)s is %(status)s"),
        N_("this participation is already %(state)s"),
        N_("kind must be offer or request"),
        N_("for %(article)s %(kind)s, choose one of %(choices)s"),
        N_("the quantity is between 1 and %(max)s"),
        N_("a price (40 characters at most) goes with a sale only"),
        N_("only residents and groups publish offers and requests here"),
        N_("reserve for an actor URL"),
        N_("closed as given, lent or done"),
        N_("availability ends before it starts"),
        N_("availability is at most a year"),
        N_("not a domain or an actor URL: '%(target)s'"),
        N_("%(domain)s is blocked by this instance's federation policy"),
        N_("no link with %(target)s"),
        N_("no such group"),
        N_("give both latitude and longitude"),
        N_("these coordinates are not on Earth"),
        N_("unknown quarter '%(quarter)s'"),
        N_("only local actors publish here"),
        N_("a post needs some text"),
        N_("a post has at most %(max)s characters"),
        N_("only the author can delete this post"),
        N_("%(host)s is blocked by this instance"),
        N_("%(host)s does not say how to follow from there"),
        N_("%(host)s gave an unusable address"),
        N_("a display name has at most %(max)s characters"),
        N_("language is one of %(choices)s"),
        N_("an invitation is used 1 to %(max)s times"),
        N_("an invitation lasts 1 to %(max)s days"),
        # Trust between residents (services/vouches.py)
        N_("you cannot vouch for yourself"),
        N_("one vouches only for residents of this instance"),
        N_("you already vouch for this person"),
        N_("you do not vouch for this person"),
        N_("only active residents vouch for their neighbours"),
        N_("sign-ups here do not wait for neighbours"),
        N_("a few words about you help the neighbours who know you find you"),
        N_("a presentation has at most %(max)s characters"),
        # Reports (services/reports.py)
        N_("choose a reason among: %(choices)s"),
        N_("the comment is too long (at most %(max)s characters)"),
        N_("a report names at most %(max)s posts"),
        N_("only residents can report"),
        N_("you cannot report yourself"),
        N_("the posts reported must be the reported account's"),
        N_("this server has no instance actor to forward the report"),
        N_("this is for the instance's moderators"),
        N_("no such report"),
        N_("unknown moderation action"),
        N_("the note is too long (at most %(max)s characters)"),
        N_("choose one of the posts reported"),
        N_("this report is about another account"),
        # Edits, profile and hashtags (services/edits.py, settings.py, tags.py)
        N_("an event cannot be edited"),
        N_("a bio has at most %(max)s characters"),
        N_("a profile has at most %(max)s fields"),
        N_("a profile field has at most %(max)s characters on each side"),
        N_("a hashtag is letters, digits and _"),
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

# Shops and producers (services/shops.py).
KNOWN.update(
    {
        message: message
        for message in (
            N_("only shops and producers have opening hours here"),
            N_("give the hours of each day of the week"),
            N_("write opening hours like 9:00-12:30, 14:00-19:00"),
            N_("a shop closes after it opens"),
            N_("an address has at most %(max)s characters"),
            N_("at most %(max)s characters"),
        )
    }
)

# Rides (services/rides.py).
KNOWN.update(
    {
        message: message
        for message in (
            N_("the contribution is an amount in euros, such as 3 or 3,50"),
            N_("the contribution is at most 100 €"),
            N_("say where the ride goes from and to"),
            N_("a place has at most %(max)s characters"),
            N_("a ride is offered or requested"),
            N_("the destination is another place than the departure"),
            N_("the ride cannot leave in the past"),
            N_("the ride must leave within the next year"),
            N_("seats are between 1 and %(max)s"),
            N_("notes have at most %(max)s characters"),
            N_("only residents offer or ask for rides"),
            N_("no such ride"),
            N_("book between 1 and %(max)s seats"),
            N_("no such booking"),
            N_("the ride must arrive after it leaves"),
            N_("a ride lasts at most a day"),
            N_("a weekly ride ends after its first date"),
            N_("a weekly ride runs for a year at most"),
            N_("this is your own ride"),
            N_("this is a request for a ride: write to its author"),
            N_("this ride is cancelled"),
            N_("this ride has left"),
            N_("the ride does not leave on that day"),
            N_("this ride has already left"),
            N_("you have already booked this ride"),
            N_("this ride is full"),
            N_("only %(left)s seats are left on this ride"),
            N_("only the driver answers bookings"),
            N_("this booking was already answered or cancelled"),
            N_("this booking is already cancelled or declined"),
            N_("only the passenger or the driver cancels a booking"),
            N_("only the driver cancels a ride"),
        )
    }
)


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _new_account_limit(t: Translator, exc: NewAccountLimit) -> str:
    """The limit and when it lifts, in the instance's time zone."""
    when = t.datetime(exc.until, ZoneInfo(exc.timezone))
    if exc.kind == "post":
        limit = t.ngettext(
            "During its first %(days)s days, a new account publishes at most %(num)s post in "
            "24 hours.",
            "During its first %(days)s days, a new account publishes at most %(num)s posts in "
            "24 hours.",
            exc.limit,
            days=exc.days,
        )
        return limit + " " + t("You can publish again from %(when)s.", when=when)
    limit = t.ngettext(
        "During its first %(days)s days, a new account writes at most %(num)s private message "
        "in 24 hours.",
        "During its first %(days)s days, a new account writes at most %(num)s private "
        "messages in 24 hours.",
        exc.limit,
        days=exc.days,
    )
    return limit + " " + t("You can write again from %(when)s.", when=when)


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
    if isinstance(exc, NewAccountLimit):
        return _new_account_limit(t, exc)
    if isinstance(exc, AwaitingApproval):
        return t("Your sign-up is waiting for an administrator's approval.")
    if isinstance(exc, Refusal):
        return exc.message
    if isinstance(exc, RemoteFailure) and exc.detail:
        # What the other server did goes to the log; the resident reads a sentence.
        log.info("remote failure shown to a resident: %s", exc)
    # A whole sentence first ("this offer is reserved"), then the template.
    if exc.message in KNOWN:
        return sentence(t(exc.message))
    if exc.template in KNOWN:
        return sentence(t(exc.template) % exc.params if exc.params else t(exc.template))
    log.warning("no translation for the service's message %r", exc.message)
    for kind, message in GENERIC:
        if isinstance(exc, kind):
            return t(message)
    raise AssertionError("ServiceError ends GENERIC")
