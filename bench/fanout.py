"""Fan-out: one post to many followers spread over many remote hosts.

A resident with FOLLOWERS followers on HOSTS loopback hosts (each its own 127.0.x.y,
served by one sink process that verifies every signature, bench/sink.py) publishes a post
through the client API of a real `fedlocal serve` process; the figure is the time from
the API call until every healthy host has answered its one POST to its shared inbox.

Beside it, the raw ceiling: the same number of signed POSTs of the same body, from one
Python process (this one) with the same HTTP client as the server, as fast as it can.
Scenarios: all hosts healthy; 10 % of the hosts hanging (never answering: the server's
timeout ends them); 5 % answering 503; and a tenth of the followers, to show memory does
not grow with the follower count.

    .venv/bin/python bench/fanout.py [--followers 10000 --hosts 1000] [--json FILE]

What the figure leaves out: real networks (loopback has no latency: a real fan-out is
bound by the remote servers' answers, which the pool overlaps), TLS, and DNS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processes import BENCH_DIR, Server, cpu_seconds, free_port, machine  # noqa: E402
from sink import host_name  # noqa: E402

from activitypub import keys as key_codec  # noqa: E402
from activitypub.client import HttpSignatureAuth, post_activity  # noqa: E402
from fedlocal.cli.runtime import open_instance, resident  # noqa: E402
from fedlocal.store import actors as actor_store  # noqa: E402
from fedlocal.store import follows as follow_store  # noqa: E402

AUTHOR = "autrice"
PASSWORD = "bench-password-not-secret"  # noqa: S105 (a throwaway instance)
DEADLINE = 120.0


def write_config(path: Path, *, port: int, data_dir: Path, timeout: float) -> None:
    path.write_text(
        "\n".join(
            [
                'name = "Bench"',
                f'base_url = "http://127.0.0.1:{port}"',
                f'data_dir = "{data_dir}"',
                "allow_private_addresses = true",
                'log_level = "warning"',
                f"http_timeout_seconds = {timeout}",
                "",
            ]
        )
    )


async def seed(config: Path, followers: int, hosts: int, sink_port: int) -> str:
    """The author and her followers (stored as if fetched); returns her public key PEM."""
    async with open_instance(str(config)) as federation:
        author = await resident(federation, AUTHOR)
        for start in range(0, followers, 1000):
            async with federation.db.write() as conn:
                for number in range(start, min(start + 1000, followers)):
                    host = host_name(number % hosts, sink_port)
                    uri = f"http://{host}/users/f{number}"
                    actor = await actor_store.upsert_remote_actor(
                        conn,
                        uri=uri,
                        type="Person",
                        username=f"f{number}",
                        domain=host,
                        inbox_url=f"{uri}/inbox",
                        shared_inbox_url=f"http://{host}/inbox",
                    )
                    await follow_store.upsert_follow(
                        conn,
                        follower_id=actor.id,
                        followed_id=author.id,
                        uri=f"{uri}#follow",
                        state="accepted",
                    )
        async with federation.db.read() as conn:
            key = await actor_store.get_key(conn, federation.urls.main_key(author.uri))
        assert key is not None and key.private_pem is not None
        return key.private_pem


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@dataclass
class FanOut:
    scenario: str
    followers: int
    hosts: int
    healthy_hosts: int
    seconds_to_all_healthy: float
    seconds_from_first_to_last: float
    posts_received: int
    most_posts_to_one_host: int
    bad_signatures: int
    server_cpu_seconds: float
    rss_before_mib: float
    rss_peak_mib: float


class Sink:
    def __init__(
        self, workdir: Path, pem_file: Path, port: int, *, hang_every: int, fail_every: int
    ):
        self.port = port
        command = [sys.executable, str(BENCH_DIR / "sink.py"), str(self.port), str(pem_file),
                   "--hang-every", str(hang_every), "--fail-every", str(fail_every)]  # fmt: skip
        self.server = Server(
            command, f"http://127.0.0.1:{self.port}", "/stats", workdir / "sink.log"
        )

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"http://127.0.0.1:{self.port}/stats", timeout=10).json()


async def token(base_url: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        app = (
            await http.post(
                "/api/v1/apps",
                data={
                    "client_name": "bench",
                    "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                    "scopes": "read write",
                },  # fmt: skip
            )
        ).json()
        answer = await http.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "username": AUTHOR,
                "password": PASSWORD,
                "scope": "read write",
            },  # fmt: skip
        )
        answer.raise_for_status()
        return answer.json()["access_token"]


def run_scenario(
    name: str, workdir: Path, template: Path, args: argparse.Namespace, *,
    followers: int, hosts: int, hang_every: int = 0, fail_every: int = 0,
) -> FanOut:  # fmt: skip
    data_dir = workdir / name
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(template / "data", data_dir)
    port = free_port()
    config = workdir / f"{name}.toml"
    write_config(config, port=port, data_dir=data_dir, timeout=args.timeout)
    sink = Sink(
        workdir,
        template / "key.pem",
        int((template / "sink_port").read_text()),
        hang_every=hang_every,
        fail_every=fail_every,
    )
    healthy = sum(
        1
        for index in range(hosts)
        if not (hang_every and index % hang_every == 0)
        and not (fail_every and index % fail_every == fail_every // 2)
    )
    server = Server(
        [sys.executable, "-m", "fedlocal", "serve", "--config", str(config)],
        f"http://127.0.0.1:{port}",
        "/.well-known/nodeinfo",
        workdir / f"{name}.log",
    )
    try:
        bearer = asyncio.run(token(server.base_url))
        rss_before = rss_kib(server.pid)
        cpu_before = cpu_seconds(server.pid)
        started = time.monotonic()
        response = httpx.post(
            f"{server.base_url}/api/v1/statuses",
            data={"status": "Grande braderie samedi sur la place", "visibility": "public"},
            headers={"Authorization": f"Bearer {bearer}"},
            timeout=30,
        )
        response.raise_for_status()
        deadline = started + DEADLINE
        stats = sink.stats()
        while stats["answered_hosts"] < healthy and time.monotonic() < deadline:
            time.sleep(0.01)
            stats = sink.stats()
        if stats["answered_hosts"] < healthy:
            raise RuntimeError(f"{name}: {stats['answered_hosts']}/{healthy} hosts reached")
        answered = stats["answered"]
        result = FanOut(
            scenario=name,
            followers=followers,
            hosts=hosts,
            healthy_hosts=healthy,
            seconds_to_all_healthy=round(answered[-1] - started, 3),
            seconds_from_first_to_last=round(answered[-1] - answered[0], 3),
            posts_received=stats["posts"],
            most_posts_to_one_host=stats["most_posts_to_one_host"],
            bad_signatures=stats["bad_signatures"],
            server_cpu_seconds=round(cpu_seconds(server.pid) - cpu_before, 2),
            rss_before_mib=round(rss_before / 1024, 1),
            rss_peak_mib=round(rss_kib(server.pid, "VmHWM") / 1024, 1),
        )
    finally:
        server.stop()
        sink.server.stop()
    return result


async def raw_ceiling(template: Path, hosts: int, sink_port: int, concurrency: int) -> float:
    """Seconds for one process to sign and POST one activity to each of `hosts` inboxes."""
    private_key = key_codec.load_private_key_pem((template / "private.pem").read_text())
    auth = HttpSignatureAuth("http://127.0.0.1/users/autrice#main-key", private_key)
    body = json.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Create",
            "id": "http://127.0.0.1/x",
            "actor": "http://127.0.0.1/users/autrice",
            "object": {"type": "Note", "content": "x" * 600},
        }  # fmt: skip
    ).encode()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:

        async def one(index: int) -> int:
            async with semaphore:
                url = f"http://{host_name(index, sink_port)}/inbox"
                return (await post_activity(client, url, body, auth=auth)).status_code

        started = time.monotonic()
        statuses = await asyncio.gather(*(one(i) for i in range(hosts)))
        elapsed = time.monotonic() - started
    # The sink checks signatures against the author's real key, so these are 401s: they
    # cost the sink the same verification; what is measured is the sending side.
    assert all(status in (202, 401) for status in statuses), set(statuses)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=1_000)
    parser.add_argument("--timeout", type=float, default=10.0, help="server's HTTP timeout")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="the healthy scenario only")
    args = parser.parse_args()
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores; code: {info['code']}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-fanout-"))
    try:
        results: list[FanOut] = []
        ceilings: list[float] = []
        for followers, hosts in ((args.followers, args.hosts),
                                 (args.followers // 10, args.hosts // 10)):  # fmt: skip
            template = workdir / f"template-{followers}"
            template.mkdir()
            config = template / "config.toml"
            write_config(config, port=free_port(), data_dir=template / "data", timeout=10)
            (template / "password").write_text(PASSWORD)
            subprocess.run(
                [sys.executable, "-m", "fedlocal", "user", "create", "--config", str(config),
                 AUTHOR, "--password-file", str(template / "password")],
                check=True, stdout=subprocess.DEVNULL, cwd=BENCH_DIR.parent,
            )  # fmt: skip
            sink_port = free_port()  # fixed per template: followers' hosts name it
            (template / "sink_port").write_text(str(sink_port))
            private_pem = asyncio.run(seed(config, followers, hosts, sink_port))
            (template / "private.pem").write_text(private_pem)
            public = key_codec.public_key_to_pem(
                key_codec.load_private_key_pem(private_pem).public_key()
            )
            (template / "key.pem").write_text(public)
            scenarios = [("healthy", {}), ("10% hanging", {"hang_every": 10}),
                         ("5% failing (503)", {"fail_every": 20})]  # fmt: skip
            if followers != args.followers or args.quick:
                scenarios = scenarios[:1]
            for name, options in scenarios:
                label = f"{followers}/{hosts} {name}"
                result = run_scenario(
                    label.replace(" ", "-").replace("/", "-").replace("%", "pc")
                    .replace("(", "").replace(")", ""),
                    workdir, template, args, followers=followers, hosts=hosts,
                    **options,
                )  # fmt: skip
                result.scenario = label
                results.append(result)
                print(json.dumps(asdict(result)), flush=True)
            if args.quick:
                break
            if followers == args.followers:
                # The ceiling against a sink on the same port as the followers' hosts.
                sink = Sink(workdir, template / "key.pem", sink_port, hang_every=0, fail_every=0)
                try:
                    ceilings = [
                        asyncio.run(raw_ceiling(template, hosts, sink.port, 64)) for _ in range(3)
                    ]
                finally:
                    sink.server.stop()
                print(f"raw ceiling, {hosts} signed POSTs: {ceilings}", flush=True)
        figures = {"machine": info, "results": [asdict(r) for r in results],
                   "raw_ceiling_seconds": ceilings}  # fmt: skip
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2))
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
