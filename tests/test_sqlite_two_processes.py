"""An instance on SQLite as two OS processes: `fedlocal serve` with `run_workers = false`
beside one `fedlocal worker` (docs/operations.md#several-processes).

Each watches the SQLite file for the other's writes (store/sqlite_watch.py): the worker
stores an activity the web process queued, and the web process streams the post the
worker stored, at once rather than at their next poll. The polls are set to a minute
here, and the stream's heartbeat is 15 s: only the watches explain a post streamed
within 10 s of its POST.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from bench.remote_actor import RemoteInstance
from tests.api.conftest import password_token, register_app
from tests.support.processes import Instance
from tests.support.waiting import wait_for
from tests.test_multiprocess_postgres import (
    READER,
    prepare,
    processes,
    signed_creates,
    streaming,
)

POLL_SECONDS = 60.0
STREAMED_WITHIN_SECONDS = 10.0


async def test_the_worker_process_stores_and_the_web_process_streams_without_waiting_a_poll(
    tmp_path: Path,
) -> None:
    # Given an instance on SQLite whose resident follows a remote actor, served by a web
    # process without workers beside a worker process, both polling once a minute
    inst = Instance(tmp_path, "nord", run_workers=False, worker_poll_seconds=POLL_SECONDS)
    remote = RemoteInstance(("alice",))
    actor = remote.actors[0]
    try:
        await prepare(inst, actor)
        async with processes(inst, ["serve"], ["worker"]) as (web, worker):
            await web.wait_until_answering(f"{inst.base_url}/.well-known/nodeinfo")
            async with httpx.AsyncClient(
                base_url=inst.base_url, timeout=20, trust_env=False
            ) as client:
                token = await password_token(client, await register_app(client), READER)
                auth = {"Authorization": f"Bearer {token}"}
                # and a streaming client of the federated timeline on the web process
                async with streaming(client, "/api/v1/streaming/public", auth) as events:
                    # When the remote actor's signed Create reaches the web process
                    [(headers, body)] = signed_creates(actor, f"{inst.base_url}/inbox", 1)
                    answer = await client.post("/inbox", content=body, headers=headers)
                    assert answer.status_code == 202, answer.text

                    # Then the worker process stores the post and the web process streams
                    # it, long before a poll or a heartbeat
                    await wait_for(
                        lambda: any(e["uri"].endswith("/statuses/1000") for e in events),
                        timeout=STREAMED_WITHIN_SECONDS,
                        message="the post stored by the worker process, streamed",
                    )
            assert worker.running, worker.log_tail()
    finally:
        remote.close()
