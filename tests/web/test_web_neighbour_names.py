"""A neighbour's posts are labelled with the name its instance gives itself (its
instance actor's `name`, learned when linking), not its host and port."""

from __future__ import annotations

import re

from fedlocal.services import neighbours
from fedlocal.services.groups import create_group
from fedlocal.services.listings import ListingInput, publish_listing
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from tests.support.instance import running_instance
from tests.support.waiting import wait_for

from .conftest import QUARTERS, make_resident
from .web_client import WebClient


async def _linked(instance, domain: str) -> bool:
    return any(
        link.domain == domain and link.linked
        for link in await neighbours.neighbours(instance.services)
    )


async def test_neighbour_posts_carry_the_neighbours_name(tmp_path):
    async with (
        running_instance(tmp_path / "a", name="Intra-Muros", area=QUARTERS) as a,
        running_instance(tmp_path / "b", name="Paramé", area=QUARTERS) as b,
    ):
        # Given two linked neighbours, and an offer published on B
        await neighbours.link(a.services, b.config.domain)
        await neighbours.link(b.services, a.config.domain)
        await wait_for(lambda: _linked(a, b.config.domain), message="A linked to B")
        _, bruno = await make_resident(b, "bruno")
        offer = await publish_listing(
            b.services,
            bruno,
            ListingInput(kind="offer", title="Tondeuse", category="objects", quarter="Paramé"),
        )

        async with WebClient(a.base_url, language="fr") as visitor:

            async def arrived() -> bool:
                return "Tondeuse" in (await visitor.get("/feed?radius=50")).text

            await wait_for(arrived, message="B's offer in A's feed")
            feed = await visitor.get("/feed?radius=50")
            names = await neighbours.instance_names(a.services)
            # Then the card and the post's page name the neighbour "Paramé"
            assert names == {b.config.domain: "Paramé"}
            assert "voisin : Paramé" in feed.text.replace("\xa0", " ")
            assert f"voisin : {b.config.domain}" not in feed.text.replace("\xa0", " ")
            path = re.search(r'href="(/posts/\d+)"', feed.text)
            assert path is not None and offer.title == "Tondeuse"
            page = await visitor.get(path.group(1))
            assert "(voisin : Paramé)" in page.text.replace("\xa0", " ")


async def test_neighbouring_groups_are_listed_and_joinable(tmp_path):
    async with (
        running_instance(tmp_path / "a", name="Intra-Muros", area=QUARTERS) as a,
        running_instance(tmp_path / "b", name="Paramé", area=QUARTERS) as b,
    ):
        # Given a group on B, and A linking B as a neighbour
        _, bruno = await make_resident(b, "bruno")
        group = await create_group(b.services, bruno, "potagers", display_name="Potagers")
        await neighbours.link(b.services, a.config.domain)
        await neighbours.link(a.services, b.config.domain)
        await wait_for(lambda: _linked(a, b.config.domain), message="A linked to B")
        await make_resident(a, "anne")

        async with WebClient(a.base_url, language="fr") as anne:
            await anne.log_in("anne")
            # Then A's group list shows B's group, with a way to join it
            listed = await anne.get("/groups")
            assert "Groupes des quartiers voisins" in listed.text
            assert "Potagers" in listed.text and f"@potagers@{b.config.domain}" in listed.text
            joined = await anne.submit(
                "/groups", "/follow", {"handle": group.uri, "next": "/groups"}
            )
            assert joined.status_code == 303

        async def member() -> bool:
            async with b.db.read() as conn:
                anne_actor = await actor_store.get_actor_by_uri(conn, f"{a.base_url}/users/anne")
                if anne_actor is None:
                    return False
                follow = await follow_store.get_follow(conn, anne_actor.id, group.id)
            return follow is not None and follow.state == "accepted"

        await wait_for(member, message="anne a member of B's group")
