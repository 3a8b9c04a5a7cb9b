"""Plain posts as `Note`s, the way Mastodon writes them."""

from __future__ import annotations

from typing import Any

from ...models import Actor, Post
from ...urls import Urls
from .attachments import attachment_documents
from .common import addressing, hashtag_tags, iso, iso_precise


def note(post: Post, author: Actor, urls: Urls) -> dict[str, Any]:
    """A post as a `Note` object (without `@context`)."""
    to, cc = addressing(post, author)
    document: dict[str, Any] = {
        "id": post.uri,
        "type": post.type,
        "attributedTo": author.uri,
        "content": post.content,
        "published": iso(post.published),
        "url": post.url or post.uri,
        "to": to,
        "cc": cc,
        "sensitive": post.sensitive,
        "tag": hashtag_tags(list(post.hashtags), urls) + mention_tags(post),
    }
    if post.language:
        document["contentMap"] = {post.language: post.content}
    if post.summary:
        document["summary"] = post.summary
    if post.name:
        document["name"] = post.name
    if post.in_reply_to_uri:
        document["inReplyTo"] = post.in_reply_to_uri
    if post.edited_at:
        document["updated"] = iso_precise(post.edited_at)
    if post.attachments:
        document["attachment"] = attachment_documents(post)
    return document


def mention_tags(post: Post) -> list[dict[str, Any]]:
    """`Mention` tags: Mastodon notifies a mentioned actor only with one (and only when the
    actor is also addressed)."""
    return [
        {"type": "Mention", "href": mention.href, "name": mention.name}
        for mention in post.mentions
        if mention.name
    ]
