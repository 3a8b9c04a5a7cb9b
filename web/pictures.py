"""Which pictures a page may show: only our own files (uploads, and our copies of what
other servers sent). A visitor's browser never loads anything from another server, so an
address that is not under our `/media/` is never put in a page, whatever a remote
document or a bug upstream left in the model."""

from __future__ import annotations

from dataclasses import dataclass

from fedlocal.models import Actor, Attachment, Post


@dataclass(frozen=True)
class Pictures:
    """Templates' `pictures`: a post's photos and an actor's avatar and header."""

    # Where our files are served: `{base_url}/media/`.
    prefix: str

    def ours(self, url: str | None) -> bool:
        return bool(url) and str(url).startswith(self.prefix)

    def of(self, post: Post) -> list[Attachment]:
        """The post's photos we hold, in order."""
        return [a for a in post.attachments if self.ours(a.url)]

    def has_small(self, attachment: Attachment) -> bool:
        return self.ours(attachment.preview_url) and bool(
            attachment.preview_width and attachment.preview_height
        )

    def avatar(self, actor: Actor | None) -> str | None:
        """The address of the actor's avatar (our small copy), or None."""
        if actor is None:
            return None
        for url in (actor.avatar_small_url, actor.icon_url):
            if self.ours(url):
                return url
        return None

    def header(self, actor: Actor) -> tuple[str, str | None] | None:
        """The header image's (large, small) addresses, or None."""
        large = actor.header_large_url or actor.image_url
        if not self.ours(large):
            return None
        assert large is not None
        small = actor.header_small_url if self.ours(actor.header_small_url) else None
        return large, small
