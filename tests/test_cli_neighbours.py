"""`fedlocal neighbours add|list|remove` and `fedlocal group create`, as an admin runs them:
real subprocesses against two instances serving as separate processes on loopback.

Each command writes to its instance's database and exits; the serving process's workers
deliver what it queued. The tests watch the other side through read-only views of its
SQLite file and through its own `neighbours list`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.support.processes import CliResult, Instance, free_port
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

AP = "application/activity+json"
DELIVERY_DEADLINE = 20.0
BLOCKED = "nuisance.example"


class Quarters:
    def __init__(self, intra: Instance, parame: Instance):
        self.intra, self.parame = intra, parame

    @staticmethod
    def instance_actor(instance: Instance) -> str:
        return f"{instance.base_url}/actor"


@pytest.fixture(scope="module")
def quarters(tmp_path_factory) -> Iterator[Quarters]:
    """Intra-Muros (with a resident, anne, and a blocklist) and Paramé, both serving."""
    intra = Instance(tmp_path_factory.mktemp("intra"), "intra", blocked_domains=[BLOCKED])
    parame = Instance(tmp_path_factory.mktemp("parame"), "parame")

    async def setup() -> None:
        await intra.create_user("anne")
        await asyncio.gather(intra.start(), parame.start())

    async def teardown() -> None:
        await asyncio.gather(intra.stop(), parame.stop())

    try:
        asyncio.run(setup())
        yield Quarters(intra, parame)
    finally:
        asyncio.run(teardown())


def one_line_error(result: CliResult) -> str:
    """The single line a refused command prints on stderr: no traceback."""
    assert result.returncode == 1, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    assert len(result.stderr_lines) == 1, result.describe()
    return result.stderr_lines[0]


def line_about(result: CliResult, domain: str) -> str:
    lines = [line for line in result.stdout.splitlines() if line.startswith(domain)]
    assert len(lines) == 1, result.describe()
    return lines[0]


async def follow_state(instance: Instance, follower: str, followed: str) -> str | None:
    async with instance.store() as store:
        return await store.follow_state(follower, followed)


async def wait_for_state(instance: Instance, follower: str, followed: str, state: str | None):
    async def reached() -> bool:
        return await follow_state(instance, follower, followed) == state

    await wait_for(
        reached,
        timeout=DELIVERY_DEADLINE,
        message=f"{follower} → {followed} to be {state} on {instance.name}",
    )


async def test_neighbours_add_list_and_remove(quarters: Quarters):
    intra, parame = quarters.intra, quarters.parame
    intra_actor, parame_actor = quarters.instance_actor(intra), quarters.instance_actor(parame)

    # When Intra-Muros's admin links Paramé
    added = await intra.cli("neighbours", "add", parame.domain)

    # Then the command prints the link, waiting for Paramé's approval
    line = line_about(added, parame.domain)
    assert parame_actor in line
    assert "waiting for their approval" in line
    assert "they do not follow us" in line

    # And Paramé receives the request, which waits for its admin
    await wait_for_state(parame, intra_actor, parame_actor, "pending")
    listed = await parame.cli("neighbours", "list")
    assert "they asked to link" in line_about(listed, intra.domain)

    # When Paramé's admin links back (approving the request)
    await parame.cli("neighbours", "add", intra.domain)

    # Then both directions are accepted, and each side lists the other as linked both ways
    await wait_for_state(parame, intra_actor, parame_actor, "accepted")
    await wait_for_state(parame, parame_actor, intra_actor, "accepted")
    await wait_for_state(intra, intra_actor, parame_actor, "accepted")
    await wait_for_state(intra, parame_actor, intra_actor, "accepted")
    for instance, other in ((intra, parame), (parame, intra)):
        listed = await instance.cli("neighbours", "list")
        line = line_about(listed, other.domain)
        assert "(linked; they see our posts)" in line, listed.describe()
        assert quarters.instance_actor(other) in line

    # When Intra-Muros's admin removes the link
    removed = await intra.cli("neighbours", "remove", parame.domain)

    # Then the command says so, and Paramé sees the link gone both ways: our Undo ended
    # its record of our follow, our Reject its follow of us
    assert removed.stdout.strip() == f"unlinked {parame.domain} ({parame_actor})"
    await wait_for_state(parame, intra_actor, parame_actor, None)
    await wait_for_state(parame, parame_actor, intra_actor, None)
    for instance in (intra, parame):
        listed = await instance.cli("neighbours", "list")
        assert "no neighbours yet" in listed.stdout, listed.describe()

    # And removing it again is refused in one line
    again = await intra.cli("neighbours", "remove", parame.domain, expect=1)
    assert parame.domain in one_line_error(again)


@pytest.mark.parametrize(
    "target",
    [BLOCKED, f"quartier.{BLOCKED}", f"https://relay.{BLOCKED}/relay"],
)
async def test_a_blocked_domain_is_refused_in_one_line(quarters: Quarters, target: str):
    intra = quarters.intra

    result = await intra.cli("neighbours", "add", target, expect=None)

    line = one_line_error(result)
    assert "blocked" in line
    assert BLOCKED in line
    listed = await intra.cli("neighbours", "list")
    assert BLOCKED not in listed.stdout


async def test_a_link_that_cannot_be_made_is_refused_in_one_line(quarters: Quarters):
    intra = quarters.intra
    nobody = f"127.0.0.1:{free_port()}"  # nothing listens there

    for target, words in (
        (intra.domain, "its own neighbour"),
        ("not a domain/at all", "not a domain"),
        (nobody, nobody),
    ):
        result = await intra.cli("neighbours", "add", target, expect=None)
        assert words in one_line_error(result), result.describe()

    listed = await intra.cli("neighbours", "list")
    assert nobody not in listed.stdout


async def test_group_create_prints_the_groups_handle(quarters: Quarters):
    intra = quarters.intra

    # When the admin creates an association's group moderated by anne
    created = await intra.cli(
        "group", "create", "jardins", "--by", "anne", "--display-name", "Jardins partagés"
    )
    locked = await intra.cli("group", "create", "troc", "--by", "anne", "--approval")

    # Then it prints the group's handle, and the server serves it as a Group
    group_uri = intra.actor_uri("jardins")
    assert created.stdout.strip() == (
        f"created group @jardins@{intra.domain} ({group_uri}), moderated by anne"
    )
    assert f"@troc@{intra.domain}" in locked.stdout
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        documents = [
            (await client.get(uri, headers={"Accept": AP})).json()
            for uri in (group_uri, intra.actor_uri("troc"))
        ]
    assert [d["type"] for d in documents] == ["Group", "Group"]
    assert documents[0]["name"] == "Jardins partagés"
    assert [d["manuallyApprovesFollowers"] for d in documents] == [False, True]


async def test_group_create_refuses_an_unknown_resident_or_a_taken_name(quarters: Quarters):
    intra = quarters.intra

    unknown = await intra.cli("group", "create", "velo", "--by", "nobody", expect=None)
    taken = await intra.cli("group", "create", "anne", "--by", "anne", expect=None)

    assert "nobody" in one_line_error(unknown)
    assert "taken" in one_line_error(taken)
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        response = await client.get(intra.actor_uri("velo"), headers={"Accept": AP})
    assert response.status_code == 404
