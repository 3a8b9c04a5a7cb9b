"""Streaming: a followed resident's new post reaches the follower as an `update` event,
over Server-Sent Events and over the WebSocket; notifications and deletions too."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading

import httpx
import websockets
from mastodon import Mastodon, StreamListener

from tests.api.conftest import make_resident
from tests.support.instance import running_instance
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
        assert refusal["status"] == 400 and refusal["stream"] == ["nonsense"]
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
    assert refusal == {
        "error": "Unknown stream type: nonsense",
        "status": 400,
        "stream": ["nonsense"],
    }


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


def socket_url(inst, token: str, query: str = "") -> str:
    return (
        inst.base_url.replace("http://", "ws://") + f"/api/v1/streaming?access_token={token}{query}"
    )


async def frames_until(socket, wanted, *, deadline: float = EVENT_DEADLINE) -> list[dict]:
    """Frames received until `wanted(frames)` holds, within the deadline."""
    frames: list[dict] = []
    async with asyncio.timeout(deadline):
        while not wanted(frames):
            frames.append(json.loads(await socket.recv()))
    return frames


async def test_refused_streams_are_named_and_the_others_keep_delivering(
    inst, http, ana, bob
) -> None:
    # Given ana's WebSocket with her user stream and a hashtag stream
    await follow(http, ana, bob)
    async with websockets.connect(socket_url(inst, ana.token, "&stream=user")) as socket:
        await socket.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "Vélo"}))
        # When she also asks for a stream this server does not have, a list not hers and
        # a hashtag stream without its tag
        await socket.send(json.dumps({"type": "subscribe", "stream": "public:allow_local_only"}))
        await socket.send(json.dumps({"type": "subscribe", "stream": "list", "list": "12"}))
        await socket.send(json.dumps({"type": "subscribe", "stream": "hashtag:local"}))
        refusals = await frames_until(socket, lambda f: len(f) == 3)
        # Then each refusal names its stream, in Mastodon's error shape
        assert [(r["stream"], r["status"]) for r in refusals] == [
            (["public:allow_local_only"], 400),
            (["list", "12"], 401),
            (["hashtag:local"], 400),
        ]
        assert "public:allow_local_only" in refusals[0]["error"]
        assert all(set(r) == {"error", "status", "stream"} for r in refusals)

        # And both earlier subscriptions still deliver bob's tagged post
        posted = await post(http, bob, "Atelier réparation #velo samedi")
        frames = await frames_until(socket, lambda f: len(f) == 2)
    # The tag as she asked for it (masto.js matches frames to subscriptions by it)
    assert sorted(tuple(f["stream"]) for f in frames) == [("hashtag", "Vélo"), ("user",)]
    assert {json.loads(f["payload"])["id"] for f in frames} == {posted["id"]}


async def test_websocket_unsubscribe_stops_one_stream_only(inst, http, ana, bob) -> None:
    async with websockets.connect(socket_url(inst, ana.token)) as socket:
        for stream in ("public:local", "public"):
            await socket.send(json.dumps({"type": "subscribe", "stream": stream}))
        await socket.send(json.dumps({"type": "unsubscribe", "stream": "public"}))
        # The server reads frames in order: once this one is refused, the others are done
        await socket.send(json.dumps({"type": "subscribe", "stream": "barrier"}))
        await frames_until(socket, lambda f: len(f) == 1)
        await post(http, bob, "Un")
        posted = await post(http, bob, "Deux")
        frames = await frames_until(
            socket, lambda f: any(json.loads(x["payload"])["id"] == posted["id"] for x in f)
        )
    assert {tuple(f["stream"]) for f in frames} == {("public:local",)}


async def sse_lines(response: httpx.Response, wanted) -> list[str]:
    """Lines of an open SSE response until `wanted(lines)` holds."""
    lines: list[str] = []
    async for line in response.aiter_lines():
        lines.append(line)
        if wanted(lines):
            break
    return lines


async def test_sse_heartbeats_on_time_while_the_workers_commit(inst, http, ana, bob) -> None:
    # Given a short heartbeat, and something written every few milliseconds (as the
    # workers do): each commit wakes the stream, which must not put the heartbeat off
    hub = inst.app.state.api_streams
    hub.heartbeat_seconds = 0.3
    stop = asyncio.Event()

    async def keep_writing() -> None:
        while not stop.is_set():
            async with inst.db.write() as conn:
                await conn.exec_driver_sql("SELECT 1")
            # A write every 20 ms until the test says stop (a load, not a wait for it)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.02)

    writer = asyncio.create_task(keep_writing())
    try:
        async with http.stream(
            "GET", "/api/v1/streaming/user", headers=ana.headers, timeout=EVENT_DEADLINE
        ) as stream:
            # Then three heartbeats come within a few seconds
            started = asyncio.get_running_loop().time()
            lines = await asyncio.wait_for(
                sse_lines(stream, lambda ls: ls.count(":thump") == 3), EVENT_DEADLINE
            )
            elapsed = asyncio.get_running_loop().time() - started
    finally:
        stop.set()
        await writer
    assert lines.count(":thump") == 3
    assert elapsed < 3.0


async def test_sse_stream_ends_on_the_server_when_the_client_leaves(inst, http, ana) -> None:
    hub = inst.app.state.api_streams
    hub.heartbeat_seconds = 3600.0
    async with http.stream("GET", "/api/v1/streaming/user", headers=ana.headers) as stream:
        assert stream.status_code == 200
        await wait_for(lambda: hub._events, message="the stream to listen")
    # No event nor heartbeat is due for an hour: the server notices the close by itself
    await wait_for(lambda: not hub._events, timeout=5, message="the stream to end")


async def test_a_deletion_reaches_streams_that_never_sent_the_post(inst, http, ana, bob) -> None:
    # Given bob's post, made before ana opened her streams
    await follow(http, ana, bob)
    first = await post(http, bob, "Je donne une table #meubles")
    url = socket_url(inst, ana.token, "&stream=user")
    async with websockets.connect(url) as socket:
        for request in (
            {"type": "subscribe", "stream": "public:local"},
            {"type": "subscribe", "stream": "hashtag", "tag": "meubles"},
            {"type": "subscribe", "stream": "hashtag", "tag": "jardin"},
        ):
            await socket.send(json.dumps(request))
        # When bob deletes it
        response = await http.delete(f"/api/v1/statuses/{first['id']}", headers=bob.headers)
        assert response.status_code == 200
        # Then every stream that could show it is told, and no other
        frames = await frames_until(socket, lambda f: len(f) == 3)
    assert {f["event"] for f in frames} == {"delete"}
    assert {f["payload"] for f in frames} == {first["id"]}
    assert sorted(tuple(f["stream"]) for f in frames) == [
        ("hashtag", "meubles"),
        ("public:local",),
        ("user",),
    ]


async def test_sse_hashtag_stream(inst, http, ana, bob) -> None:
    async with http.stream(
        "GET", "/api/v1/streaming/hashtag?tag=marche", headers=ana.headers, timeout=EVENT_DEADLINE
    ) as stream:
        reading = asyncio.create_task(sse_events(stream, 1))
        await post(http, bob, "Rien à voir")
        tagged = await post(http, bob, "Le #marché est ouvert")
        [(event, data)] = await asyncio.wait_for(reading, EVENT_DEADLINE)
    assert (event, json.loads(data)["id"]) == ("update", tagged["id"])
    missing = await http.get("/api/v1/streaming/hashtag", headers=ana.headers)
    assert missing.status_code == 400 and "hashtag" in missing.json()["error"]
    unknown = await http.get("/api/v1/streaming?stream=nope", headers=ana.headers)
    assert unknown.status_code == 400 and "nope" in unknown.json()["error"]


async def test_notifications_the_policy_filters_are_not_streamed(inst, http, ana, bob) -> None:
    # Given ana filters those she does not follow, and follows carl only
    carl = await make_resident(inst, http, "carl")
    await follow(http, ana, carl)
    await http.patch(
        "/api/v2/notifications/policy", headers=ana.headers, data={"for_not_following": "filter"}
    )
    async with http.stream(
        "GET", "/api/v1/streaming/user/notification", headers=ana.headers, timeout=EVENT_DEADLINE
    ) as stream:
        reading = asyncio.create_task(sse_events(stream, 1))
        # When bob, then carl, mention her
        await post(http, bob, "@ana coucou")
        await post(http, carl, "@ana bonjour")
        # Then only carl's notification is streamed
        [(event, data)] = await asyncio.wait_for(reading, EVENT_DEADLINE)
    assert event == "notification"
    assert json.loads(data)["account"]["acct"] == "carl"


async def test_the_nearby_list_stream_delivers_new_offers(tmp_path) -> None:
    async with (
        running_instance(tmp_path, latitude=48.6493, longitude=-2.0257, radius_km=3.0) as inst,
        httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as http,
    ):
        ana = await make_resident(inst, http, "ana")
        bob = await make_resident(inst, http, "bob")
        url = socket_url(inst, ana.token)
        async with websockets.connect(url) as socket:
            await socket.send(json.dumps({"type": "subscribe", "stream": "list", "list": "nearby"}))
            # A refused subscription after it: once answered, the list one is in place
            await socket.send(json.dumps({"type": "subscribe", "stream": "barrier"}))
            await frames_until(socket, lambda f: len(f) == 1)
            await post(http, bob, "Une simple note")
            offer = await post(http, bob, "Prête perceuse #offre #pret")
            [frame] = await frames_until(socket, lambda f: len(f) == 1)
    assert frame["stream"] == ["list", "nearby"] and frame["event"] == "update"
    assert json.loads(frame["payload"])["id"] == offer["id"]
