"""Domain blocks and allows on the admin page `/admin/domains` (administrators only):
the config's lists, shown, and the database's, edited; every change in the audit log."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.services import domain_blocks
from fedlocal.services.errors import ServiceError

from ..forms import FormState
from ..page import Page
from ..service_messages import translate_service_error

BLOCK_FIELDS = ("domain", "severity", "public_comment", "private_comment")


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "domain": t("Domain"),
        "severity": t("Severity"),
        "public_comment": t("Public reason"),
        "private_comment": t("Private note"),
    }


def _severities(page: Page) -> list[tuple[str, str]]:
    return [
        ("suspend", page.t("Suspend: no federation at all")),
        ("silence", page.t("Limit: their accounts stay out of public lists")),
    ]


async def index(
    page: Page,
    block_state: FormState | None = None,
    allow_state: FormState | None = None,
    edit_states: dict[int, FormState] | None = None,
    status: int = 200,
) -> Response:
    assert page.account is not None
    blocks = await domain_blocks.blocks(page.services)
    allows = await domain_blocks.allows(page.services, page.account)
    edits = edit_states or {}
    return await page.render(
        "domains.html",
        status=status,
        blocks=[
            (
                block,
                edits.get(block.id)
                or FormState(
                    values={
                        "severity": block.severity,
                        "public_comment": block.public_comment,
                        "private_comment": block.private_comment,
                    }
                ),
            )
            for block in blocks
        ],
        allows=allows,
        block_state=block_state or FormState(values={"severity": "suspend"}),
        allow_state=allow_state or FormState(),
        labels=_labels(page),
        severities=_severities(page),
        config_blocked=page.config.blocked_domains,
        config_allowed=page.config.allowed_domains,
        allowlist=page.config.federation_mode == "allowlist",
        section="admin",
    )


async def add_block(page: Page) -> Response:
    assert page.account is not None
    state = FormState(values=page.form.as_dict())
    try:
        await domain_blocks.create(
            page.services,
            page.account,
            domain=state.values.get("domain", ""),
            severity=state.values.get("severity", ""),
            public_comment=state.values.get("public_comment", ""),
            private_comment=state.values.get("private_comment", ""),
        )
    except ServiceError as exc:
        state.error(exc.field or "domain", translate_service_error(page.t, exc))
        return await index(page, block_state=state, status=exc.status)
    return page.redirect("/admin/domains", notice="domain-blocked")


def _id(page: Page) -> int:
    return ids.path_id(page.request.path_params["block_id"], "block")


async def edit_block(page: Page) -> Response:
    assert page.account is not None
    block_id = _id(page)
    state = FormState(values=page.form.as_dict())
    try:
        await domain_blocks.update(
            page.services,
            page.account,
            block_id,
            severity=state.values.get("severity", ""),
            public_comment=state.values.get("public_comment", ""),
            private_comment=state.values.get("private_comment", ""),
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        state.error(exc.field or "severity", translate_service_error(page.t, exc))
        return await index(page, edit_states={block_id: state}, status=exc.status)
    return page.redirect("/admin/domains", notice="domain-block-saved")


async def remove_block(page: Page) -> Response:
    assert page.account is not None
    await domain_blocks.remove(page.services, page.account, _id(page))
    return page.redirect("/admin/domains", notice="domain-unblocked")


async def add_allow(page: Page) -> Response:
    assert page.account is not None
    state = FormState(values=page.form.as_dict())
    try:
        await domain_blocks.allow(page.services, page.account, state.values.get("domain", ""))
    except ServiceError as exc:
        state.error("domain", translate_service_error(page.t, exc))
        return await index(page, allow_state=state, status=exc.status)
    return page.redirect("/admin/domains#allowed", notice="domain-allowed")


async def remove_allow(page: Page) -> Response:
    assert page.account is not None
    allow_id = ids.path_id(page.request.path_params["allow_id"], "allow")
    await domain_blocks.disallow(page.services, page.account, allow_id)
    return page.redirect("/admin/domains#allowed", notice="domain-disallowed")
