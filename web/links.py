"""Links between the web app's pages."""

from __future__ import annotations

from urllib.parse import quote

from fedlocal.models import Actor, Post


def post_path(post: Post) -> str:
    return f"/posts/{post.id}"


def actor_link(actor: Actor) -> str:
    """Where to read about someone: our page for our own people and groups, theirs for
    anyone else."""
    if actor.role == "group":
        return f"/groups/{quote(actor.username, safe='')}"
    if actor.is_local:
        return f"/@{quote(actor.username, safe='')}"
    return actor.url or actor.uri
