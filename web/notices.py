"""The short confirmations shown once after a form did what it said (`Page.redirect`
sets the key in a one-use cookie; the next page shows it and clears it)."""

from __future__ import annotations

from .labels import N_

NOTICES = {
    "welcome": N_("Welcome! Your account is ready."),
    "signup-pending": N_(
        "Thank you! An administrator will look at your sign-up; you can log in once it is approved."
    ),
    "logged-in": N_("You are logged in."),
    "logged-out": N_("You are logged out."),
    "published": N_("Published."),
    "edited": N_("Your changes are saved: those who follow you see the new version."),
    "interest-sent": N_("The author got your message: they will answer you."),
    "reserved": N_("Reserved."),
    "released": N_("Open again."),
    "closed": N_("Closed. Thank you for sharing!"),
    "cancelled": N_("Cancelled."),
    "lent": N_("Loan recorded: you will both get a reminder the day before it is due."),
    "returned": N_("Returned. Thank you for lending!"),
    "given": N_("Given. Thank you for sharing!"),
    "joined": N_("You are taking part."),
    "join-pending": N_("Your participation waits for the organiser's answer."),
    "left": N_("You no longer take part."),
    "decided": N_("Done: the participant was told."),
    "profile-saved": N_("Your profile is saved."),
    "password-changed": N_("Your password is changed; your other devices are logged out."),
    "language-saved": N_("Language saved."),
    "followed": N_("Followed."),
    "follow-pending": N_("Follow request sent: it waits for their answer."),
    "unfollowed": N_("You no longer follow this account."),
    "follower-accepted": N_("Accepted: they follow you now."),
    "follower-declined": N_("Declined: they do not follow you."),
    "group-created": N_("Your group is created."),
    "group-joined": N_("You are a member of this group."),
    "group-join-pending": N_("Your request to join waits for the group's moderators."),
    "group-left": N_("You left the group."),
    "group-posted": N_("Posted to the group."),
    "group-pictures-saved": N_("The group's pictures are saved."),
    "member-approved": N_("Welcome sent: they are a member now."),
    "member-removed": N_("They are no longer a member."),
    "post-removed": N_("The post is out of the group; members' servers were told."),
    "approved": N_("Sign-up approved."),
    "rejected": N_("Sign-up rejected and removed."),
    "suspended": N_("Account suspended."),
    "restored": N_("Account restored."),
    "invite-created": N_("Invitation created."),
    "invite-revoked": N_("Invitation revoked."),
    "neighbour-linked": N_("Link requested: their posts arrive once they accept."),
    "neighbour-removed": N_("Link removed."),
    "queue-retried": N_("Back in the queue: it is tried again now."),
    "queue-dropped": N_("Dropped: it will not be tried again."),
    "marked-read": N_("All caught up."),
    "message-sent": N_("Message sent."),
    "already-sent": N_(
        "This form was already sent: it was done once, not twice. Here is your page."
    ),
}
