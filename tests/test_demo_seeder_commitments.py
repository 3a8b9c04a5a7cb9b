"""The demo seeder's commitment to a group purchase on another instance: the Offer goes
once, the seeder waits until its server accepts it (and gives up, saying so, only past
its deadline), a second run sends nothing again, and a refusal is reported, not waited
for. The other instance is a stub server answering as a fedlocal would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fedlocal.cli.demo import seeder as seeder_module
from fedlocal.cli.demo.ledger import Ledger
from fedlocal.cli.demo.seed import Commitment, Seed
from fedlocal.cli.demo.seeder import DemoInstance, OfferedCommitment, Seeder
from fedlocal.cli.demo.servers import Server
from fedlocal.services import group_purchases as purchases
from fedlocal.services.errors import ServiceError
from tests.services.sharing_support import AREA, deliver_and_process, resident, send_out
from tests.services.test_group_purchase_federation import answer, purchase_elsewhere
from tests.support.instance import running_instance


@pytest.fixture
async def inst(tmp_path, stub):
    async with running_instance(tmp_path / "servan", run_workers=False, area=AREA) as instance:
        yield instance


def _instance(name: str, tmp_path: Path, config, ledger: dict[str, str], federation=None):
    path = tmp_path / f"{name}.toml"
    return DemoInstance(
        name=name,
        config_path=path,
        config=config,
        seed=Seed(),
        server=Server(path, config),
        ledger=Ledger(tmp_path / f"{name}-seed.json", ledger),
        federation=federation,
    )


async def _demo(inst, stub, tmp_path: Path):
    """Saint-Servan (the instance under test, Karim a resident) and Paramé (the stub
    server, whose ledger names its honey purchase `miel`), the purchase arrived here
    (as the demo's neighbour link brings it: here, Karim follows the farm)."""
    karim = await resident(inst.federation, "karim")
    farm = stub.add_actor("farm")
    copy = await purchase_elsewhere(inst, stub, karim, farm)
    here = _instance("saint-servan", tmp_path, inst.config, {}, inst.federation)
    parame = _instance("parame", tmp_path, inst.config, {"miel": copy.uri})
    await send_out(inst)
    stub.received.clear()
    return Seeder([parame, here], date.today()), here, farm, karim, copy


async def test_the_seeder_offers_once_and_waits_for_the_accept(inst, stub, tmp_path, monkeypatch):
    seeder, here, farm, karim, copy = await _demo(inst, stub, tmp_path)
    seeded = Commitment(author="karim", purchase="parame:miel", quantity="4")

    # Karim's commitment goes to the farm's server as an Offer, pending here
    offered: list[OfferedCommitment] = []
    await seeder.commit(here, seeded, offered)
    await send_out(inst)
    [offer] = stub.received_of_type("Offer")
    assert [(o.post_id, o.actor_id) for o in offered] == [(copy.id, karim.id)]
    assert (await purchases.my_commitment(inst.services, karim, copy.id)).state == "pending"

    # Unanswered, the seeder does not go on: it gives up past its deadline, saying what
    monkeypatch.setattr(seeder_module, "COMMITMENT_DEADLINE_SECONDS", 0.3)
    with pytest.raises(ServiceError, match="commitments to group purchases elsewhere"):
        await seeder.wait_for_answers(offered)

    # Once the farm's server accepts, the wait ends, the commitment counted
    monkeypatch.setattr(seeder_module, "COMMITMENT_DEADLINE_SECONDS", 20.0)
    await deliver_and_process(
        inst, stub, farm, answer(farm, "Accept", offer.body["id"], quantity="4")
    )
    await seeder.wait_for_answers(offered)
    held = await purchases.my_commitment(inst.services, karim, copy.id)
    assert (held.state, held.quantity_milli) == ("accepted", 4_000)

    # The demo runs again: nothing is offered twice, the commitment stays as it is
    stub.received.clear()
    again: list[OfferedCommitment] = []
    await seeder.commit(here, seeded, again)
    await seeder.wait_for_answers(again)
    await send_out(inst)
    assert stub.received_of_type("Offer") == []
    kept = await purchases.my_commitment(inst.services, karim, copy.id)
    assert (kept.state, kept.activity_uri) == ("accepted", held.activity_uri)


async def test_a_refused_commitment_is_reported_not_waited_for(inst, stub, tmp_path, capsys):
    seeder, here, farm, karim, copy = await _demo(inst, stub, tmp_path)
    offered: list[OfferedCommitment] = []
    await seeder.commit(
        here, Commitment(author="karim", purchase="parame:miel", quantity="40"), offered
    )
    await send_out(inst)
    [offer] = stub.received_of_type("Offer")
    await deliver_and_process(
        inst, stub, farm, answer(farm, "Reject", offer.body["id"], content="only 30 remain")
    )

    await seeder.wait_for_answers(offered)

    assert "karim's commitment to parame:miel was not accepted: only 30 remain" in (
        capsys.readouterr().err
    )
