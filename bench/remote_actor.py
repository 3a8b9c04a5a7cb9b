"""The "remote" side of the inbox benchmarks: a Mastodon-like instance served on loopback
with a few accounts, and the `Create(Note)` activities they send.

The bodies are a mix, as a shared inbox receives them: mostly public posts from accounts a
resident follows, plus a share addressed to residents (public posts that mention one,
direct messages) and to one of our groups (a member's post that mentions the group, which
the group then announces to its members, as FEP-1b12 and Mastodon do it).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from activitypub import keys as key_codec

AP_TYPE = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
USERNAMES = ("alice", "bruno", "chloe", "david")
# The @context of a Create(Note) as Mastodon 4 sends it.
MASTODON_CONTEXT = [
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
]


class RemoteActor:
    """One account of the remote instance, with its own RSA-2048 key."""

    def __init__(self, base_url: str, username: str) -> None:
        self.username = username
        self.private_key = key_codec.generate_rsa_key()
        self.public_pem = key_codec.public_key_to_pem(self.private_key.public_key())
        self.base_url = base_url
        self.uri = f"{base_url}/users/{username}"
        self.key_id = f"{self.uri}#main-key"

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": "Person",
            "preferredUsername": self.username,
            "name": self.username.capitalize(),
            "inbox": f"{self.uri}/inbox",
            "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "following": f"{self.uri}/following",
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
            "url": f"{self.base_url}/@{self.username}",
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.public_pem},
        }


class RemoteInstance:
    """A Mastodon-like server on loopback, in its own process (`serve` below) so that what
    it answers — actor documents, and the group's announces delivered to it, accepted
    without checking — takes no CPU from the load client's process."""

    def __init__(self, usernames: tuple[str, ...] = USERNAMES) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self.actors = [RemoteActor(self.base_url, name) for name in usernames]
        documents = {f"/users/{a.username}": a.document() for a in self.actors}
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(port)], stdin=subprocess.PIPE
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(documents).encode())
        self.process.stdin.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                self._stats()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the remote instance did not start") from None
                time.sleep(0.05)

    def _stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.base_url}/stats", timeout=5) as answer:  # noqa: S310
            return json.loads(answer.read())

    @property
    def fetches(self) -> int:
        return self._stats()["fetches"]

    @property
    def deliveries(self) -> int:
        return self._stats()["deliveries"]

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


def serve(port: int) -> None:
    """The remote instance's process: actor documents (read as JSON from stdin) by path,
    202 to any POST."""
    documents = json.loads(sys.stdin.read())
    counts = {"fetches": 0, "deliveries": 0}

    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as Mastodon's servers answer: HTTP/1.0 closed the connection after
        # each answer, and every delivery to it paid for a new one.
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, document: Any = None) -> None:
            body = json.dumps(document).encode() if document is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", AP_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("#")[0]
            if path == "/stats":
                self._answer(200, counts)
            elif path in documents:
                counts["fetches"] += 1
                self._answer(200, documents[path])
            else:
                self._answer(404)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            counts["deliveries"] += 1
            self._answer(202)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            # A fedlocal process stopped at the end of a run drops its kept-alive
            # connections, answers in flight included: not worth a traceback.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    Server(("127.0.0.1", port), Handler).serve_forever()


# --- activities ---------------------------------------------------------------------------

_TEXTS = [
    "Je donne une perceuse en bon état, à récupérer rue de la Harpe après 18 h.",
    "Quelqu'un aurait une échelle de 3 m à prêter samedi matin ?",
    "Atelier vélo dimanche 10 h sous le préau de l'école Jean Macé.",
    "Je cherche des bocaux en verre pour les confitures de la fête de quartier.",
]
_TAGS = [(), ("entraide",), (), ()]

# Out of every 50 activities: 4 mention a resident, 3 are direct messages to a resident,
# 3 are posted into a group; the other 40 are public posts to followers.
MIX_PERIOD = 50
MIX = {"mention": range(0, 4), "direct": range(4, 7), "group": range(7, 10)}


