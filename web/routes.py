"""The web app's routes, and the pages it gives the federation routes for browsers at an
actor's or a post's own URL. Each view runs through `dispatch.run_view`: the visitor's
session and language, the login or admin guard, the CSRF check of every POST, and errors
shown as pages with a 4xx status."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedlocal.models import Actor, Post

from . import confirm as c
from .confirm import Confirm, confirming
from .dispatch import View, run_view
from .once import once
from .views import (
    admin,
    admin_reports,
    blocks,
    domains,
    events,
    feed,
    follow,
    group_purchases,
    groups,
    home,
    legal,
    listings,
    loans,
    messages,
    moderation,
    moving,
    notifications,
    posts,
    profile,
    reports,
    rides,
    settings,
    shops,
    signup,
    trust,
)

# The POST routes that ask for confirmation (tests/web/test_web_confirm.py reads it);
# /settings/delete is reached from its own page, which says what goes and asks the password.
CONFIRMED_PATHS: set[str] = {"/settings/delete"}
# The POST routes of forms that create something, guarded against a second sending.
CREATE_PATHS: set[str] = set()


async def _serve(
    request: Request, view: View, *, login: bool = False, admin: bool = False, staff: bool = False
):
    page = await request.app.state.pages.open_page(request)
    return await run_view(page, view, login=login, admin=admin, staff=staff)


def _route(
    path: str,
    view: View,
    *,
    post: bool = False,
    login: bool = False,
    admin: bool = False,
    staff: bool = False,
    confirm: Confirm | None = None,
    create: bool = False,
) -> Route:
    """`admin`: administrators only; `staff`: moderators and administrators;
    `confirm`: what cannot be undone asks first (`web/confirm.py`); `create`: a form
    that creates something is not sent twice (`web/once.py`)."""
    if create:
        view = once(view)
        CREATE_PATHS.add(path)
    if confirm is not None:
        view = confirming(view, confirm)
        CONFIRMED_PATHS.add(path)

    async def endpoint(request: Request) -> Response:
        return await _serve(request, view, login=login, admin=admin, staff=staff)

    return Route(path, endpoint, methods=["POST"] if post else ["GET", "HEAD"])


class FederatedPages:
    """The pages a browser gets at the federation's actor and object URLs
    (`fedlocal.federation.routes.html.HtmlPages`)."""

    async def actor_page(self, request: Request, actor: Actor) -> Response:
        return await _serve(request, lambda page: profile.show(page, actor))

    async def post_page(self, request: Request, post: Post, author: Actor) -> Response:
        return await _serve(request, lambda page: posts.show(page, post, author))


def web_routes() -> list[Route]:
    return [
        _route("/", home.landing),
        # The instance actor's profile page (its `url`).
        _route("/about", home.about),
        _route("/feed", feed.nearby),
        # Accounts
        _route("/signup", signup.form),
        _route("/signup", signup.submit, post=True),
        _route("/login", signup.login_form),
        _route("/login", signup.login, post=True),
        _route("/logout", signup.logout, post=True),
        # Legal pages, what we keep, and accepting new terms
        _route("/legal/accept", legal.consent_form),
        _route("/legal/accept", legal.accept, post=True, login=True),
        _route("/legal/{kind}", legal.show),
        _route("/your-data", legal.your_data),
        # Publishing
        _route("/new/offer", listings.new_offer, login=True),
        _route("/new/offer", listings.publish_offer, post=True, login=True, create=True),
        _route("/new/request", listings.new_request, login=True),
        _route("/new/request", listings.publish_request, post=True, login=True, create=True),
        _route("/new/event", events.new_event, login=True),
        _route("/new/event", events.publish_event, post=True, login=True, create=True),
        _route("/new/ride", rides.new_ride, login=True),
        _route("/new/ride", rides.publish_ride, post=True, login=True, create=True),
        _route("/new/group-purchase", group_purchases.new_purchase, login=True),
        _route(
            "/new/group-purchase",
            group_purchases.publish_purchase,
            post=True,
            login=True,
            create=True,
        ),
        # Any post we hold (ours and our neighbours'), by our id
        _route("/posts/{post_id}", posts.show_by_id),
        _route("/posts/{post_id}/edit", posts.edit, post=True, login=True),
        _route("/posts/{post_id}/interest", listings.interest, post=True, login=True),
        _route("/posts/{post_id}/pin", posts.pin, post=True, login=True),
        _route("/posts/{post_id}/unpin", posts.unpin, post=True, login=True),
        _route("/posts/{post_id}/reserve", listings.reserve, post=True, login=True),
        _route("/posts/{post_id}/release", listings.release, post=True, login=True),
        _route("/posts/{post_id}/close", listings.close, post=True, login=True),
        _route(
            "/posts/{post_id}/cancel", listings.cancel, post=True, login=True, confirm=c.CANCEL_POST
        ),
        _route("/posts/{post_id}/lend", loans.lend, post=True, login=True),
        _route("/posts/{post_id}/returned", loans.returned, post=True, login=True),
        _route("/posts/{post_id}/give", loans.give, post=True, login=True),
        _route("/posts/{post_id}/join", events.join, post=True, login=True),
        _route(
            "/posts/{post_id}/leave", events.leave, post=True, login=True, confirm=c.LEAVE_EVENT
        ),
        _route(
            "/posts/{post_id}/decide",
            events.decide,
            post=True,
            login=True,
            confirm=c.DECLINE_PARTICIPANT,
        ),
        _route(
            "/posts/{post_id}/cancel-event",
            events.cancel,
            post=True,
            login=True,
            confirm=c.CANCEL_EVENT,
        ),
        _route("/posts/{post_id}/book", rides.book, post=True, login=True),
        _route("/rides.ics", rides.calendar, login=True),
        _route(
            "/posts/{post_id}/ride-answer",
            rides.answer,
            post=True,
            login=True,
            confirm=c.DECLINE_BOOKING,
        ),
        _route(
            "/posts/{post_id}/cancel-booking",
            rides.cancel_booking,
            post=True,
            login=True,
            confirm=c.CANCEL_PASSENGER_BOOKING,
        ),
        _route(
            "/posts/{post_id}/cancel-ride",
            rides.cancel_ride,
            post=True,
            login=True,
            confirm=c.CANCEL_RIDE,
        ),
        _route("/posts/{post_id}/commit", group_purchases.commit, post=True, login=True),
        _route("/posts/{post_id}/withdraw", group_purchases.withdraw, post=True, login=True),
        _route(
            "/posts/{post_id}/purchase-decision",
            group_purchases.decide,
            post=True,
            login=True,
            confirm=c.CANCEL_PURCHASE,
        ),
        _route("/posts/{post_id}/takers", group_purchases.takers, login=True),
        _route("/posts/{post_id}/takers.csv", group_purchases.takers_csv, login=True),
        # People and following
        _route("/@{username}", profile.by_name),
        _route("/@{username}/remote-follow", follow.remote_follow),
        # Trust: "I know this person", and the sign-ups waiting for it
        _route("/@{username}/vouch", trust.vouch, post=True, login=True),
        _route("/@{username}/vouch/withdraw", trust.withdraw, post=True, login=True),
        _route("/waiting", trust.waiting_list, login=True),
        _route("/follow", follow.form, login=True),
        _route("/follow", follow.submit, post=True, login=True),
        _route(
            "/follow/requests",
            follow.answer_request,
            post=True,
            login=True,
            confirm=c.DECLINE_FOLLOWER,
        ),
        _route("/unfollow", follow.unfollow, post=True, login=True, confirm=c.UNFOLLOW),
        _route("/authorize_interaction", follow.authorize, login=True),
        # Blocks and mutes
        _route("/blocks", blocks.index, login=True),
        _route("/block", blocks.block, post=True, login=True, confirm=c.BLOCK),
        _route("/unblock", blocks.unblock, post=True, login=True),
        _route("/mute", blocks.mute, post=True, login=True, confirm=c.MUTE),
        _route("/unmute", blocks.unmute, post=True, login=True),
        _route(
            "/blocks/address", blocks.block_address, post=True, login=True, confirm=c.BLOCK_ADDRESS
        ),
        _route(
            "/blocks/domains", blocks.block_domain, post=True, login=True, confirm=c.BLOCK_DOMAIN
        ),
        _route("/blocks/domains/remove", blocks.unblock_domain, post=True, login=True),
        _route("/notifications", notifications.index, login=True),
        # Messages: threads with neighbours, a first message to someone
        _route("/messages", messages.index, login=True),
        _route("/messages/new", messages.new, login=True),
        _route("/messages/new", messages.start, post=True, login=True),
        _route("/messages/{thread_id}", messages.show, login=True),
        _route("/messages/{thread_id}", messages.reply, post=True, login=True),
        _route("/notifications/read", notifications.mark_read, post=True, login=True),
        # Reports to the moderators: of a post, a message or an account
        _route("/report", reports.form, login=True),
        _route("/report", reports.submit, post=True, login=True, create=True),
        # Settings and language
        _route("/settings", settings.index, login=True),
        _route("/settings/shop", shops.form, login=True),
        _route("/settings/shop", shops.save, post=True, login=True),
        _route("/shops", shops.index),
        _route("/settings/profile", settings.save_profile, post=True, login=True),
        _route("/settings/password", settings.change_password, post=True, login=True),
        _route("/settings/export", settings.request_export, post=True, login=True),
        _route("/settings/export/{export_id}", settings.download_export, login=True),
        _route("/settings/delete", settings.delete_form, login=True),
        # Its form is the confirmation page already (what goes, and the password).
        _route("/settings/delete", settings.delete_account, post=True, login=True),
        _route("/settings/trust", trust.save_consent, post=True, login=True),
        # Moving house: other accounts (alsoKnownAs) and moving elsewhere
        _route("/settings/moving", moving.index, login=True),
        _route("/settings/moving/alias", moving.add_alias, post=True, login=True),
        _route("/settings/moving/alias/remove", moving.remove_alias, post=True, login=True),
        _route("/settings/moving/move", moving.move_out, post=True, login=True, confirm=c.MOVE),
        _route("/settings/moving/import", moving.import_follows, post=True, login=True),
        _route("/language", settings.switch_language, post=True, login=True),
        _route("/language/{language}", settings.choose_language),
        # Groups
        _route("/groups", groups.index),
        _route("/groups", groups.create, post=True, login=True, create=True),
        _route("/groups/{username}", groups.show),
        _route("/groups/{username}/join", groups.join, post=True, login=True),
        _route(
            "/groups/{username}/leave", groups.leave, post=True, login=True, confirm=c.LEAVE_GROUP
        ),
        _route("/groups/{username}/post", groups.post, post=True, login=True, create=True),
        _route("/groups/{username}/pictures", groups.pictures, post=True, login=True),
        # Moderation (the group's moderators only; the service checks).
        _route("/groups/{username}/approve", groups.approve, post=True, login=True),
        _route(
            "/groups/{username}/remove-member",
            groups.remove_member,
            post=True,
            login=True,
            confirm=c.REMOVE_MEMBER,
        ),
        _route(
            "/groups/{username}/remove-post",
            groups.remove_post,
            post=True,
            login=True,
            confirm=c.REMOVE_POST,
        ),
        # Administration
        _route("/admin", admin.index, admin=True),
        _route(
            "/admin/signups/{account_id}",
            admin.decide_signup,
            post=True,
            admin=True,
            confirm=c.REJECT_SIGNUP,
        ),
        _route(
            "/admin/accounts/{account_id}", admin.suspend, post=True, admin=True, confirm=c.SUSPEND
        ),
        _route(
            "/admin/accounts/{account_id}/delete",
            admin.delete_account,
            post=True,
            admin=True,
            confirm=c.DELETE_ACCOUNT,
        ),
        _route(
            "/admin/accounts/{account_id}/organization",
            admin.set_organization,
            post=True,
            admin=True,
        ),
        _route("/admin/invites", admin.create_invite, post=True, admin=True, create=True),
        _route(
            "/admin/invites/{invite_id}/revoke",
            admin.revoke_invite,
            post=True,
            admin=True,
            confirm=c.REVOKE_INVITE,
        ),
        _route("/admin/neighbours", admin.link_neighbour, post=True, admin=True),
        _route(
            "/admin/neighbours/remove",
            admin.unlink_neighbour,
            post=True,
            admin=True,
            confirm=c.UNLINK,
        ),
        _route("/admin/legal", legal.admin_index, admin=True),
        _route("/admin/legal/{kind}/{language}", legal.edit_form, admin=True),
        _route("/admin/legal/{kind}/{language}", legal.save, post=True, admin=True),
        _route("/admin/queue/retry", admin.retry_failures, post=True, admin=True),
        # The moderation queue (moderators and administrators)
        _route("/admin/reports", admin_reports.index, staff=True),
        _route("/admin/reports/{report_id}", admin_reports.show, staff=True),
        _route("/admin/reports/{report_id}/note", admin_reports.save_note, post=True, staff=True),
        _route("/admin/reports/{report_id}/decide", admin_reports.decide, post=True, staff=True),
        _route(
            "/admin/reports/{report_id}/act",
            admin_reports.act,
            post=True,
            staff=True,
            confirm=c.REPORT_ACTION,
        ),
        _route("/admin/queue/drop", admin.drop_failures, post=True, admin=True, confirm=c.DROP),
        # Staff: roles (admins), moderation actions, the audit log, domain blocks (admins)
        _route("/admin/accounts/{account_id}/role", moderation.set_role, post=True, admin=True),
        _route("/admin/audit", moderation.audit_log, staff=True),
        _route("/admin/moderation", moderation.accounts, staff=True),
        _route("/admin/moderation/{actor_id}", moderation.account, staff=True),
        _route(
            "/admin/moderation/{actor_id}",
            moderation.act,
            post=True,
            staff=True,
            confirm=c.MODERATE,
        ),
        _route("/admin/domains", domains.index, admin=True),
        _route("/admin/domains", domains.add_block, post=True, admin=True),
        _route("/admin/domains/allowed", domains.add_allow, post=True, admin=True),
        _route(
            "/admin/domains/allowed/{allow_id}/remove",
            domains.remove_allow,
            post=True,
            admin=True,
            confirm=c.DISALLOW_DOMAIN,
        ),
        _route("/admin/domains/{block_id}", domains.edit_block, post=True, admin=True),
        _route(
            "/admin/domains/{block_id}/remove",
            domains.remove_block,
            post=True,
            admin=True,
            confirm=c.UNBLOCK_DOMAIN,
        ),
    ]
