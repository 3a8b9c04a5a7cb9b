"""The one way a publishing form with pictures is handled (offers and requests, events,
group purchases): read the fields and the chosen pictures, upload the pictures only when
the fields are good, publish, and on any refusal show the form again with the reason,
asking for the pictures again (a browser never sends a file twice)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from starlette.responses import Response

from fedlocal.models import Post
from fedlocal.services.errors import Forbidden, InvalidInput

from ..forms import FormState
from ..links import post_path
from ..page import Page
from .common import keep_error
from .photos import Slot, ask_again, read_photos, upload_photos


async def publish_with_photos(
    page: Page,
    slots: list[Slot],
    read: Callable[[FormState], Any | None],
    publish: Callable[[Any], Awaitable[Post]],
    form: Callable[[FormState, int], Awaitable[Response]],
    service_fields: dict[str, str],
) -> Response:
    """`read` turns the form into the service's input (None with errors in the state),
    `publish` publishes it (its `media_ids` set), `form` shows the form again with a
    status."""
    state = FormState(values=page.form.as_dict())
    chosen = read_photos(page, state, slots)
    data = read(state)
    media_ids = await upload_photos(page, state, chosen) if data is not None else ()
    if data is None or not state.ok:
        ask_again(state, chosen)
        return await form(state, 422)
    try:
        post = await publish(replace(data, media_ids=media_ids))
    except (InvalidInput, Forbidden) as exc:
        keep_error(page, state, exc, service_fields)
        ask_again(state, chosen)
        return await form(state, exc.status)
    return page.redirect(post_path(post), notice="published")
