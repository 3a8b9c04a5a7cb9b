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
    "ride": N_("Ride"),
    "group_purchase": N_("Group purchase"),
    "note": N_("Note"),
}
KINDS_PLURAL = {
    "offer": N_("Offers"),
    "request": N_("Requests"),
    "event": N_("Events"),
    "ride": N_("Rides"),
    "group_purchase": N_("Group purchases"),
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
    "returned": N_("Lent and returned"),
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
RIDE_BOOKING_STATES = {
    "pending": N_("waiting for the driver"),
    "accepted": N_("accepted by the driver"),
    "declined": N_("declined by the driver"),
    "cancelled": N_("cancelled"),
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
    "vouch": N_("%(who)s says they know you"),
    "signup_approved": N_("%(who)s opened your account: welcome!"),
    "moderation_warning": N_("The moderators of this instance sent you a warning"),
    "ride_booking": N_("%(who)s booked seats on your ride"),
    "ride_accepted": N_("%(who)s accepted your booking"),
    "ride_declined": N_("%(who)s declined your booking"),
    "ride_booking_cancelled": N_("%(who)s cancelled a booking on a ride"),
    "ride_cancelled": N_("%(who)s cancelled the ride you booked"),
    "export_ready": N_("Your data download is ready: get it from your settings"),
    "move": N_("An account you followed moved to %(who)s: you now follow the new one"),
}
# The same, about an offer or a request named by its title (and a loan's return day).
NOTIFICATIONS_ABOUT = {
    "agreement": N_("%(who)s reserved “%(title)s” for you"),
    "listing_reserved": N_("%(who)s reserved “%(title)s” for you"),
    "listing_released": N_("%(who)s no longer reserves “%(title)s” for you"),
    "listing_lent": N_("%(who)s lent you “%(title)s” until %(due)s"),
    "listing_reminder": N_("Reminder: “%(title)s”, lent by %(who)s, is due back tomorrow"),
    "listing_reminder_author": N_("Reminder: %(who)s gives “%(title)s” back tomorrow"),
    "listing_overdue": N_("“%(title)s”, lent by %(who)s, was due back on %(due)s"),
    "listing_overdue_author": N_("%(who)s has not given “%(title)s” back, due on %(due)s"),
    "listing_returned": N_("%(who)s noted that “%(title)s” is back: thank you"),
    "listing_given": N_("%(who)s gave you “%(title)s”"),
    "listing_cancelled": N_("%(who)s cancelled “%(title)s”"),
    "group_purchase_confirmed": N_(
        "The group purchase “%(title)s” is confirmed: open it for the pickup place and time"
    ),
    "group_purchase_cancelled": N_(
        "The group purchase “%(title)s” is cancelled: nothing is bought, nothing is owed"
    ),
    "group_purchase_accepted": N_("%(who)s counted your commitment to “%(title)s”"),
    "group_purchase_refused": N_(
        "%(who)s could not take your commitment to “%(title)s”: open it to see why"
    ),
    "group_purchase_change_refused": N_(
        "%(who)s could not take your change to “%(title)s”: your previous quantity stands"
    ),
}
OTHER_NOTIFICATION = N_("%(who)s did something involving you")

# The audit log's actions, in words (services/moderation_actions.py, domain_blocks.py,
# staff.py); another action shows its name.
AUDIT_ACTIONS = {
    "warn": N_("Warned"),
    "limit": N_("Limited"),
    "unlimit": N_("Limit lifted"),
    "suspend": N_("Suspended"),
    "unsuspend": N_("Suspension lifted"),
    "disable": N_("Logins disabled"),
    "enable": N_("Logins enabled"),
    "remove_post": N_("Post removed"),
    "block_domain": N_("Domain blocked"),
    "update_domain_block": N_("Domain block changed"),
    "unblock_domain": N_("Domain unblocked"),
    "allow_domain": N_("Domain allowed"),
    "disallow_domain": N_("Domain no longer allowed"),
    "role": N_("Role changed"),
    "approve": N_("Sign-up approved"),
    "reject": N_("Sign-up rejected"),
    "delete_account": N_("Account deleted"),
    "resolve_report": N_("Report resolved"),
    "reopen_report": N_("Report reopened"),
    "assign_report": N_("Report taken in hand"),
    "unassign_report": N_("Report released"),
    "note_report": N_("Report noted"),
    "create_invite": N_("Invitation created"),
    "revoke_invite": N_("Invitation revoked"),
    "link_neighbour": N_("Neighbour linked"),
    "unlink_neighbour": N_("Neighbour link removed"),
    "retry_failures": N_("Failed work retried"),
    "drop_failures": N_("Failed work dropped"),
}

# What a moderator may do about a report (web/views/admin_reports.py).
REPORT_ACTIONS = {
    "dismiss": N_("Dismiss: nothing to do"),
    "warn": N_("Warn the account"),
    "limit": N_("Limit the account"),
    "suspend": N_("Suspend the account"),
    "block_domain": N_("Block their whole server"),
    "remove_post": N_("Remove this post"),
}

# The steps of a loan or a gift, as a messages thread lists them (the dated ones are
# worded in Words.listing_step).
LISTING_STEPS = {
    "reserved": N_("Reserved"),
    "released": N_("Reservation released"),
    "lent": N_("Lent"),
    "reminder": N_("Reminder sent"),
    "overdue": N_("Overdue"),
    "returned": N_("Given back"),
    "given": N_("Given"),
    "cancelled": N_("Post cancelled"),
}
