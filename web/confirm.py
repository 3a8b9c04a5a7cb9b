"""A confirmation step before what cannot be undone (suspending a resident, removing a
neighbour's link, cancelling a post, leaving a group…), without JavaScript.

The first POST of such a form changes nothing: it answers a page that says what will
happen, with a form sending the same fields again plus `confirm=yes` (and a fresh
one-use token), and a way back. Only that second POST acts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response

from . import csrf
from .dispatch import View
from .forms import FormData
from .labels import N_
from .page import Page, safe_next

FIELD = "confirm"


@dataclass(frozen=True)
class Confirm:
    """What to ask (`question`, may name `%(target)s`: the form field `target_field`),
    the confirming button's label, and when to ask (every time by default)."""

    question: str
    button: str
    when: Callable[[FormData], bool] = lambda form: True
    target_field: str | None = None


def confirming(view: View, confirm: Confirm) -> View:
    """`view`, acting only once its form says `confirm=yes`."""

    async def confirmed(page: Page) -> Response:
        if page.form.get(FIELD) == "yes" or not confirm.when(page.form):
            return await view(page)
        target = page.form.get(confirm.target_field) if confirm.target_field else ""
        kept = [(k, v) for k, v in page.form.pairs if k not in (csrf.FIELD, FIELD)]
        referer = page.request.headers.get("referer", "")
        origin = str(page.request.base_url).rstrip("/")
        back = referer.removeprefix(origin) if referer.startswith(origin + "/") else "/"
        return await page.render(
            "confirm.html",
            question=page.t(confirm.question, target=target),
            button=page.t(confirm.button),
            action=page.request.url.path,
            fields=kept,
            back=safe_next(back),
        )

    confirmed.confirm = confirm  # type: ignore[attr-defined]
    return confirmed


def _is(name: str, value: str) -> Callable[[FormData], bool]:
    return lambda form: form.get(name) == value


SUSPEND = Confirm(
    N_("Suspend this account? They can no longer log in, and their sessions end."),
    N_("Yes, suspend"),
    when=_is("decision", "suspend"),
)
REJECT_SIGNUP = Confirm(
    N_("Reject this sign-up? The account waiting for approval is removed."),
    N_("Yes, reject"),
    when=_is("decision", "reject"),
)
REVOKE_INVITE = Confirm(
    N_("Revoke this invitation? Its code will no longer work."), N_("Yes, revoke")
)
DELETE_ACCOUNT = Confirm(
    N_(
        "Delete the account %(target)s for good? Their posts, messages, pictures and personal "
        "data are removed, and the other servers are told. Reports about them stay."
    ),
    N_("Yes, delete the account"),
    target_field="target",
)
UNLINK = Confirm(
    N_("Remove the link with %(target)s? Their posts stop arriving, and ours stop reaching them."),
    N_("Yes, remove the link"),
    target_field="target",
)
DROP = Confirm(N_("Drop this? It will not be tried again."), N_("Yes, drop it"))
CANCEL_POST = Confirm(
    N_("Cancel this post? Those who showed interest are told."), N_("Yes, cancel the post")
)
CANCEL_EVENT = Confirm(
    N_("Cancel the event? Its participants are told."), N_("Yes, cancel the event")
)
CANCEL_PURCHASE = Confirm(
    N_("Cancel the group purchase? Everyone committed is told."),
    N_("Yes, cancel the group purchase"),
    when=_is("decision", "cancel"),
)
DECLINE_PARTICIPANT = Confirm(
    N_("Decline this participant? They are told."),
    N_("Yes, decline"),
    when=_is("decision", "reject"),
)
LEAVE_EVENT = Confirm(
    N_("You can no longer come? The organiser is told."), N_("Yes, I cannot come")
)
CANCEL_RIDE = Confirm(N_("Cancel the ride? Its passengers are told."), N_("Yes, cancel the ride"))
DECLINE_BOOKING = Confirm(
    N_("Decline this booking? The passenger is told."),
    N_("Yes, decline"),
    when=_is("decision", "decline"),
)
CANCEL_PASSENGER_BOOKING = Confirm(
    N_("Cancel this passenger's booking? They are told, and their seats are freed."),
    N_("Yes, cancel the booking"),
    # The passenger giving their own seats back is not asked: they can book again.
    when=_is("by", "driver"),
)
LEAVE_GROUP = Confirm(N_("Leave this group?"), N_("Yes, leave"))
REMOVE_MEMBER = Confirm(
    N_("Remove this person from the group? Their membership ends."), N_("Yes, remove")
)
REMOVE_POST = Confirm(
    N_("Take this post out of the group? Members' servers are told."), N_("Yes, take it out")
)
MOVE = Confirm(
    N_(
        "Move this account to %(target)s? Your followers are sent to your new account, and "
        "this account no longer publishes."
    ),
    N_("Yes, move"),
    target_field="target",
)
UNFOLLOW = Confirm(N_("Stop following this account?"), N_("Yes, stop following"))
DECLINE_FOLLOWER = Confirm(
    N_("Decline this follow request? They will not follow you."),
    N_("Yes, decline"),
    when=lambda form: form.get("answer") != "accept",
)
BLOCK = Confirm(
    N_(
        "Block %(target)s? You stop following each other; they can no longer follow you, "
        "write to you, answer your offers or join your events, and you no longer see each "
        "other's posts here."
    ),
    N_("Yes, block"),
    target_field="name",
)
BLOCK_ADDRESS = Confirm(
    N_(
        "Block %(target)s? You stop following each other; they can no longer follow you, "
        "write to you, answer your offers or join your events, and you no longer see each "
        "other's posts here."
    ),
    N_("Yes, block"),
    target_field="handle",
)
MUTE = Confirm(
    N_(
        "Mute %(target)s? Their posts and notifications are hidden from you. They are not "
        "told and can still follow you."
    ),
    N_("Yes, mute"),
    target_field="name",
)
BLOCK_DOMAIN = Confirm(
    N_("Hide everything from %(target)s? Your followers on that server are removed."),
    N_("Yes, hide this server"),
    target_field="domain",
)

# The moderation queue: an action on the account or post reported (dismissing asks nothing).
REPORT_ACTION = Confirm(
    N_("Apply this moderation action to the account or post reported?"),
    N_("Yes, apply it"),
    when=lambda form: form.get("action") != "dismiss",
)
# Staff (web/views/moderation.py, domains.py)
MODERATE = Confirm(
    N_(
        "Do this? Suspending stops their logins and hides their posts; a removed post is "
        "deleted on other servers too; a blocked domain no longer federates with us."
    ),
    N_("Yes, do it"),
    when=lambda form: form.get("action") in ("suspend", "remove_post", "block_domain"),
)
UNBLOCK_DOMAIN = Confirm(
    N_("Unblock this domain? Federation with it starts again."), N_("Yes, unblock")
)
DISALLOW_DOMAIN = Confirm(
    N_("No longer allow this domain? In the allowlist mode, federation with it stops."),
    N_("Yes, no longer allow"),
)
