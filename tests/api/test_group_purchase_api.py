"""A Mastodon app sees a group purchase: the status's `fedlocal` object (kind, unit,
price, quantities, deadline, pickup), and the confirmation as an `update` of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from fedlocal.services import group_purchases
from fedlocal.services.group_purchases import PurchaseInput
from fedlocal.services.ride_wording import MONTHS


async def firewood(inst, organiser):
    """`organiser`'s firewood: 85 € the stère, 10 at least, 20 at most, for three days."""
    now = datetime.now(UTC)
    return await group_purchases.propose(
        inst.services,
        organiser,
        PurchaseInput(
            title="Bois de chauffage",
            unit="stere",
            unit_price="85",
            minimum="10",
            maximum="20",
            deadline=now + timedelta(days=3),
            pickup_at=now + timedelta(days=5),
            pickup_place="Parking du marché de Paramé",
        ),
    )


async def test_an_app_sees_the_purchase_and_its_confirmation(inst, http, ana, bob):
    # Given ana's firewood purchase, to which bob committed 12 of at least 10 stères
    post = await firewood(inst, ana.actor)
    await group_purchases.commit(inst.services, bob.actor, post.id, "12")

    # When bob's app reads the status
    status = (await http.get(f"/api/v1/statuses/{post.id}", headers=bob.headers)).json()

    # Then its fedlocal object says what the purchase is and where it stands
    details = status["fedlocal"]
    assert details["kind"] == "group_purchase"
    purchase = details["group_purchase"]
    assert {k: purchase[k] for k in ("unit", "unit_price", "minimum", "maximum")} == {
        "unit": "stere",
        "unit_price": "85.00",
        "minimum": "10",
        "maximum": "20",
    }
    assert (purchase["committed"], purchase["remaining"], purchase["committers"]) == ("12", "8", 1)
    assert purchase["pickup_place"] == "Parking du marché de Paramé"
    assert purchase["status"] == "open" and purchase["deadline"]
    assert "Achat groupé" in unescape(status["content"])
    # A reader who only sees the text reads the total against the minimum, live
    deadline = datetime.fromisoformat(purchase["deadline"]).astimezone(ZoneInfo("Europe/Paris"))
    month = MONTHS["fr"][deadline.month - 1]
    text = unescape(status["content"])
    assert f"12 stères sur 10 stères · jusqu'au {deadline.day} {month}" in text

    # And once ana confirms, bob's notification is an update of the purchase
    await group_purchases.decide(inst.services, ana.actor, post.id, confirm=True)
    notes = (await http.get("/api/v1/notifications", headers=bob.headers)).json()
    assert [(n["type"], n["fedlocal_type"]) for n in notes][:1] == [
        ("update", "group_purchase_confirmed")
    ]
    assert notes[0]["status"]["fedlocal"]["group_purchase"]["status"] == "confirmed"
    assert f"jusqu'au {deadline.day} {month} · confirmé" in unescape(notes[0]["status"]["content"])