def kind_of(status_id: int) -> str:
    slot = status_id % MIX_PERIOD
    for kind, slots in MIX.items():
        if slot in slots:
            return kind
    return "public"


@dataclass(frozen=True)
class Audience:
    """Who here the addressed share of the bodies names: a resident and a group."""

    resident_uri: str
    resident_handle: str  # "@name@host"
    group_uri: str
    group_handle: str


def _mention(uri: str, handle: str) -> tuple[dict[str, str], str]:
    name = handle.split("@")[1]
    link = (
        f'<span class="h-card" translate="no"><a href="{uri}" class="u-url mention">'
        f"@<span>{name}</span></a></span> "
    )
    return {"type": "Mention", "href": uri, "name": handle}, link


def create_note(
    actor: RemoteActor, status_id: int, published: str, audience: Audience | None
) -> bytes:
    """A Create(Note) as Mastodon 4 sends it to a shared inbox; which kind (public, mention,
    direct message, into a group) follows `kind_of(status_id)`."""
    kind = kind_of(status_id) if audience is not None else "public"
    host = actor.base_url.split("://", 1)[1]
    note_uri = f"{actor.uri}/statuses/{status_id}"
    text = _TEXTS[status_id % len(_TEXTS)]
    tags = _TAGS[status_id % len(_TAGS)]
    links = "".join(
        f' <a href="{actor.base_url}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}'
        "</span></a>"
        for t in tags
    )
    tag: list[dict[str, Any]] = [
        {"type": "Hashtag", "href": f"{actor.base_url}/tags/{t}", "name": f"#{t}"} for t in tags
    ]
    followers = f"{actor.uri}/followers"
    to: list[str] = [PUBLIC]
    cc: list[str] = [followers]
    prefix = ""
    if audience is not None and kind != "public":
        if kind == "group":
            uri, handle = audience.group_uri, audience.group_handle
        else:
            uri, handle = audience.resident_uri, audience.resident_handle
        mention, prefix = _mention(uri, handle)
        tag.append(mention)
        if kind == "direct":
            to, cc = [uri], []
        else:
            cc = [followers, uri]
    content = f"<p>{prefix}{text}{links}</p>"
    activity = {
        "@context": MASTODON_CONTEXT,
        "id": f"{note_uri}/activity",
        "type": "Create",
        "actor": actor.uri,
        "published": published,
        "to": to,
        "cc": cc,
        "object": {
            "id": note_uri,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": published,
            "url": f"{actor.base_url}/@{actor.username}/{status_id}",
            "attributedTo": actor.uri,
            "to": to,
            "cc": cc,
            "sensitive": False,
            "atomUri": note_uri,
            "inReplyToAtomUri": None,
            "conversation": f"tag:{host},2025-05-01:objectId={status_id}:objectType=Conversation",
            "content": content,
            "contentMap": {"fr": content},
            "attachment": [],
            "tag": tag,
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
    """Bodies, their senders and their activity ids: the same for every server of a run."""

    ids: list[str]
    bodies: list[bytes]
    senders: list[RemoteActor]
    kind: list[str]  # public, mention, direct or group

    def kinds(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind in self.kind:
            counts[kind] = counts.get(kind, 0) + 1
        return counts


def make_batch(
    actors: list[RemoteActor], first_status: int, count: int, audience: Audience | None
) -> Batch:
    """`count` Creates with status ids from `first_status`, sent in turn by each actor."""
    published = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ids, bodies, senders, kinds = [], [], [], []
    for status in range(first_status, first_status + count):
        actor = actors[status % len(actors)]
        ids.append(f"{actor.uri}/statuses/{status}/activity")
        bodies.append(create_note(actor, status, published, audience))
        senders.append(actor)
        kinds.append(kind_of(status) if audience is not None else "public")
    return Batch(ids, bodies, senders, kinds)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
