"""Administration: residents, sign-ups waiting for approval, invitations, the
neighbouring instances this one is linked with, and the federation work that failed."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.organizations import ORGANIZATION_KEYS, ORGANIZATION_TYPES
from fedlocal.services import account_deletion, audit, moderation_actions
from fedlocal.services import neighbours as neighbour_service
from fedlocal.services import organizations as organization_service
from fedlocal.services import queues as queue_service
from fedlocal.services import signup as signup_service
from fedlocal.services import vouches as vouch_service
from fedlocal.services.errors import InvalidInput, ServiceError

from ..forms import FormState, parse_int
from ..page import Page
from ..service_messages import Refusal, translate_service_error

# The most recent failures of each queue shown; "retry all" and "drop all" reach the rest.
FAILURES_SHOWN = 50


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "domain": t("Neighbour's domain"),
        "max_uses": t("Number of uses"),
        "days": t("Valid for (days)"),
    }


async def index(
    page: Page,
    neighbour_state: FormState | None = None,
    invite_state: FormState | None = None,
    status: int = 200,
) -> Response:
    account = page.account
    assert account is not None
    pending = await signup_service.pending_signups(page.services, account)
    # In the vouch mode, what residents see of each: the presentation and the vouches.
    vouching = (
        {w.account.id: w for w in await vouch_service.waiting(page.services, account)}
        if page.config.signup_mode == "vouch"
        else {}
    )
    residents = await signup_service.residents(page.services, account)
    invites = await signup_service.invites(page.services, account)
    links = await neighbour_service.neighbours(page.services)
    failures = await queue_service.failures(page.services, limit=FAILURES_SHOWN)
    return await page.render(
        "admin.html",
        status=status,
        pending=pending,
        vouching=vouching,
        residents=residents,
        invites=invites,
        links=links,
        failures=failures,
        neighbour_state=neighbour_state or FormState(),
        invite_state=invite_state or FormState(values={"max_uses": "1", "days": "7"}),
        labels=_labels(page),
        invite_base=f"{page.config.base_url}/signup?invite=",
        organization_types=ORGANIZATION_TYPES,
        section="admin",
    )


def _id(page: Page, name: str) -> int:
    return ids.path_id(page.request.path_params[name], name.removesuffix("_id"))


async def decide_signup(page: Page) -> Response:
    assert page.account is not None
    account_id = _id(page, "account_id")
    decision = page.form.get("decision")
    if decision == "approve":
        await signup_service.approve_signup(page.services, page.account, account_id)
        return page.redirect("/admin", notice="approved")
    if decision == "reject":
        await signup_service.reject_signup(page.services, page.account, account_id)
        return page.redirect("/admin", notice="rejected")
    raise Refusal(page.t("Choose one of the options."))


async def suspend(page: Page) -> Response:
    assert page.account is not None
    account_id = _id(page, "account_id")
    decision = page.form.get("decision")
    if decision not in ("suspend", "restore"):
        raise Refusal(page.t("Choose one of the options."))
    await moderation_actions.apply_to_resident(
        page.services, page.account, "suspend" if decision == "suspend" else "unsuspend", account_id
    )
    return page.redirect("/admin", notice="suspended" if decision == "suspend" else "restored")


async def delete_account(page: Page) -> Response:
    """Delete a resident's account (after the confirmation page; audited)."""
    assert page.account is not None
    await account_deletion.delete_by_admin(page.services, page.account, _id(page, "account_id"))
    return page.redirect("/admin#residents", notice="account-deleted-by-admin")


async def set_organization(page: Page) -> Response:
    """Mark a resident as a verified organisation of a type, or a person again."""
    assert page.account is not None
    chosen = page.form.get("organization_type")
    if chosen and chosen not in ORGANIZATION_KEYS:
        raise Refusal(page.t("Choose one of the options."))
    await organization_service.mark_account(
        page.services, page.account, _id(page, "account_id"), chosen or None
    )
    return page.redirect("/admin#residents", notice="organization-set")


async def create_invite(page: Page) -> Response:
    assert page.account is not None
    state = FormState(values=page.form.as_dict())
    max_uses = parse_int(state.values.get("max_uses", ""), minimum=1, maximum=100)
    if max_uses is None:
        state.error("max_uses", page.t("Enter a number from 1 to %(max)s.", max=100))
    days = parse_int(state.values.get("days", ""), minimum=1, maximum=365)
    if days is None:
        state.error("days", page.t("Enter a number from 1 to %(max)s.", max=365))
    if max_uses is None or days is None:
        return await index(page, invite_state=state, status=422)
    await signup_service.create_invite(page.services, page.account, max_uses=max_uses, days=days)
    return page.redirect("/admin#invites", notice="invite-created")


async def revoke_invite(page: Page) -> Response:
    assert page.account is not None
    await signup_service.revoke_invite(page.services, page.account, _id(page, "invite_id"))
    return page.redirect("/admin#invites", notice="invite-revoked")


async def link_neighbour(page: Page) -> Response:
    state = FormState(values=page.form.as_dict())
    domain = state.values.get("domain", "").strip()
    if not domain:
        state.error("domain", page.t("Type the neighbour's domain, like parame.example."))
        return await index(page, neighbour_state=state, status=422)
    try:
        await neighbour_service.link(page.services, domain)
    except ServiceError as exc:
        state.error("domain", translate_service_error(page.t, exc))
        return await index(page, neighbour_state=state, status=exc.status)
    assert page.account is not None
    await audit.log(
        page.services, page.account, action="link_neighbour", target=f"neighbour:{domain}"
    )
    return page.redirect("/admin#neighbours", notice="neighbour-linked")


async def unlink_neighbour(page: Page) -> Response:
    target = page.form.get("target").strip()
    if not target:
        raise Refusal(page.t("Choose one of the options."))
    await neighbour_service.unlink(page.services, target)
    assert page.account is not None
    await audit.log(
        page.services, page.account, action="unlink_neighbour", target=f"neighbour:{target}"
    )
    return page.redirect("/admin#neighbours", notice="neighbour-removed")


def _failures_named(page: Page) -> list[queue_service.FailureRef] | None:
    """The failure a row's button names (`inbox:12`), or None for the "all" buttons."""
    if page.form.get("all") == "1":
        return None
    try:
        return [queue_service.parse_ref(page.form.get("failure"))]
    except InvalidInput:
        raise Refusal(page.t("Choose one of the options.")) from None


async def retry_failures(page: Page) -> Response:
    named = _failures_named(page)
    await queue_service.retry(page.services, named)
    await _audit_queue(page, "retry_failures", named)
    return page.redirect("/admin", notice="queue-retried")


async def drop_failures(page: Page) -> Response:
    named = _failures_named(page)
    await queue_service.drop(page.services, named)
    await _audit_queue(page, "drop_failures", named)
    return page.redirect("/admin", notice="queue-dropped")


async def _audit_queue(
    page: Page, action: str, named: list[queue_service.FailureRef] | None
) -> None:
    assert page.account is not None
    target = "queue:all" if named is None else f"queue:{page.form.get('failure')}"
    await audit.log(page.services, page.account, action=action, target=target)
