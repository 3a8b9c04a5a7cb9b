"""`fedlocal demo` with the shipped `instances/` configuration, moved to free ports.

Runs the demo the way `make demo` does — one process that starts every instance as its
own `fedlocal serve` — and checks what it promises: the summary within 60 s, every printed
URL answering, the three quarters linked as neighbours, seeded life crossing between them
(an offer of Paramé on Saint-Malo, a gardening group with members on two instances, an RSVP
across instances, a commitment from Saint-Servan counted in Paramé's firewood purchase),
Ctrl-C stopping everything, and a second run keeping the data without
creating anything twice. Also checks the shipped seed itself, without servers.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from itertools import permutations
from pathlib import Path

import httpx
import pytest

from fedlocal.cli.demo import SUMMARY_END, discover
from fedlocal.cli.demo.seed import Seed, check_seeds, read_seed
from fedlocal.config import Config, ConfigError, load_config
from fedlocal.services.group_purchases import parse_quantity
from fedlocal.store import group_purchases as purchase_store
from fedlocal.urls import Urls
from tests.support.cli_forks import as_from_a_terminal
from tests.support.processes import child_env, free_ports, open_store
from tests.support.waiting import wait_for

INSTANCES = Path(__file__).resolve().parents[2] / "instances"
SUMMARY_DEADLINE = 60.0
EXIT_DEADLINE = 20.0
CROSSING_DEADLINE = 20.0
GROUP = "jardins-partages"
FIREWOOD = "parame:bois"


def copy_on_free_ports(target: Path) -> dict[str, str]:
    """Copy the demo configs and seeds, moving every loopback port; old → new netloc."""
    (target / "seed").mkdir(parents=True)
    configs = sorted(INSTANCES.glob("*.toml"))
    netlocs = {}
    for path, port in zip(configs, free_ports(len(configs)), strict=True):
        base_url = tomllib.loads(path.read_text("utf-8"))["base_url"]
        old = base_url.split("://", 1)[1]
        assert old.startswith("127.0.0.1:"), f"{path.name}: the demo should run on loopback"
        netlocs[old] = f"127.0.0.1:{port}"
    sources = [*configs, *sorted((INSTANCES / "seed").glob("*.toml"))]
    for source in sources:
        text = source.read_text("utf-8")
        for old, new in netlocs.items():
            text = re.sub(rf"{re.escape(old)}(?!\d)", new, text)
        (target / source.relative_to(INSTANCES)).write_text(text, "utf-8")
    return netlocs


def port_closed(url: str) -> bool:
    parts = httpx.URL(url)
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((parts.host, parts.port)) != 0


def child_pids(pid: int) -> set[int]:
    """Direct children of `pid` (Linux /proc)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.add(int(stat.parent.name))
    return children


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class DemoRun:
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(encoding="utf-8", errors="replace")

    def describe(self) -> str:
        errors = self.stderr.read_text(encoding="utf-8", errors="replace")
        return f"--- demo stdout ---\n{self.output()}\n--- demo stderr ---\n{errors[-4000:]}"

    async def summary(self) -> str:
        await wait_for(
            lambda: SUMMARY_END in self.output() or self.process.poll() is not None,
            timeout=SUMMARY_DEADLINE,
            message="the demo summary",
        )
        assert self.process.poll() is None, self.describe()
        return self.output()

    async def interrupt(self) -> None:
        """Ctrl-C: the demo exits 0, its servers are gone and their ports closed."""
        children = child_pids(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        await wait_for(
            lambda: self.process.poll() is not None,
            timeout=EXIT_DEADLINE,
            message="the demo to exit",
        )
        assert self.process.returncode == 0, self.describe()
        await wait_for(
            lambda: not any(alive(pid) for pid in children),
            timeout=EXIT_DEADLINE,
            message="every serve process to exit",
        )


class Demo:
    """The demo's directory (configs, seeds, data) and its runs."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.directory = tmp_path / "instances"
        copy_on_free_ports(self.directory)
        self.runs: list[DemoRun] = []
        self.configs: dict[str, Config] = {
            path.stem: load_config(path, environ={})
            for path in sorted(self.directory.glob("*.toml"))
        }
        self.seeds: dict[str, Seed] = {
            name: read_seed(self.directory / "seed" / f"{name}.toml") for name in self.configs
        }

    def start(self) -> DemoRun:
        number = len(self.runs) + 1
        stdout = self.tmp_path / f"demo-{number}.out"
        stderr = self.tmp_path / f"demo-{number}.err"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "fedlocal", "demo", "--instances", str(self.directory)],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=child_env(),
                start_new_session=True,  # its own process group, so a failed test cleans up
                preexec_fn=as_from_a_terminal,
            )
        run = DemoRun(process, stdout, stderr)
        self.runs.append(run)
        return run

    def store(self, name: str):
        return open_store(self.configs[name].database_url)

    def actor_uri(self, name: str, username: str) -> str:
        return f"{self.configs[name].base_url}/users/{username}"

    def ledger(self, name: str) -> dict[str, str]:
        """What the demo recorded as published on `name` (seed id → post URI)."""
        path = self.configs[name].data_dir / "demo-seed.json"
        return json.loads(path.read_text("utf-8"))["published"]

    def commitments_to(self, purchase: str) -> list[tuple[str, str, int]]:
        """Every seeded commitment to `purchase` (`instance:id`), from any instance:
        (instance, username, quantity in thousandths)."""
        owner, item_id = purchase.split(":")
        return [
            (name, entry.author, parse_quantity(entry.quantity, whole=False))
            for name, seed in self.seeds.items()
            for entry in seed.commitments
            if entry.purchase in (purchase, *((item_id,) if name == owner else ()))
        ]

    async def purchase_totals(self, name: str, uri: str) -> tuple[int, int]:
        """(total committed in thousandths, committers) of the purchase at `uri`, as
        `name` holds it."""
        async with self.store(name) as store:
            post = await store.post(uri)
            assert post is not None, f"{uri} is not on {name}"
            async with store.read() as conn:
                purchase = await purchase_store.get(conn, post.id)
        assert purchase is not None
        return purchase.committed_milli, purchase.committers

    async def commitment(self, name: str, uri: str, username: str) -> tuple[str, int] | None:
        """(state, quantity in thousandths) of `username`'s commitment, a resident of
        `name`, to the purchase at `uri` as `name` holds it."""
        async with self.store(name) as store:
            post = await store.post(uri)
            actor_id = await store.actor_id(self.actor_uri(name, username))
            if post is None or actor_id is None:
                return None
            async with store.read() as conn:
                held = await purchase_store.get_commitment(conn, post.id, actor_id)
        return (held.state, held.quantity_milli) if held else None

    async def local_posts(self) -> dict[str, list[tuple[str, str]]]:
        """Per instance, its own posts as (uri, title or text)."""
        found = {}
        for name in self.configs:
            async with self.store(name) as store:
                posts = await store.local_posts()
            found[name] = [(post.uri, post.name or post.source or "") for post in posts]
        return found


@pytest.fixture
def demo(tmp_path: Path):
    demo = Demo(tmp_path)
    try:
        yield demo
    finally:
        for run in demo.runs:
            if run.process.poll() is None:
                os.killpg(run.process.pid, signal.SIGKILL)
                run.process.wait()


@pytest.mark.e2e
async def test_demo_runs_seeds_links_and_restarts_without_duplicates(demo: Demo) -> None:
    # Given: the demo up, its summary printed
    first = demo.start()
    output = await first.summary()
    configs = demo.configs
    assert set(configs) == {"saint-malo", "parame", "saint-servan"}

    # Then: it names every instance's URL, community and logins (admins marked)
    printed = re.findall(r"https?://\S+", output)
    for name, config in configs.items():
        assert f"{config.base_url}/" in printed, first.describe()
        assert f"@{config.community_username}@{config.domain}" in output
        for person in demo.seeds[name].residents:
            login = f"{person.username} / {person.password}"
            assert re.search(rf"{re.escape(login)}\s+\(admin\)" if person.admin else login, output)
    assert f"{configs['saint-servan'].base_url}/@{GROUP}" in printed

    # And: every printed URL answers
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        for url in printed:
            response = await client.get(url)
            assert response.status_code == 200, f"{url}: {response.status_code}"
        # And: each quarter's legal pages are filled in, in French
        for config in configs.values():
            for page in ("notice", "privacy", "accessibility"):
                response = await client.get(
                    f"{config.base_url}/legal/{page}", headers={"Accept-Language": "fr"}
                )
                assert "Ville de Saint-Malo" in response.text, page
                assert "[à compléter]" not in response.text, page

    # And: the town hall's pinned announcement tops Saint-Malo's landing page, with its badge
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        landing = (await client.get(f"{configs['saint-malo'].base_url}/")).text
    assert 'id="section-pinned"' in landing
    assert "Mairie de Saint-Malo" in landing and "Fête de quartier" in landing
    assert "tag-org" in landing

    # And: Paramé's "Commerces et producteurs" shows both producers with their hours,
    # address, wares and current offers, the firewood group purchase and the farm's baskets
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        french = {"Accept-Language": "fr"}
        shops_page = (await client.get(f"{configs['parame'].base_url}/shops", headers=french)).text
    producers = [p for p in demo.seeds["parame"].residents if p.organization == "producer"]
    for producer in producers:
        card = shops_page.split(producer.display_name, 1)[1].split('<li class="card">', 1)[0]
        assert producer.address in card and producer.sells in card
        assert "Horaires" in card
    farm = shops_page.split("La Ferme de Rothéneuf", 1)[1].split('<li class="card">', 1)[0]
    assert "Bois de chauffage" in farm and "Paniers de légumes" in farm

    # And: the association of Saint-Servan pinned its note, and Saint-Malo, a linked
    # neighbour, shows it on top too
    async def amicale_on_top() -> bool:
        async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
            page = (await client.get(f"{configs['saint-malo'].base_url}/")).text
        pinned = page[page.find('id="section-pinned"') :]
        return "Amicale laïque de Saint-Servan" in pinned

    await wait_for(amicale_on_top, timeout=CROSSING_DEADLINE, message="the Amicale's pin")

    # And: the three instances are linked as neighbours, both ways
    for here, there in permutations(configs, 2):
        ours, theirs = (Urls(configs[n].base_url).instance_actor for n in (here, there))
        async with demo.store(here) as store:
            assert await store.follow_state(ours, theirs) == "accepted", f"{here} → {there}"
            assert await store.follow_state(theirs, ours) == "accepted", f"{there} → {here}"

    # And: Paramé's offers are seen on Saint-Malo, with their quarter
    offers = [item for item in demo.seeds["parame"].listings if item.kind == "offer"]
    assert offers
    async with demo.store("saint-malo") as store:
        for offer in offers:

            async def on_saint_malo(offer=offer):
                posts = await store.posts_by(demo.actor_uri("parame", offer.author))
                return next((p for p in posts if p.name == offer.title), None)

            post = await wait_for(
                on_saint_malo, timeout=CROSSING_DEADLINE, message=f"{offer.title} on Saint-Malo"
            )
            assert post.kind == "offer" and post.place.name == offer.quarter

    # And: the gardening group of Saint-Servan has members on two instances, and a post of
    # one from Paramé reached it
    group_uri = demo.actor_uri("saint-servan", GROUP)
    async with demo.store("saint-servan") as store:
        members = await store.followers(group_uri)
        assert {httpx.URL(uri).port for uri in members} == {
            httpx.URL(configs[name].base_url).port for name in ("saint-servan", "parame")
        }, members
        troc = demo.ledger("parame")["troc-semis"]
        await wait_for(lambda: store.post(troc), message="the group post on Saint-Servan")

    # And: seeded status changes and an RSVP across instances
    async with demo.store("saint-malo") as store:
        ledger = demo.ledger("saint-malo")
        drill = await store.post(ledger["perceuse"])
        clothes = await store.post(ledger["vetements-bebe"])
        assert drill.listing.status == "reserved"
        assert drill.listing.reserved_for == demo.actor_uri("parame", "gwen")
        assert (clothes.listing.status, clothes.listing.closed_as) == ("closed", "given")

        async def rsvp_accepted() -> bool:
            gwen = demo.actor_uri("parame", "gwen")
            state = await store.participation_state(ledger["nettoyage-sillon"], gwen)
            return state == "accepted"

        await wait_for(
            rsvp_accepted, timeout=CROSSING_DEADLINE, message="Gwenaëlle's RSVP on Saint-Malo"
        )
    # And: Paramé's firewood purchase counts the commitments of its residents and of a
    # resident of Saint-Servan, whose own instance holds it as accepted: the demo waited
    # for that Accept before printing its summary
    firewood = demo.ledger("parame")["bois"]
    committed = demo.commitments_to(FIREWOOD)
    remote = [(name, who, milli) for name, who, milli in committed if name != "parame"]
    assert remote, committed
    expected_total = (sum(milli for *_, milli in committed), len(committed))
    assert await demo.purchase_totals("parame", firewood) == expected_total
    for name, who, milli in remote:
        assert await demo.commitment(name, firewood, who) == ("accepted", milli)
    published = await demo.local_posts()

    # When: Ctrl-C
    await first.interrupt()
    # Then: every port is closed
    assert all(port_closed(config.base_url) for config in configs.values())

    # When: the demo runs again
    second = demo.start()
    await second.summary()

    # Then: the data is kept and nothing was created twice
    assert await demo.local_posts() == published
    for name, posts in published.items():
        titles = [title for _, title in posts]
        assert len(titles) == len(set(titles)), f"{name}: duplicates in {titles}"
        expected = len(demo.seeds[name].publications) + len(demo.seeds[name].interests)
        assert len(posts) == expected, f"{name}: {posts}"
    # And: no commitment was offered or counted twice
    assert await demo.purchase_totals("parame", firewood) == expected_total
    for name, who, milli in remote:
        assert await demo.commitment(name, firewood, who) == ("accepted", milli)

    await second.interrupt()
    assert all(port_closed(config.base_url) for config in configs.values())


def test_shipped_seed_reads_like_three_quarters() -> None:
    instances = {instance.name: instance for instance in discover(INSTANCES)}  # also checks

    assert {i.config.name for i in instances.values()} == {
        "Saint-Malo Intra-Muros",
        "Paramé",
        "Saint-Servan",
    }
    for instance in instances.values():
        config, seed = instance.config, instance.seed
        # Loopback, where the neighbours live, and nothing else of the private ranges.
        assert config.allow_private_addresses == (
            ipaddress.ip_network("127.0.0.0/8"),
            ipaddress.ip_network("::1/128"),
        )
        assert config.signup_mode == "open"
        assert len(config.quarters) >= 3 and config.description
        people = [person for person in seed.residents if person.organization is None]
        assert 3 <= len(people) <= 4
        assert any(person.admin for person in seed.residents)
        assert {item.kind for item in seed.listings} == {"offer", "request"}
        assert seed.events
    # The verified organisations: the town hall with its pinned announcement filed under
    # "Infos de la mairie", a producer and an association
    organizations = {
        person.organization: name
        for name, instance in instances.items()
        for person in instance.seed.residents
        if person.organization
    }
    assert organizations == {
        "town_hall": "saint-malo",
        "producer": "parame",
        "association": "saint-servan",
    }
    # A weekly ride to the Dinan market, and two producers in Paramé
    [ride] = instances["parame"].seed.rides
    assert (ride.destination.startswith("Dinan"), ride.weekday) == (True, 3)
    producers = [p for p in instances["parame"].seed.residents if p.organization == "producer"]
    assert len(producers) == 2
    # Each with its hours, address and wares, and an offer on sale
    for producer in producers:
        assert producer.hours and any(producer.hours) and producer.address and producer.sells
        assert [o for o in instances["parame"].seed.listings if o.author == producer.username]
    [announcement] = [n for n in instances["saint-malo"].seed.notes if n.author == "mairie"]
    assert announcement.pinned and announcement.category == "town-hall"
    saint_servan = instances["saint-servan"].seed
    assert [group.display_name for group in saint_servan.groups] == [
        "Les Jardins partagés de la Côte d'Émeraude"
    ]
    members = {
        (name, follow.author)
        for name, instance in instances.items()
        for follow in instance.seed.follows
        if follow.target in (GROUP, f"saint-servan:{GROUP}")
    }
    assert {name for name, _ in members} == {"saint-servan", "parame"}


def test_a_seed_naming_nobody_is_refused_before_anything_runs(tmp_path: Path) -> None:
    copy_on_free_ports(tmp_path)
    configs = {p.stem: load_config(p, environ={}) for p in sorted(tmp_path.glob("*.toml"))}
    seeds = {name: read_seed(tmp_path / "seed" / f"{name}.toml") for name in configs}
    check_seeds(configs, seeds)

    broken = tmp_path / "seed" / "parame.toml"
    broken.write_text(
        broken.read_text("utf-8") + '\n[[interests]]\nas = "gwen"\nlisting = "saint-malo:yacht"\n',
        "utf-8",
    )
    seeds["parame"] = read_seed(broken)
    with pytest.raises(ConfigError, match="'saint-malo:yacht' is no offer or request"):
        check_seeds(configs, seeds)


@pytest.mark.parametrize(
    ("resident", "refusal"),
    [
        pytest.param(
            'username = "rose"\npassword = "demo-rose-2026"\naddress = "1 rue Haute"\n',
            "only a shop or a producer has hours",
            id="not-a-shop",
        ),
        pytest.param(
            'username = "rose"\npassword = "demo-rose-2026"\norganization = "shop"\n'
            'hours = ["9:00-12:00"]\n',
            "hours are seven texts",
            id="one-day",
        ),
        pytest.param(
            'username = "rose"\npassword = "demo-rose-2026"\norganization = "shop"\n'
            'hours = ["tôt", "", "", "", "", "", ""]\n',
            "hours like 9:00-12:30",
            id="unreadable",
        ),
    ],
)
def test_a_seeds_shop_page_that_cannot_be_saved_is_refused(
    tmp_path: Path, resident: str, refusal: str
) -> None:
    copy_on_free_ports(tmp_path)
    configs = {p.stem: load_config(p, environ={}) for p in sorted(tmp_path.glob("*.toml"))}
    broken = tmp_path / "seed" / "parame.toml"
    broken.write_text(broken.read_text("utf-8") + f"\n[[residents]]\n{resident}", "utf-8")
    seeds = {name: read_seed(tmp_path / "seed" / f"{name}.toml") for name in configs}

    with pytest.raises(ConfigError, match=refusal):
        check_seeds(configs, seeds)


def test_the_demo_seeds_a_firewood_group_purchase_in_parame_from_two_quarters() -> None:
    instances = {instance.name: instance for instance in discover(INSTANCES)}
    seed = instances["parame"].seed
    [firewood] = seed.group_purchases
    assert (firewood.author, firewood.unit, firewood.quarter) == (
        "ferme-rotheneuf",
        "stere",
        "Paramé",
    )
    quarters = {
        (name, person.username): person.quarter
        for name, instance in instances.items()
        for person in instance.seed.residents
    }
    committed = [
        (name, c.author)
        for name, instance in instances.items()
        for c in instance.seed.commitments
        if c.purchase == FIREWOOD or (name == "parame" and c.purchase == firewood.id)
    ]
    assert len({quarters[who] for who in committed}) >= 2
    # At least one from a resident of another instance, committing from there
    assert {name for name, _ in committed} - {"parame"}
