"""The "remote" side of the inbox benchmark: a Mastodon-like actor served on loopback, and
the signed `Create(Note)` activities it sends."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from activitypub import keys as key_codec
from activitypub.httpsig import sign_request

AP_TYPE = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


class RemoteActor:
    """A Mastodon-like account on its own loopback server: serves its actor document."""

    def __init__(self) -> None:
        self.private_key = key_codec.generate_rsa_key()
        self.public_pem = key_codec.public_key_to_pem(self.private_key.public_key())
        self.fetches = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.uri = f"{self.base_url}/users/alice"
        self.key_id = f"{self.uri}#main-key"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": "Person",
            "preferredUsername": "alice",
            "name": "Alice",
            "inbox": f"{self.uri}/inbox",
            "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "following": f"{self.uri}/following",
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
            "url": f"{self.base_url}/@alice",
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.public_pem},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        actor = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path.split("#")[0] != "/users/alice":
                    self.send_error(404)
                    return
                actor.fetches += 1
                body = json.dumps(actor.document()).encode()
                self.send_response(200)
                self.send_header("Content-Type", AP_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- activities ---------------------------------------------------------------------------

_TEXTS = [
    "Je donne une perceuse en bon état, à récupérer rue de la Harpe après 18 h.",
    "Quelqu'un aurait une échelle de 3 m à prêter samedi matin ?",
    "Atelier vélo dimanche 10 h sous le préau de l'école Jean Macé.",
    "Je cherche des bocaux en verre pour les confitures de la fête de quartier.",
]
_TAGS = [(), ("entraide",), (), ()]


def create_note(actor: RemoteActor, status_id: int, published: str) -> bytes:
    """A Create(Note) as Mastodon 4 sends it to a shared inbox (public, followers cc'd)."""
    host = actor.base_url.split("://", 1)[1]
    note_uri = f"{actor.uri}/statuses/{status_id}"
    text = _TEXTS[status_id % len(_TEXTS)]
    tags = _TAGS[status_id % len(_TAGS)]
    links = "".join(
        f' <a href="{actor.base_url}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}'
        "</span></a>"
        for t in tags
    )
    content = f"<p>{text}{links}</p>"
    followers = f"{actor.uri}/followers"
    activity = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {
                "ostatus": "http://ostatus.org#",
                "atomUri": "ostatus:atomUri",
                "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
                "conversation": "ostatus:conversation",
                "sensitive": "as:sensitive",
                "toot": "http://joinmastodon.org/ns#",
                "votersCount": "toot:votersCount",
                "Hashtag": "as:Hashtag",
            },
        ],
        "id": f"{note_uri}/activity",
        "type": "Create",
        "actor": actor.uri,
        "published": published,
        "to": [PUBLIC],
        "cc": [followers],
        "object": {
            "id": note_uri,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": published,
            "url": f"{actor.base_url}/@alice/{status_id}",
            "attributedTo": actor.uri,
            "to": [PUBLIC],
            "cc": [followers],
            "sensitive": False,
            "atomUri": note_uri,
            "inReplyToAtomUri": None,
            "conversation": f"tag:{host},2025-05-01:objectId={status_id}:objectType=Conversation",
            "content": content,
            "contentMap": {"fr": content},
            "attachment": [],
            "tag": [
                {"type": "Hashtag", "href": f"{actor.base_url}/tags/{t}", "name": f"#{t}"}
                for t in tags
            ],
            "replies": {
                "id": f"{note_uri}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{note_uri}/replies?only_other_accounts=true&page=true",
                    "partOf": f"{note_uri}/replies",
                    "items": [],
                },
            },
        },
    }
    return json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Batch:
    """Bodies and their activity ids: the same for fedlocal and the bare endpoint."""

    ids: list[str]
    bodies: list[bytes]


def make_batch(actor: RemoteActor, first_status: int, count: int) -> Batch:
    published = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    bodies = [create_note(actor, first_status + i, published) for i in range(count)]
    ids = [f"{actor.uri}/statuses/{first_status + i}/activity" for i in range(count)]
    return Batch(ids, bodies)


def sign_batch(actor: RemoteActor, url: str, batch: Batch) -> list[tuple[dict[str, str], bytes]]:
    signed = []
    for body in batch.bodies:
        headers = {"Content-Type": AP_TYPE}
        headers |= sign_request(
            "POST", url, headers, body, key_id=actor.key_id, private_key=actor.private_key
        )
        signed.append((headers, body))
    return signed
