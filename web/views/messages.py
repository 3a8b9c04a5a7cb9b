"""Messages: the list of a resident's threads, one thread with its reply box, and a first
message to a neighbour (from their profile, or about a listing). Plain forms: a POST and a
redirect, no JavaScript needed."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.boundary.paging import PageQuery
from fedlocal.models import Actor, ListingStep, Post
from fedlocal.services import listing_steps, messages, people, post_pages, visibility
from fedlocal.services.errors import Forbidden, InvalidInput, NotFound

from ..forms import FormState
from ..page import Page
from ..post_text import excerpt_of, title_of, without_opening_mentions
from .common import keep_error
from .listings import local_today

PAGE_SIZE = 30
MESSAGE_MAX = 5000
# The service's field names, as these forms call them.
SERVICE_FIELDS = {"status": "message", "to": "message", "listing": "message"}


def thread_path(thread_id: int) -> str:
    return f"/messages/{thread_id}"


async def index(page: Page) -> Response:
    me = page.me
    assert me is not None
    max_id = ids.query_id(page.request.query_params.get("max_id"), "max_id")
    found = await messages.threads(page.services, me, PageQuery(max_id=max_id, limit=PAGE_SIZE))
    older = None
    if len(found) == PAGE_SIZE and found[-1].thread.last_post_id:
        older = f"/messages?max_id={found[-1].thread.last_post_id}"
    return await page.render(
        "messages.html",
        threads=found,
        older=older,
        title_of=title_of,
        excerpt_of=excerpt_of,
        thread_path=thread_path,
        section="messages",
    )


async def show(page: Page) -> Response:
    return await _thread_page(page, ids.path_id(page.request.path_params["thread_id"], "thread"))


async def _thread_page(
    page: Page, thread_id: int, state: FormState | None = None, status: int = 200
) -> Response:
    me = page.me
    assert me is not None
    found = await messages.thread(page.services, me, thread_id)
    return await _render_thread(
        page,
        other=found.other,
        listing=found.listing,
        found=found,
        action=thread_path(thread_id),
        state=state,
        status=status,
    )


async def _render_thread(
    page: Page,
    *,
    other: Actor,
    listing: Post | None,
    action: str,
    found: messages.ThreadPage | None = None,
    state: FormState | None = None,
    status: int = 200,
    hidden: dict[str, str] | None = None,
) -> Response:
    steps: list[ListingStep] = []
    manage: dict[str, object] = {}
    me = page.me
    if listing is not None and listing.listing is not None and me is not None:
        # The steps are kept per neighbour: the one of the two who is not the author.
        neighbour = other if listing.actor_id == me.id else me
        steps = await listing_steps.history(page.services, listing, neighbour)
        if listing.actor_id == me.id and listing.is_local and found is not None:
            manage = await _listing_actions(page, listing, other, found)
    return await page.render(
        "thread.html",
        status=status,
        steps=steps,
        manage=manage,
        thread=found,
        other=other,
        listing=listing,
        listing_title=title_of(listing) if listing else None,
        messages=found.messages if found else [],
        authors=found.authors if found else {},
        action=action,
        hidden=hidden or {},
        state=state or FormState(),
        labels={"message": page.t("Your message")},
        message_max=MESSAGE_MAX,
        without_opening_mentions=without_opening_mentions,
        section="messages",
    )


async def _listing_actions(
    page: Page, listing: Post, other: Actor, found: messages.ThreadPage
) -> dict[str, object]:
    """What the author's actions on the listing need (web/templates/_listing_actions.html),
    narrowed to the neighbour of this thread; they come back to the thread."""
    me = page.me
    assert me is not None
    about = await post_pages.listing_page(page.services, me, listing)
    return {
        "post": listing,
        "interested": [(i, person) for i, person in about.interested if person.id == other.id],
        "reserved_for": about.reserved_for,
        "loan_state": FormState(),
        "today": local_today(page).isoformat(),
        "back": thread_path(found.thread.id),
    }


def _read_message(page: Page, state: FormState) -> str | None:
    text = state.values.get("message", "").strip()
    if not text:
        state.error("message", page.t("Write a message first."))
    elif len(text) > MESSAGE_MAX:
        state.error("message", page.t("A message has at most %(max)s characters.", max=MESSAGE_MAX))
    return text if state.ok else None


async def reply(page: Page) -> Response:
    me = page.me
    assert me is not None
    thread_id = ids.path_id(page.request.path_params["thread_id"], "thread")
    state = FormState(values=page.form.as_dict())
    text = _read_message(page, state)
    if text is None:
        return await _thread_page(page, thread_id, state, status=422)
    try:
        await messages.reply(page.services, me, thread_id, text)
    except (InvalidInput, Forbidden) as exc:
        keep_error(page, state, exc, SERVICE_FIELDS)
        return await _thread_page(page, thread_id, state, status=exc.status)
    return page.redirect(thread_path(thread_id) + "#latest", notice="message-sent")


async def _recipient(page: Page, source: dict[str, str]) -> tuple[Actor, Post | None]:
    """Whom a first message goes to (`to`: an actor id) and what it is about (`about`: a
    listing of theirs or of the visitor's, which the visitor may see)."""
    other_id = ids.parse_id(source.get("to"))
    if other_id is None:
        raise NotFound("no such account")
    other = await people.by_id(page.services, other_id)
    about_id = ids.query_id(source.get("about"), "about")
    listing = None
    if about_id is not None:
        listing, _author = await visibility.visible_post(page.services, page.me, about_id)
        if listing.kind not in ("offer", "request"):
            raise NotFound("no such offer or request")
    return other, listing


def _first_message_fields(other: Actor, listing: Post | None) -> dict[str, str]:
    fields = {"to": str(other.id)}
    if listing is not None:
        fields["about"] = str(listing.id)
    return fields


async def new(page: Page) -> Response:
    """A first message to someone; their thread when they already have one."""
    me = page.me
    assert me is not None
    other, listing = await _recipient(page, dict(page.request.query_params))
    existing = await messages.existing_thread(
        page.services, me, other, listing.id if listing else None
    )
    if existing is not None and existing.last_post_id is not None:
        return page.redirect(thread_path(existing.id) + "#reply")
    return await _render_thread(
        page,
        other=other,
        listing=listing,
        action="/messages/new",
        hidden=_first_message_fields(other, listing),
    )


async def start(page: Page) -> Response:
    me = page.me
    assert me is not None
    other, listing = await _recipient(page, page.form.as_dict())
    state = FormState(values=page.form.as_dict())
    text = _read_message(page, state)
    hidden = _first_message_fields(other, listing)
    status = 422
    if text is not None:
        try:
            thread, _post = await messages.write_to(page.services, me, other, text, listing)
        except (InvalidInput, Forbidden) as exc:
            keep_error(page, state, exc, SERVICE_FIELDS)
            status = exc.status
        else:
            return page.redirect(thread_path(thread.id) + "#latest", notice="message-sent")
    return await _render_thread(
        page,
        other=other,
        listing=listing,
        action="/messages/new",
        hidden=hidden,
        state=state,
        status=status,
    )
