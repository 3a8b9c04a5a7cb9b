"""Trust between residents on the web: "I know this person" on a profile and on the list
of neighbours waiting for a vouch, withdrawing it, the consent to show who vouched, and
the page a newcomer sees while their account waits."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.models import Account, Actor
from fedlocal.services import people
from fedlocal.services import vouches as vouch_service

from ..page import Page, safe_next


async def waiting_list(page: Page) -> Response:
    """ "Neighbours waiting": the sign-ups residents may recognise and vouch for."""
    assert page.account is not None
    waiting = await vouch_service.waiting(page.services, page.account)
    return await page.render(
        "vouch_waiting.html",
        waiting=waiting,
        needed=page.config.vouches_needed,
        section="waiting",
    )


async def _target(page: Page) -> Actor:
    return await people.person(page.services, page.request.path_params["username"])


def _back(page: Page, actor: Actor) -> str:
    return safe_next(page.form.get("next"), f"/@{actor.username}")


async def vouch(page: Page) -> Response:
    assert page.account is not None
    actor = await _target(page)
    opened = await vouch_service.vouch(page.services, page.account, actor.id)
    return page.redirect(_back(page, actor), notice="vouch-opened" if opened else "vouched")


async def withdraw(page: Page) -> Response:
    assert page.account is not None
    actor = await _target(page)
    await vouch_service.withdraw(page.services, page.account, actor.id)
    return page.redirect(_back(page, actor), notice="vouch-withdrawn")


async def save_consent(page: Page) -> Response:
    assert page.account is not None
    shown = page.form.get("shows_vouches") == "yes"
    await vouch_service.set_shows_vouches(page.services, page.account, shown)
    return page.redirect("/settings#trust", notice="trust-saved")


async def waiting_for_vouches(page: Page, account: Account, status: int = 200) -> Response:
    """What a newcomer sees while their account waits in the `vouch` mode: how many
    neighbours vouched, how many are needed, and how to ask one."""
    count, needed = await vouch_service.my_vouches(page.services, account)
    return await page.render(
        "vouch_pending.html",
        status=status,
        username=account.username,
        count=count,
        needed=needed,
        section="signup",
    )
