"""Block: someone elsewhere blocks one of our residents (Mastodon sends it to the blocked
account's inbox). The follows between them end both ways and the block is kept, so the
client API shows `blocked_by`. Only the signer's own Block reaches here: the inbox refuses
an activity whose actor is not its signer before it is stored."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import blocks
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    target_uri = id_of(ctx.activity.get("object"))
    if not isinstance(target_uri, str) or not await blocks.receive_block(
        conn, ctx.actor, target_uri, ctx.activity_id
    ):
        raise Ignored("Block of an actor that is not ours")
