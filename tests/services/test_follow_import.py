"""Importing follows from a file shaped like Mastodon's export (`Account address,Show
boosts,Notify on new posts,Languages`) or a bare list: each address is found through
WebFinger and followed; what fails is listed with its reason; the file is bounded; a
second import of the same file skips what is followed already."""

from __future__ import annotations

import pytest

from fedlocal.services import follow_import
from fedlocal.services.errors import InvalidInput
from tests.federation.test_inbox_verbs import follow_between, resident
from tests.support.fixtures import FIXTURES


@pytest.fixture
async def ana(inst):
    return await resident(inst, "ana")


def _mastodon_export(stub) -> bytes:
    text = (FIXTURES / "mastodon/following_accounts.csv").read_text(encoding="utf-8")
    return text.replace("{host}", stub.host).encode()


async def test_a_mastodon_export_is_followed_and_failures_are_listed(inst, stub, ana):
    alice = stub.add_actor("alice")
    bruno = stub.add_actor("bruno")

    report = await follow_import.import_follows(inst.services, ana, _mastodon_export(stub))

    assert report.followed == [alice.handle, bruno.handle]
    assert [address for address, _ in report.failed] == [
        f"nobody@{stub.host}",
        "not an address",
    ]
    assert (await follow_between(inst, ana.uri, alice.uri)).state == "pending"
    assert (await follow_between(inst, ana.uri, bruno.uri)).state == "pending"

    # Sent again, the same file follows nobody twice
    again = await follow_import.import_follows(inst.services, ana, _mastodon_export(stub))
    assert again.followed == [] and again.already == [alice.handle, bruno.handle]


async def test_a_bare_list_with_at_signs_and_blank_lines(inst, stub, ana):
    alice = stub.add_actor("alice")

    report = await follow_import.import_follows(
        inst.services, ana, f"\n@{alice.handle}\n\n{alice.handle}\n".encode()
    )

    assert report.followed == [alice.handle] and report.failed == []


async def test_a_long_list_is_followed_in_batches(inst, stub, ana, monkeypatch):
    monkeypatch.setattr(follow_import, "BATCH", 1)
    alice = stub.add_actor("alice")
    bruno = stub.add_actor("bruno")
    data = f"{alice.handle}\n{bruno.handle}\n".encode()

    first = await follow_import.import_follows(inst.services, ana, data)
    second = await follow_import.import_follows(inst.services, ana, data)

    assert (len(first.followed), first.left) == (1, 1)
    assert (len(second.followed), len(second.already), second.left) == (1, 1, 0)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Account address,Show boosts,Notify on new posts,Languages\n",
        b"\xff\xfe not text",
        "".join(f"a{n}@b.example\n" for n in range(follow_import.MAX_ROWS + 1)).encode(),
        b"x" * (follow_import.MAX_BYTES + 1),
    ],
    ids=["empty", "header only", "not utf-8", "too many rows", "too large"],
)
def test_a_file_that_is_not_a_bounded_list_is_refused(data):
    with pytest.raises(InvalidInput):
        follow_import.parse_follows(data)
