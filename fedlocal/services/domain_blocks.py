"""Domain blocks and allows, edited by the admins (the admin page, Mastodon's admin
API), beside the config's `blocked_domains` and `allowed_domains`. Every change is in
the audit log and reaches the federation checks through `ctx.domains`
(services/domain_policy.py: at once in this process, within its TTL in the others).

Blocks are public, with their public comment, as Mastodon's default
`show_domain_blocks: all` (the about page, `GET /api/v1/instance/domain_blocks`); the
private comment is for staff only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Account
from ..store import domain_blocks as block_store
from ..store.domain_blocks import DomainAllow
from ..store.domain_blocks import DomainBlock as DomainBlock  # what the admin API renders
from .audit import record
from .context import ServiceContext
from .errors import Conflict, InvalidInput, NotFound
from .staff import require_admin

SEVERITIES = ("silence", "suspend")


@dataclass(frozen=True)
class PublicBlock:
    """A block as the about page and `GET /api/v1/instance/domain_blocks` show it."""

    domain: str
    severity: str
    comment: str


MAX_COMMENT = 1000
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+(?::[0-9]{{1,5}})?$")


def normalize_domain(value: str) -> str:
    """A domain as typed (any case, an `https://` prefix, a trailing slash, Unicode
    letters) as we store it; InvalidInput for anything else."""
    text = value.strip().lower()
    text = re.sub(r"^https?://", "", text).rstrip("/")
    try:
        text = text.encode("idna").decode("ascii") if text and not text.isascii() else text
    except UnicodeError:
        text = ""
    if len(text) > 253 or not _DOMAIN.match(text):
        raise InvalidInput(
            "'%(domain)s' is not a domain, like spam.example", domain=value[:100], field="domain"
        )
    return text


def _severity(value: str) -> str:
    if value not in SEVERITIES:
        raise InvalidInput("the severity is silence or suspend", field="severity")
    return value


def _comment(value: str, field: str) -> str:
    value = value.strip()
    if len(value) > MAX_COMMENT:
        raise InvalidInput("a comment is at most %(max)s characters", max=MAX_COMMENT, field=field)
    return value


async def blocks(ctx: ServiceContext) -> list[DomainBlock]:
    """Every block (public: the about page lists them with their public comment)."""
    async with ctx.db.read() as conn:
        return await block_store.list_blocks(conn)


async def public_list(ctx: ServiceContext) -> list[PublicBlock]:
    """Every domain we do not federate with or limit, by name: the config's
    `blocked_domains` (suspended, no comment) and the admins' blocks."""
    listed = {d: PublicBlock(d, "suspend", "") for d in ctx.config.blocked_domains}
    for found in await blocks(ctx):
        listed.setdefault(
            found.domain, PublicBlock(found.domain, found.severity, found.public_comment)
        )
    return [listed[d] for d in sorted(listed)]


async def admin_page(
    ctx: ServiceContext,
    admin: Account,
    *,
    max_id: int | None = None,
    since_id: int | None = None,
    limit: int = 100,
) -> list[DomainBlock]:
    """The admins' blocks, newest first, paged by id (the admin API)."""
    require_admin(admin)
    async with ctx.db.read() as conn:
        return await block_store.page(conn, max_id=max_id, since_id=since_id, limit=limit)


async def block(ctx: ServiceContext, admin: Account, block_id: int) -> DomainBlock:
    require_admin(admin)
    async with ctx.db.read() as conn:
        found = await block_store.get_block(conn, block_id)
    if found is None:
        raise NotFound("no such domain block")
    return found


async def create(
    ctx: ServiceContext,
    admin: Account,
    *,
    domain: str,
    severity: str = "suspend",
    public_comment: str = "",
    private_comment: str = "",
) -> DomainBlock:
    require_admin(admin)
    name = normalize_domain(domain)
    if name == ctx.config.domain:
        raise InvalidInput("this instance cannot block itself", field="domain")
    chosen = _severity(severity)
    public = _comment(public_comment, "public_comment")
    private = _comment(private_comment, "private_comment")
    async with ctx.db.write() as conn:
        if await block_store.block_for(conn, name) is not None:
            raise Conflict("%(domain)s is already blocked", domain=name, field="domain")
        created = await block_store.add_block(
            conn,
            domain=name,
            severity=chosen,
            public_comment=public,
            private_comment=private,
            created_by=admin.id,
        )
        if created is None:
            raise Conflict("%(domain)s is already blocked", domain=name, field="domain")
        await record(
            conn,
            by_account_id=admin.id,
            action="block_domain",
            target=f"domain:{name}",
            note=f"{chosen} {private}".strip(),
        )
    ctx.domains.invalidate()
    return created


async def update(
    ctx: ServiceContext,
    admin: Account,
    block_id: int,
    *,
    severity: str | None = None,
    public_comment: str | None = None,
    private_comment: str | None = None,
) -> DomainBlock:
    """Change a block; what is not given stays."""
    current = await block(ctx, admin, block_id)
    chosen = _severity(severity) if severity is not None else current.severity
    public = (
        _comment(public_comment, "public_comment")
        if public_comment is not None
        else current.public_comment
    )
    private = (
        _comment(private_comment, "private_comment")
        if private_comment is not None
        else current.private_comment
    )
    async with ctx.db.write() as conn:
        changed = await block_store.update_block(
            conn, block_id, severity=chosen, public_comment=public, private_comment=private
        )
        if changed is None:
            raise NotFound("no such domain block")
        await record(
            conn,
            by_account_id=admin.id,
            action="update_domain_block",
            target=f"domain:{changed.domain}",
            note=f"{chosen} {private}".strip(),
        )
    ctx.domains.invalidate()
    return changed


async def remove(ctx: ServiceContext, admin: Account, block_id: int) -> DomainBlock:
    require_admin(admin)
    async with ctx.db.write() as conn:
        removed = await block_store.remove_block(conn, block_id)
        if removed is None:
            raise NotFound("no such domain block")
        await record(
            conn, by_account_id=admin.id, action="unblock_domain", target=f"domain:{removed.domain}"
        )
    ctx.domains.invalidate()
    return removed


async def allows(ctx: ServiceContext, admin: Account) -> list[DomainAllow]:
    require_admin(admin)
    async with ctx.db.read() as conn:
        return await block_store.list_allows(conn)


async def allow(ctx: ServiceContext, admin: Account, domain: str) -> DomainAllow:
    """Allow a domain in `allowlist` mode (beside the config's `allowed_domains`)."""
    require_admin(admin)
    name = normalize_domain(domain)
    async with ctx.db.write() as conn:
        created = await block_store.add_allow(conn, domain=name, created_by=admin.id)
        if created is None:
            raise Conflict("%(domain)s is already allowed", domain=name, field="domain")
        await record(conn, by_account_id=admin.id, action="allow_domain", target=f"domain:{name}")
    ctx.domains.invalidate()
    return created


async def disallow(ctx: ServiceContext, admin: Account, allow_id: int) -> DomainAllow:
    require_admin(admin)
    async with ctx.db.write() as conn:
        removed = await block_store.remove_allow(conn, allow_id)
        if removed is None:
            raise NotFound("no such allowed domain")
        await record(
            conn,
            by_account_id=admin.id,
            action="disallow_domain",
            target=f"domain:{removed.domain}",
        )
    ctx.domains.invalidate()
    return removed
