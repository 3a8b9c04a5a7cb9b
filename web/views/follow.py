"""Following people on any server: by their handle, from a profile's button, and in the
other direction, "follow from your own server" (WebFinger's subscribe template): a
visitor with an account elsewhere is sent to their server; someone elsewhere is sent to
our `/authorize_interaction` to confirm."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from fedlocal.services import follows as follow_service
from fedlocal.services import people, profiles, rate_limits
from fedlocal.services.errors import ServiceError
from fedlocal.services.login import address_network
from fedlocal.services.remote_follow import subscribe_url

from ..forms import FormState
from ..page import Page, safe_next
from ..service_messages import Refusal, translate_service_error
from . import profile

HANDLE_MAX = 500
FOLLOWS_SHOWN = 200


async def form(page: Page) -> Response:
    state = FormState(values={"handle": page.request.query_params.get("handle", "")[:HANDLE_MAX]})
    return await _render(page, state)


async def _render(page: Page, state: FormState, status: int = 200) -> Response:
    assert page.me is not None
    found = await profiles.follows(page.services, page.me, limit=FOLLOWS_SHOWN)
    return await page.render(
        "follow.html",
        status=status,
        state=state,
        labels={"handle": page.t("Their address")},
        following=found.following,
        asking=found.asking,
        section="settings",
    )


async def answer_request(page: Page) -> Response:
    """Accept or decline someone who asks to follow me."""
    assert page.me is not None
    values = page.form.as_dict()
    follower = values.get("follower", "").strip()
    if values.get("answer") == "accept":
        await follow_service.approve_follower(page.services, page.me, follower)
        notice = "follower-accepted"
    else:
        await follow_service.reject_follower(page.services, page.me, follower)
        notice = "follower-declined"
    return page.redirect("/follow", notice=notice)


async def submit(page: Page) -> Response:
    assert page.me is not None
    state = FormState(values=page.form.as_dict())
    handle = state.values.get("handle", "").strip()
    if not handle or len(handle) > HANDLE_MAX:
        state.error("handle", page.t("Type an address like @name@server.example."))
        return await _render(page, state, status=422)
    try:
        follow = await follow_service.follow(page.services, page.me, handle)
    except ServiceError as exc:
        state.error("handle", translate_service_error(page.t, exc))
        return await _render(page, state, status=exc.status)
    notice = "followed" if follow.state == "accepted" else "follow-pending"
    return page.redirect(safe_next(state.values.get("next"), "/follow"), notice=notice)


async def unfollow(page: Page) -> Response:
    assert page.me is not None
    target = page.form.get("target").strip()
    if not target:
        raise Refusal(page.t("Type an address like @name@server.example."))
    await follow_service.unfollow(page.services, page.me, target)
    return page.redirect(safe_next(page.form.get("next"), "/follow"), notice="unfollowed")


async def authorize(page: Page) -> Response:
    """Someone arrives from another server's "follow from your own server" with the
    actor to follow: show who it is and ask to confirm."""
    assert page.me is not None
    uri = page.request.query_params.get("uri", "").strip()
    if not uri or len(uri) > HANDLE_MAX:
        raise Refusal(page.t("This link does not say whom to follow."))
    if uri.startswith("acct:"):
        uri = uri[len("acct:") :]
    target = await follow_service.resolve_target(page.services, uri)
    follow = await profiles.follow_of(page.services, page.me, target)
    return await page.render(
        "authorize.html", target=target, follow=follow, handle=uri, section="settings"
    )


async def remote_follow(page: Page) -> Response:
    """A visitor types their address elsewhere; we send them to their server."""
    actor = await people.person(page.services, page.request.path_params["username"])
    handle = page.request.query_params.get("handle", "").strip()[:HANDLE_MAX]
    state = FormState(values={"handle": handle})
    if not handle:
        state.error("handle", page.t("Type your address, like @name@your.server."))
        return await profile.show(page, actor, remote=state, status=422)
    # Counted in the database: every web process shares the one limit.
    if await rate_limits.allow(
        page.services, rate_limits.REMOTE_LOOKUPS, address_network(page.client_ip)
    ):
        state.error("handle", page.t("Too many lookups from your address. Try again in a minute."))
        return await profile.show(page, actor, remote=state, status=429)
    try:
        url = await subscribe_url(page.services, page.web.client, handle, actor.uri)
    except ServiceError as exc:
        state.error("handle", translate_service_error(page.t, exc))
        return await profile.show(page, actor, remote=state, status=exc.status)
    return RedirectResponse(url, status_code=303)
