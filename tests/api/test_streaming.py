"""Streaming: a followed resident's new post reaches the follower as an `update` event,
over Server-Sent Events and over the WebSocket; notifications and deletions too."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import websockets
from mastodon import Mastodon, StreamListener

from tests.support.waiting import wait_for

EVENT_DEADLINE = 10.0


async def follow(http, follower, followed) -> None:
    response = await http.post(
        f"/api/v1/accounts/{followed.actor.id}/follow", headers=follower.headers
    )
    assert response.status_code == 200 and response.json()["following"], response.text


async def post(http, author, text: str) -> dict:
    response = await http.post("/api/v1/statuses", headers=author.headers, data={"status": text})
    assert response.status_code == 200, response.text
    return response.json()


async def sse_events(response: httpx.Response, count: int) -> list[tuple[str, str]]:
    """The first `count` (event, data) pairs of an open SSE response."""
    found: list[tuple[str, str]] = []
    event = data = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: "):
            data = line[len("data: ") :]
        elif line == "" and event is not None:
            found.append((event, data or ""))
            event = data = None
            if len(found) == count:
                return found
    return found


async def test_sse_user_stream_receives_a_followed_residents_post(inst, http, ana, bob) -> None:
    # Given ana follows bob and listens to her user stream
    await follow(http, ana, bob)
    async with http.stream(
        "GET", "/api/v1/streaming/user", headers=ana.headers, timeout=EVENT_DEADLINE
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        reading = asyncio.create_task(sse_events(stream, 4))

        # When bob posts, mentions her, then deletes his first post
        first = await post(http, bob, "Vide-grenier dimanche !")
        await post(http, bob, "@ana tu viens ?")
        await http.delete(f"/api/v1/statuses/{first['id']}", headers=bob.headers)

        # Then she receives the update, the notification and the deletion
        events = await asyncio.wait_for(reading, EVENT_DEADLINE)
    updates = [json.loads(data)["id"] for event, data in events if event == "update"]
    notifications = [json.loads(data) for event, data in events if event == "notification"]
    deletions = [data for event, data in events if event == "delete"]
    assert updates[0] == first["id"] and len(updates) == 2
    assert [n["type"] for n in notifications] == ["mention"]
    assert notifications[0]["account"]["acct"] == "bob"
    assert deletions == [first["id"]]


async def test_websocket_user_stream_with_the_token_as_subprotocol(inst, http, ana, bob) -> None:
    # Given ana follows bob, on the WebSocket, her token as Sec-WebSocket-Protocol
    await follow(http, ana, bob)
    url = inst.base_url.replace("http://", "ws://") + "/api/v1/streaming?stream=user"
    async with websockets.connect(url, subprotocols=[ana.token]) as socket:
        assert socket.subprotocol == ana.token

        # When bob posts
        posted = await post(http, bob, "Qui veut des courgettes ?")

        # Then an update frame arrives, its payload a JSON string
        frame = json.loads(await asyncio.wait_for(socket.recv(), EVENT_DEADLINE))
    assert frame["stream"] == ["user"]
    assert frame["event"] == "update"
    assert isinstance(frame["payload"], str)
    assert json.loads(frame["payload"])["id"] == posted["id"]


async def test_websocket_subscribes_to_the_local_public_stream(inst, http, ana, bob) -> None:
    url = inst.base_url.replace("http://", "ws://") + f"/api/v1/streaming?access_token={ana.token}"
    async with websockets.connect(url) as socket:
        await socket.send(json.dumps({"type": "subscribe", "stream": "public:local"}))
        await socket.send(json.dumps({"type": "subscribe", "stream": "nonsense"}))
        refusal = json.loads(await asyncio.wait_for(socket.recv(), EVENT_DEADLINE))
        assert refusal["status"] == 400
        posted = await post(http, bob, "Fête de quartier samedi")
        frame = json.loads(await asyncio.wait_for(socket.recv(), EVENT_DEADLINE))
    assert frame["stream"] == ["public:local"]
    assert json.loads(frame["payload"])["id"] == posted["id"]


async def test_websocket_survives_a_message_nested_a_hundred_thousand_deep(inst, ana) -> None:
    # json.loads raised RecursionError (no ValueError) and ended the connection.
    url = inst.base_url.replace("http://", "ws://") + f"/api/v1/streaming?access_token={ana.token}"
    async with websockets.connect(url) as socket:
        await socket.send("[" * 100_000)
        await socket.send(json.dumps({"type": "subscribe", "stream": "nonsense"}))
        refusal = json.loads(await asyncio.wait_for(socket.recv(), EVENT_DEADLINE))
    assert refusal == {"error": "Unknown stream type", "status": 400}


async def test_streams_need_a_valid_token(inst, http) -> None:
    response = await http.get("/api/v1/streaming/user")
    assert response.status_code == 401
    health = await http.get("/api/v1/streaming/health")
    assert (health.status_code, health.text) == (200, "OK")
    url = inst.base_url.replace("http://", "ws://") + "/api/v1/streaming?stream=user"
    try:
        async with websockets.connect(url, subprotocols=["not-a-token"]):
            raise AssertionError("the connection should have been refused")
    except websockets.exceptions.InvalidStatus as refused:
        assert refused.response.status_code in (401, 403)


async def test_mastodon_py_stream_user_receives_the_update(inst, http, ana, bob) -> None:
    # Given ana's Mastodon.py client streaming her user stream (SSE, in its own thread)
    await follow(http, ana, bob)
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url)
    received: list = []
    ready = threading.Event()

    class Listener(StreamListener):
        def handle_heartbeat(self):
            ready.set()

        def on_update(self, status):
            received.append(status)

    # A short read timeout: once closed, the client's thread lets go of the connection soon.
    handle = await asyncio.to_thread(client.stream_user, Listener(), run_async=True, timeout=3)
    try:
        await wait_for(lambda: handle.is_receiving(), message="the stream to open")
        # When bob posts
        posted = await post(http, bob, "Atelier vélo à 15 h")
        # Then
        await wait_for(lambda: received, timeout=EVENT_DEADLINE, message="the update event")
    finally:
        handle.close()
    assert str(received[0].id) == posted["id"]


async def test_sse_direct_stream_tells_of_a_conversation(inst, http, ana, bob) -> None:
    # Given ana listens to her direct stream
    async with http.stream(
        "GET", "/api/v1/streaming/direct", headers=ana.headers, timeout=EVENT_DEADLINE
    ) as stream:
        assert stream.status_code == 200
        reading = asyncio.create_task(sse_events(stream, 1))

        # When bob posts a public status, then writes to her directly
        await post(http, bob, "Rien de privé ici")
        response = await http.post(
            "/api/v1/statuses",
            headers=bob.headers,
            data={"status": "@ana tu as une pompe à vélo ?", "visibility": "direct"},
        )
        assert response.status_code == 200, response.text

        # Then a conversation event comes: the thread with bob, its last status his message
        [(event, data)] = await asyncio.wait_for(reading, EVENT_DEADLINE)
    assert event == "conversation"
    conversation = json.loads(data)
    assert conversation["unread"] is True
    assert [a["acct"] for a in conversation["accounts"]] == ["bob"]
    assert conversation["last_status"]["id"] == response.json()["id"]
    listed = await http.get("/api/v1/conversations", headers=ana.headers)
    assert [c["id"] for c in listed.json()] == [conversation["id"]]
