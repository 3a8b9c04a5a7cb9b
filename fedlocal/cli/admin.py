"""`fedlocal migrate` and `fedlocal user create`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from ..config import load_config
from ..federation import archive
from ..services import account_deletion, accounts, organizations, staff
from ..services.errors import InvalidInput, NotFound
from ..store import Database, head_revision, migrate
from .runtime import open_instance


async def migrate_command(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = Database(config.database_url, schema=config.database_schema or None)
    try:
        await migrate(db)
    finally:
        await db.dispose()
    print(f"{config.name}: database at revision {head_revision()}")
    return 0


def read_password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return args.password
    try:
        return Path(args.password_file).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise InvalidInput(f"cannot read the password file: {exc.strerror}") from None


async def create_user(args: argparse.Namespace) -> int:
    password = read_password(args)
    async with open_instance(args.config) as federation:
        account, actor = await accounts.create_account(
            federation.services, args.name, password, email=args.email, admin=args.admin
        )
    role = "admin" if account.is_admin else "resident"
    print(f"created {role} @{actor.handle} ({actor.uri})")
    return 0


async def set_organization(args: argparse.Namespace) -> int:
    """`fedlocal user org NAME TYPE|none`: an admin's change from the command line (the
    audit log names no account as its author)."""
    type_key = None if args.type == "none" else args.type
    async with open_instance(args.config) as federation:
        actor = await organizations.set_organization(
            federation.services, args.name, type_key, by_account_id=None
        )
    shown = actor.organization_type or "a person, no organisation"
    print(f"@{actor.handle} is now {shown}")
    return 0


async def set_role(args: argparse.Namespace) -> int:
    """`fedlocal user role NAME admin|moderator|none`: the operator's way, recorded in
    the audit log without a staff account."""
    async with open_instance(args.config) as federation:
        services = federation.services
        found = await staff.account_named(services, args.name)
        if found is None:
            raise NotFound("no local account named '%(name)s'", name=args.name)
        changed = await staff.set_role(services, None, found.id, args.role)
    print(f"@{changed.username} is now {staff.role_of(changed)}")
    return 0


async def delete_user(args: argparse.Namespace) -> int:
    """`fedlocal user delete NAME [--yes]`: the operator deletes an account, after a
    question unless `--yes` (recorded in the audit log without a staff account)."""
    if not args.yes:
        try:
            answer = await asyncio.to_thread(
                input,
                f"Delete @{args.name} with all their posts, messages and pictures? "
                "This cannot be undone. Type the name to confirm: ",
            )
        except EOFError:
            answer = ""
        if answer.strip().lstrip("@") != args.name:
            print("Nothing deleted.")
            return 1
    async with open_instance(args.config) as federation:
        await account_deletion.delete_from_cli(federation.services, args.name)
    print(f"@{args.name} is deleted; the servers that knew the account are being told.")
    return 0


async def export_user(args: argparse.Namespace) -> int:
    """`fedlocal user export NAME --to FILE`: the account's data download, written by the
    operator (to answer a resident's request for their data)."""
    target = Path(args.to)
    if await asyncio.to_thread(target.exists):
        raise InvalidInput("%(file)s exists already; choose another file", file=str(target))
    async with open_instance(args.config) as federation:
        account, actor = await account_deletion.account_named(federation.services, args.name)
        partial = target.with_name(target.name + ".partial")
        try:
            count = await archive.write_archive(federation, account, actor, partial)
            await asyncio.to_thread(partial.replace, target)
        finally:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
    print(f"@{args.name}: {count} posts written to {target}")
    return 0
