"""Ctrl-C on `fedlocal serve` while a Mastodon app holds a stream open.

uvicorn's graceful shutdown waits for every response to finish; an event stream never
finishes by itself, so the server must end it. A clean end is a complete chunked body;
a stream cut by force (the backstop timeout, or SIGKILL) is not.
"""

from __future__ import annotations

import asyncio

import httpx

from tests.support.processes import PASSWORD, Instance

READ_DEADLINE_SECONDS = 30.0


async def test_ctrl_c_ends_open_streams_and_the_server_exits_cleanly(tmp_path) -> None:
    # Given a running instance and ana's app listening to her user stream
    instance = Instance(tmp_path, "quartier")
    await instance.create_user("ana")
    await instance.start()
    try:
        async with httpx.AsyncClient(
            base_url=instance.base_url, timeout=READ_DEADLINE_SECONDS, trust_env=False
        ) as http:
            app = (
                await http.post(
                    "/api/v1/apps",
                    data={"client_name": "Tusky", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
                )
            ).json()
            token = (
                await http.post(
                    "/oauth/token",
                    data={
                        "grant_type": "password",
                        "client_id": app["client_id"],
                        "client_secret": app["client_secret"],
                        "username": "ana",
                        "password": PASSWORD,
                        "scope": "read",
                    },
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            async with http.stream("GET", "/api/v1/streaming/user", headers=headers) as stream:
                assert stream.status_code == 200
                chunks = stream.aiter_text()
                assert (await anext(chunks)).startswith(":)")

                # When the admin presses Ctrl-C
                stopping = asyncio.create_task(instance.stop())

                # Then the stream ends as a complete response (not cut: that would raise)
                rest = [chunk async for chunk in chunks]
                assert all(chunk.startswith(":") for chunk in rest if chunk)

            # And the server exits by itself, as after any Ctrl-C (130, not SIGKILL's -9)
            assert await stopping == 130
    finally:
        await instance.stop()
