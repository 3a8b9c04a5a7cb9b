"""Views → entities with the instance's settings (domain, categories, language), and
paged JSON responses with their `Link` header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.responses import JSONResponse

from ..services.messages import ConversationView
from ..services.views import AccountView, BoostView, NotificationView, PostView
from . import entities
from . import entity_types as E
from .auth import Call
from .pagination import link_header


def _options(call: Call) -> dict[str, Any]:
    return {
        "domain": call.config.domain,
        "categories": call.ctx.categories,
        "language": call.config.default_language,
        "timezone": call.config.timezone,
    }


def status(call: Call, view: PostView, *, source: bool = False) -> E.Status:
    return entities.status(view, call.urls, source=source, **_options(call))


def statuses(call: Call, views: Sequence[PostView]) -> list[E.Status]:
    options = _options(call)
    return [entities.status(view, call.urls, **options) for view in views]


def boost(call: Call, view: BoostView) -> E.Status:
    return entities.boost(view, call.urls, **_options(call))


def account(call: Call, view: AccountView) -> E.Account:
    return entities.account(
        view, call.urls, domain=call.config.domain, language=call.config.default_language
    )


def accounts(call: Call, views: Sequence[AccountView]) -> list[E.Account]:
    return [account(call, view) for view in views]


def notifications(call: Call, views: Sequence[NotificationView]) -> list[E.Notification]:
    options = _options(call)
    return [entities.notification(view, call.urls, **options) for view in views]


def conversations(call: Call, views: Sequence[ConversationView]) -> list[E.Conversation]:
    options = _options(call)
    return [entities.conversation(view, call.urls, **options) for view in views]


def paged(call: Call, items: list[Any], ids: Sequence[int]) -> JSONResponse:
    """A list with the `Link` header of its page (ids in the list's order)."""
    return JSONResponse(items, headers=link_header(call.request, call.config.base_url, ids))


def paired_statuses(call: Call, pairs: Sequence[tuple[int, PostView]]) -> JSONResponse:
    """Statuses of a list paged by its own row ids (likes, bookmarks)."""
    return paged(call, statuses(call, [view for _id, view in pairs]), [i for i, _v in pairs])


def status_page(call: Call, views: Sequence[PostView]) -> JSONResponse:
    return paged(call, statuses(call, views), [v.post.id for v in views])
