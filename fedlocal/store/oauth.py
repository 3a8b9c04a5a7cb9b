"""OAuth2 applications, authorization codes and access tokens. Secrets, codes and tokens
are kept as SHA-256 hex digests only; callers hash what they are given before asking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account
from ..oauth import AccessToken, AuthorizationCode, OAuthApp
from .accounts import _account
from .clock import utcnow
from .tables import accounts, oauth_access_tokens, oauth_applications, oauth_authorization_codes


def _app(row: Row[Any]) -> OAuthApp:
    return OAuthApp(
        id=row.id,
        name=row.name,
        website=row.website,
        redirect_uris=tuple(u for u in row.redirect_uris.split("\n") if u),
        scopes=tuple(row.scopes.split()),
        client_id=row.client_id,
        client_secret_hash=row.client_secret_hash,
        created_at=row.created_at,
    )


def _code(row: Row[Any]) -> AuthorizationCode:
    return AuthorizationCode(
        id=row.id,
        application_id=row.application_id,
        account_id=row.account_id,
        redirect_uri=row.redirect_uri,
        scopes=tuple(row.scopes.split()),
        code_challenge=row.code_challenge,
        code_challenge_method=row.code_challenge_method,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


def _token(row: Row[Any]) -> AccessToken:
    return AccessToken(
        id=row.id,
        application_id=row.application_id,
        account_id=row.account_id,
        scopes=tuple(row.scopes.split()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


async def insert_app(
    conn: AsyncConnection,
    *,
    name: str,
    website: str | None,
    redirect_uris: Sequence[str],
    scopes: Sequence[str],
    client_id: str,
    client_secret_hash: str,
) -> OAuthApp:
    row = (
        await conn.execute(
            insert(oauth_applications)
            .values(
                name=name,
                website=website,
                redirect_uris="\n".join(redirect_uris),
                scopes=" ".join(scopes),
                client_id=client_id,
                client_secret_hash=client_secret_hash,
                created_at=utcnow(),
            )
            .returning(*oauth_applications.c)
        )
    ).one()
    return _app(row)


async def get_app_by_client_id(conn: AsyncConnection, client_id: str) -> OAuthApp | None:
    row = (
        await conn.execute(
            select(oauth_applications).where(oauth_applications.c.client_id == client_id)
        )
    ).first()
    return _app(row) if row else None


async def get_app(conn: AsyncConnection, app_id: int) -> OAuthApp | None:
    row = (
        await conn.execute(select(oauth_applications).where(oauth_applications.c.id == app_id))
    ).first()
    return _app(row) if row else None


async def insert_code(
    conn: AsyncConnection,
    *,
    code_hash: str,
    application_id: int,
    account_id: int,
    redirect_uri: str,
    scopes: Sequence[str],
    code_challenge: str | None,
    code_challenge_method: str | None,
    expires_at: datetime,
) -> AuthorizationCode:
    row = (
        await conn.execute(
            insert(oauth_authorization_codes)
            .values(
                code_hash=code_hash,
                application_id=application_id,
                account_id=account_id,
                redirect_uri=redirect_uri,
                scopes=" ".join(scopes),
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method,
                created_at=utcnow(),
                expires_at=expires_at,
            )
            .returning(*oauth_authorization_codes.c)
        )
    ).one()
    return _code(row)


async def get_code(conn: AsyncConnection, code_hash: str) -> AuthorizationCode | None:
    row = (
        await conn.execute(
            select(oauth_authorization_codes).where(
                oauth_authorization_codes.c.code_hash == code_hash
            )
        )
    ).first()
    return _code(row) if row else None


async def use_code(conn: AsyncConnection, code_id: int) -> bool:
    """Mark a code used; False if it already was (a replay, or a concurrent exchange)."""
    result = await conn.execute(
        update(oauth_authorization_codes)
        .where(
            oauth_authorization_codes.c.id == code_id,
            oauth_authorization_codes.c.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return (result.rowcount or 0) == 1


async def insert_token(
    conn: AsyncConnection,
    *,
    token_hash: str,
    application_id: int,
    account_id: int | None,
    scopes: Sequence[str],
    expires_at: datetime | None = None,
) -> AccessToken:
    row = (
        await conn.execute(
            insert(oauth_access_tokens)
            .values(
                token_hash=token_hash,
                application_id=application_id,
                account_id=account_id,
                scopes=" ".join(scopes),
                created_at=utcnow(),
                expires_at=expires_at,
            )
            .returning(*oauth_access_tokens.c)
        )
    ).one()
    return _token(row)


async def get_token(conn: AsyncConnection, token_hash: str) -> AccessToken | None:
    row = (
        await conn.execute(
            select(oauth_access_tokens).where(oauth_access_tokens.c.token_hash == token_hash)
        )
    ).first()
    return _token(row) if row else None


async def set_token_expiry(conn: AsyncConnection, token_id: int, expires_at: datetime) -> None:
    await conn.execute(
        update(oauth_access_tokens)
        .where(oauth_access_tokens.c.id == token_id)
        .values(expires_at=expires_at)
    )


async def revoke_token(conn: AsyncConnection, token_hash: str, application_id: int) -> bool:
    """Revoke one of this application's tokens; False when there is no such live token."""
    result = await conn.execute(
        update(oauth_access_tokens)
        .where(
            oauth_access_tokens.c.token_hash == token_hash,
            oauth_access_tokens.c.application_id == application_id,
            oauth_access_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return (result.rowcount or 0) == 1


async def get_account(conn: AsyncConnection, account_id: int) -> Account | None:
    """The account a token or code belongs to."""
    row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).first()
    return _account(row) if row else None
