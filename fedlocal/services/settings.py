"""A resident's own settings: display name, home quarter, language, password."""

from __future__ import annotations

from ..formatting import field_value_html, text_to_html
from ..models import Account, Actor, ProfileField
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import residents as resident_store
from . import outgoing
from .accounts import hash_password, validate_password
from .context import ServiceContext
from .errors import InvalidInput, NotFound
from .login import check_password

DISPLAY_NAME_MAX = 100
# Mastodon's limits: a bio of 500 characters, four fields of 255 each side.
NOTE_MAX = 500
FIELDS_MAX = 4
FIELD_PART_MAX = 255


async def update_profile(
    ctx: ServiceContext,
    account: Account,
    *,
    display_name: str,
    quarter: str | None,
    locked: bool | None = None,
) -> Actor:
    """Change a resident's display name (their username when left empty), home quarter
    and, when `locked` is given, whether they approve new followers themselves. A new
    name or lock is sent to their followers' servers as an `Update` of their actor."""
    name = " ".join(display_name.split())
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidInput(
            "a display name has at most %(max)s characters",
            max=DISPLAY_NAME_MAX,
            field="display_name",
        )
    found = None
    if quarter and quarter.strip():
        found = ctx.config.find_quarter(quarter)
        if found is None:
            raise InvalidInput("unknown quarter '%(quarter)s'", quarter=quarter, field="quarter")
    async with ctx.db.write() as conn:
        actor = await actor_store.get_actor(conn, account.actor_id)
        if actor is None:
            raise NotFound("no such account")
        await resident_store.update_profile(
            conn,
            actor.id,
            display_name=name or actor.username,
            home_quarter=found.name if found is not None else None,
            manually_approves_followers=locked,
        )
        updated = await actor_store.get_actor(conn, actor.id)
        assert updated is not None
        if (updated.display_name, updated.manually_approves_followers) != (
            actor.display_name,
            actor.manually_approves_followers,
        ):
            # Followers' servers show the name they were last told: tell them.
            await ctx.outbox.send(conn, outgoing.ProfileUpdated(updated))
    return updated


async def set_language(ctx: ServiceContext, account: Account, language: str) -> None:
    if language not in ctx.config.languages:
        raise InvalidInput(
            "language is one of %(choices)s",
            choices=", ".join(ctx.config.languages),
            field="language",
        )
    async with ctx.db.write() as conn:
        await resident_store.set_locale(conn, account.id, language)


async def change_password(
    ctx: ServiceContext, account: Account, *, current: str, new: str, address: str
) -> None:
    """Replace the password, once the current one is given right. The current password is
    checked under the login limit (from the client address `address`): a stolen session
    must not become a way to guess it. Raises TooManyAttempts or Busy as a login does."""
    async with ctx.db.read() as conn:
        fresh = await resident_store.get_account(conn, account.id)
    if fresh is None:
        raise NotFound("no such account")
    if not await check_password(ctx, fresh, current, address=address):
        raise InvalidInput("the current password is wrong", field="current_password")
    try:
        validate_password(new)
    except InvalidInput as exc:
        raise InvalidInput(exc.template, field="new_password", **exc.params) from None
    password_hash = await hash_password(new)
    async with ctx.db.write() as conn:
        await account_store.set_password_hash(conn, account.id, password_hash)


async def update_about(
    ctx: ServiceContext,
    account: Account,
    *,
    note: str | None = None,
    fields: list[tuple[str, str]] | None = None,
) -> Actor:
    """Change a resident's bio (`note`, plain text: its links and hashtags linked) and
    profile fields (up to four name/value pairs; a web address in a value is linked with
    `rel="me"`); None leaves either as it is. Followers' servers get an `Update` of the
    actor when something changed."""
    if note is not None and len(note.strip()) > NOTE_MAX:
        raise InvalidInput("a bio has at most %(max)s characters", max=NOTE_MAX, field="note")
    wanted = _fields(fields) if fields is not None else None
    async with ctx.db.write() as conn:
        actor = await actor_store.get_actor(conn, account.actor_id)
        if actor is None:
            raise NotFound("no such account")
        text = note.strip() if note is not None else actor.note_source
        summary = (
            (text_to_html(text, ctx.urls).html if text else "")
            if note is not None
            else actor.summary
        )
        chosen = wanted if wanted is not None else actor.fields
        if (summary, chosen) == (actor.summary, actor.fields):
            return actor
        await resident_store.update_about(
            conn, actor.id, summary=summary, note_source=text or None, fields=chosen
        )
        updated = await actor_store.get_actor(conn, actor.id)
        assert updated is not None
        await ctx.outbox.send(conn, outgoing.ProfileUpdated(updated))
    return updated


def _fields(pairs: list[tuple[str, str]]) -> tuple[ProfileField, ...]:
    kept = [(n.strip(), v.strip()) for n, v in pairs if n.strip() or v.strip()]
    if len(kept) > FIELDS_MAX:
        raise InvalidInput(
            "a profile has at most %(max)s fields", max=FIELDS_MAX, field="fields_attributes"
        )
    if any(len(n) > FIELD_PART_MAX or len(v) > FIELD_PART_MAX for n, v in kept):
        raise InvalidInput(
            "a profile field has at most %(max)s characters on each side",
            max=FIELD_PART_MAX,
            field="fields_attributes",
        )
    return tuple(ProfileField(name=n, value=field_value_html(v), source=v) for n, v in kept)
