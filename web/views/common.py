"""What several views share: the post a URL names (if the visitor may see it), the centre
of a resident's nearby feed, a service's refusal shown beside its field."""

from __future__ import annotations

import re

from fedlocal.boundary import ids
from fedlocal.config import Config, Quarter
from fedlocal.models import Actor, Post
from fedlocal.services import visibility
from fedlocal.services.errors import ServiceError

from ..forms import FormState
from ..page import Page
from ..service_messages import translate_service_error


async def visible_post(page: Page, text_id: str, *, tombstone: bool = False) -> tuple[Post, Actor]:
    """The post a URL segment names and its author, if this visitor may see it (404
    otherwise; a deleted one too with `tombstone`)."""
    post_id = ids.path_id(text_id, "post")
    return await visibility.visible_post(page.services, page.me, post_id, tombstone=tombstone)


def centre_quarter(config: Config, me: Actor | None, chosen: str | None = None) -> Quarter | None:
    """The quarter a feed is centred on: the one chosen in the filters, else the
    resident's home quarter, else the instance's first."""
    for name in (chosen, me.home_quarter if me else None):
        if name:
            found = config.find_quarter(name)
            if found is not None:
                return found
    return config.quarters[0] if config.quarters else None


def centre_point(config: Config, quarter: Quarter | None) -> tuple[float, float] | None:
    if quarter is not None:
        return quarter.latitude, quarter.longitude
    if config.latitude or config.longitude:
        return config.latitude, config.longitude
    return None


def keep_error(page: Page, state: FormState, exc: ServiceError, fields: dict[str, str]) -> None:
    """A service's refusal, shown beside the form field it names (or atop the form)."""
    name = fields.get(exc.field or "", exc.field or "_form")
    state.error(name if name in fields.values() else "_form", translate_service_error(page.t, exc))


_THREAD_PATH = re.compile(r"/messages/[1-9][0-9]{0,17}")


def back_to(page: Page, default: str) -> str:
    """Where an action on a listing returns: the messages thread it was taken from (a
    `back` field naming one), else `default` (never an address elsewhere)."""
    back = page.form.get("back")
    return back if _THREAD_PATH.fullmatch(back) else default
