"""Association groups (FEP-1b12): the list, a group's page with its members and posts,
joining and leaving, posting to the group, creating one, and moderation (approving and
removing members, taking posts out)."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.models import Actor
from fedlocal.services import follows as follow_service
from fedlocal.services import group_pages, people
from fedlocal.services import groups as group_service
from fedlocal.services import media as media_service
from fedlocal.services import neighbours as neighbour_service
from fedlocal.services import posts as post_service
from fedlocal.services.errors import InvalidInput, ServiceError

from ..forms import FormState
from ..links import actor_link
from ..page import Page
from ..service_messages import Refusal, translate_service_error
from .photos import ACCEPT, AGAIN

MEMBERS_SHOWN = 200
POSTS_SHOWN = 20


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "username": t("Group address"),
        "display_name": t("Name"),
        "summary": t("What the group is about"),
        "avatar": t("Profile picture"),
        "header": t("Header image"),
        "text": t("Your message to the group"),
    }


async def index(page: Page, state: FormState | None = None, status: int = 200) -> Response:
    return await page.render(
        "groups.html",
        status=status,
        groups=await people.groups(page.services),
        neighbour_groups=await neighbour_service.neighbour_groups(page.services),
        state=state or FormState(),
        labels=_labels(page),
        name_max=group_service.NAME_MAX,
        summary_max=group_service.SUMMARY_MAX,
        section="groups",
    )


async def create(page: Page) -> Response:
    assert page.me is not None
    state = FormState(values=page.form.as_dict())
    if not state.values.get("display_name", "").strip():
        state.error("display_name", page.t("Give the group a name."))
    if not state.values.get("username", "").strip():
        state.error("username", page.t("Choose the group's address."))
    if not state.ok:
        return await index(page, state, status=422)
    try:
        group = await group_service.create_group(
            page.services,
            page.me,
            state.values["username"],
            display_name=state.values["display_name"],
            summary=state.values.get("summary", ""),
            approval_required=state.values.get("approval_required") == "yes",
        )
    except ServiceError as exc:
        field = exc.field if exc.field in _labels(page) else "_form"
        state.error(field, translate_service_error(page.t, exc))
        return await index(page, state, status=exc.status)
    return page.redirect(actor_link(group), notice="group-created")


async def _group(page: Page) -> Actor:
    return await people.group(page.services, page.request.path_params["username"])


async def show(page: Page) -> Response:
    return await show_group(page, await _group(page))


async def show_group(
    page: Page, group: Actor, state: FormState | None = None, status: int = 200
) -> Response:
    found = await group_pages.group_page(
        page.services, page.me, group, members=MEMBERS_SHOWN, posts=POSTS_SHOWN
    )
    return await page.render(
        "group.html",
        status=status,
        group=group,
        members=found.members,
        membership=found.membership,
        posts=found.posts,
        moderators=found.moderators,
        moderating=found.moderating,
        waiting=found.waiting,
        state=state or FormState(),
        labels=_labels(page),
        text_max=page.config.post_max_characters,
        photo_accept=ACCEPT,
        photo_max_megabytes=page.config.media_max_bytes // (1024 * 1024),
        section="groups",
    )


async def join(page: Page) -> Response:
    assert page.me is not None
    group = await _group(page)
    follow = await follow_service.follow(page.services, page.me, group.uri)
    notice = "group-joined" if follow.state == "accepted" else "group-join-pending"
    return page.redirect(actor_link(group), notice=notice)


async def leave(page: Page) -> Response:
    assert page.me is not None
    group = await _group(page)
    await follow_service.unfollow(page.services, page.me, group.uri)
    return page.redirect(actor_link(group), notice="group-left")


async def post(page: Page) -> Response:
    me = page.me
    assert me is not None
    group = await _group(page)
    state = FormState(values=page.form.as_dict())
    text = state.values.get("text", "").strip()
    if not await group_pages.may_post(page.services, group, me):
        raise Refusal(page.t("Join the group to post to it."), status=403)
    if not text:
        state.error("text", page.t("Write something first."))
    elif len(text) > page.config.post_max_characters:
        state.error(
            "text",
            page.t("At most %(max)s characters.", max=page.config.post_max_characters),
        )
    if not state.ok:
        return await show_group(page, group, state, status=422)
    try:
        await post_service.publish_note(
            page.services, me, text, mentions=[group], language=page.lang
        )
    except InvalidInput as exc:
        state.error("text", translate_service_error(page.t, exc))
        return await show_group(page, group, state, status=exc.status)
    return page.redirect(actor_link(group), notice="group-posted")


async def pictures(page: Page) -> Response:
    """A moderator gives the group an avatar and/or a header image."""
    assert page.me is not None
    group = await _group(page)
    state = FormState()
    files = page.form.files
    for which in ("avatar", "header"):
        if which not in files:
            continue
        try:
            group = await media_service.set_group_pictures(
                page.services, page.me, group, **{which: files[which]}
            )
        except InvalidInput as exc:
            state.error(which, translate_service_error(page.t, exc))
    if not state.ok:
        state.values[AGAIN] = "yes"
        return await show_group(page, group, state, status=422)
    return page.redirect(actor_link(group), notice="group-pictures-saved")


async def approve(page: Page) -> Response:
    """A moderator lets in someone waiting to join."""
    return await _moderate(page, "member", group_service.approve_member, "member-approved")


async def remove_member(page: Page) -> Response:
    """A moderator removes a member, or turns down a request to join."""
    return await _moderate(page, "member", group_service.remove_member, "member-removed")


async def remove_post(page: Page) -> Response:
    """A moderator takes a shared post out of the group."""
    return await _moderate(page, "post", group_service.remove_post, "post-removed")


async def _moderate(page: Page, field: str, action, notice: str) -> Response:
    assert page.me is not None
    group = await _group(page)
    uri = page.form.as_dict().get(field, "").strip()
    if not uri:
        raise Refusal(page.t("Choose whom or what this is about."), field=field)
    await action(page.services, page.me, group, uri)
    return page.redirect(actor_link(group), notice=notice)
