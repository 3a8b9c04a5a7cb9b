"""Seeding the demo instances through the services, the way residents would.

The phases run in the order federation needs: accounts (while the servers start), then
neighbour links both ways (waited for until accepted), groups, follows and memberships
(waited for), publications, and last what answers them — interest, RSVPs, commitments to
group purchases and status changes — once each answered post has reached the instance of
the person answering. A commitment to a purchase on another instance is an Offer its
server answers: it is waited for until accepted (counted in the organiser's total).
The servers' own workers deliver what the seeding queues: this process only writes to
each instance's database, as a resident's request to the server would.

Every phase is idempotent: it looks for what is already there (an account, a group, a
follow, an interest, an RSVP, a status) and publications are found in each instance's
ledger (see ledger.py), so running the demo again creates nothing twice. A step that
fails is reported on stderr and the demo goes on with the rest.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from ...config import Config
from ...federation.runtime import Federation
from ...models import Actor, Post
from ...services import (
    accounts,
    events,
    follows,
    group_purchases,
    groups,
    interest,
    listings,
    media,
    neighbours,
    organizations,
    pins,
    posts,
    rides,
    shops,
)
from ...services.context import ServiceContext
from ...services.errors import NotFound, ServiceError
from ...store import actors as actor_store
from ...store import follows as follow_store
from ...store import group_purchases as purchase_store
from ...store import interests as interest_store
from ...store import posts as post_store
from .ledger import Ledger
from .pictures import picture as drawn_picture
from .seed import (
    DEMO_TIMEZONE,
    Commitment,
    Event,
    Group,
    GroupPurchase,
    Listing,
    Note,
    Ref,
    Resident,
    Ride,
    Seed,
)
from .servers import Server

LINK_DEADLINE_SECONDS = 30.0
FOLLOW_DEADLINE_SECONDS = 20.0
ARRIVAL_DEADLINE_SECONDS = 20.0
COMMITMENT_DEADLINE_SECONDS = 20.0
POLL_SECONDS = 0.1


@dataclass
class DemoInstance:
    """One quarter of the demo: its config, seed, server process and seeding state."""

    name: str  # the config's file name without .toml, as seeds refer to it
    config_path: Path
    config: Config
    seed: Seed
    server: Server
    ledger: Ledger
    federation: Federation | None = field(default=None, repr=False)

    @property
    def fed(self) -> Federation:
        assert self.federation is not None, "the instance is not open"
        return self.federation


async def wait_until(
    condition: Callable[[], Awaitable[bool]], *, deadline: float, what: str
) -> None:
    """Poll `condition` until true; ServiceError naming `what` after `deadline` seconds."""
    end = time.monotonic() + deadline
    while not await condition():
        if time.monotonic() > end:
            raise ServiceError(f"gave up waiting for {what} after {deadline:.0f} s")
        await asyncio.sleep(POLL_SECONDS)


@dataclass(frozen=True)
class OfferedCommitment:
    """A seeded commitment offered to a purchase on another instance, awaiting its answer."""

    instance: DemoInstance  # the committing resident's
    seeded: Commitment
    post_id: int  # the purchase as the resident's instance holds it
    actor_id: int


def warn(instance: DemoInstance, message: str) -> None:
    print(f"fedlocal demo: {instance.config.name}: {message}", file=sys.stderr, flush=True)


class Seeder:
    def __init__(self, instances: list[DemoInstance], today: date):
        self.instances = instances
        self.by_name = {instance.name: instance for instance in instances}
        self.today = today

    # --- names -----------------------------------------------------------------------------

    def handle(self, here: DemoInstance, text: str) -> str:
        """A seed's actor name as a handle follows.resolve_target understands."""
        if text.startswith("@"):
            return text
        instance, name = Ref.parse(text).on(here.name)
        if instance == here.name:
            return name
        return f"@{name}@{self.by_name[instance].config.domain}"

    async def actor(self, here: DemoInstance, text: str) -> Actor:
        return await follows.resolve_target(here.fed.services, self.handle(here, text))

    async def local_actor(self, here: DemoInstance, username: str) -> Actor:
        async with here.fed.db.read() as conn:
            actor = await actor_store.get_local_actor(conn, username)
        if actor is None or actor.role not in ("resident", "group"):
            raise NotFound(f"no local resident or group named '{username}'")
        return actor

    def published_uri(self, here: DemoInstance, text: str) -> str:
        instance, item_id = Ref.parse(text).on(here.name)
        uri = self.by_name[instance].ledger.uri(item_id)
        if uri is None:
            raise NotFound(f"{text} was not published")
        return uri

    async def arrived(self, here: DemoInstance, uri: str) -> Post:
        """The post at `uri` as `here` holds it, waiting for federation to bring it."""
        found: list[Post] = []

        async def held() -> bool:
            async with here.fed.db.read() as conn:
                post = await post_store.get_post_by_uri(conn, uri)
            if post is not None and not post.is_deleted:
                found.append(post)
            return bool(found)

        await wait_until(held, deadline=ARRIVAL_DEADLINE_SECONDS, what=f"{uri} to arrive")
        return found[0]

    async def each(self, instance: DemoInstance, what: str, step: Awaitable[object]) -> None:
        """Run one seeding step; a failure is reported and the demo goes on."""
        try:
            await step
        except ServiceError as exc:
            warn(instance, f"{what}: {exc.message}")

    # --- phases ----------------------------------------------------------------------------

    async def accounts(self) -> None:
        """Every instance's residents (the instances side by side: hashing is slow)."""
        await asyncio.gather(*(self.instance_accounts(i) for i in self.instances))

    async def instance_accounts(self, instance: DemoInstance) -> None:
        for person in instance.seed.residents:
            await self.account(instance, person)
            if person.organization is not None:
                await self.each(
                    instance,
                    f"organisation {person.username}",
                    organizations.set_organization(
                        instance.fed.services,
                        person.username,
                        person.organization,
                        by_account_id=None,
                    ),
                )
            if person.has_shop_page:
                await self.each(
                    instance, f"shop page of {person.username}", self.shop_page(instance, person)
                )

    async def shop_page(self, instance: DemoInstance, person: Resident) -> None:
        """A shop's or a producer's hours, address and wares (saved again on each run: the
        same values)."""
        actor = await self.local_actor(instance, person.username)
        await shops.save_profile(
            instance.fed.services,
            actor,
            days=list(person.hours or [""] * 7),
            address=person.address,
            sells=person.sells,
        )

    async def account(self, instance: DemoInstance, person: Resident) -> None:
        async with instance.fed.db.read() as conn:
            if await actor_store.get_local_actor(conn, person.username) is not None:
                return  # kept from an earlier run
        await self.each(
            instance,
            f"account {person.username}",
            accounts.create_account(
                instance.fed.services,
                person.username,
                person.password,
                admin=person.admin,
                display_name=person.display_name,
                # They signed up, as residents do: the current terms accepted.
                terms_version=instance.config.legal.terms_version,
            ),
        )

    async def link_neighbours(self) -> None:
        """Every instance links every other; then wait until each link is accepted."""
        for instance in self.instances:
            for other in self.instances:
                if other is not instance:
                    await self.each(
                        instance,
                        f"linking {other.config.domain}",
                        neighbours.link(instance.fed.services, other.config.domain),
                    )

        async def all_linked() -> bool:
            for instance in self.instances:
                linked = {
                    link.domain
                    for link in await neighbours.neighbours(instance.fed.services)
                    if link.linked
                }
                others = {o.config.domain for o in self.instances if o is not instance}
                if not others <= linked:
                    return False
            return True

        await wait_until(all_linked, deadline=LINK_DEADLINE_SECONDS, what="the neighbour links")

    async def groups(self) -> None:
        for instance in self.instances:
            for group in instance.seed.groups:
                async with instance.fed.db.read() as conn:
                    if await actor_store.get_local_actor(conn, group.username) is not None:
                        continue
                await self.each(instance, f"group {group.username}", self.group(instance, group))

    async def group(self, instance: DemoInstance, group: Group) -> None:
        creator = await self.local_actor(instance, group.by)
        await groups.create_group(
            instance.fed.services,
            creator,
            group.username,
            display_name=group.display_name,
            summary=group.summary,
            approval_required=group.approval,
        )

    async def follows(self) -> None:
        """Every seeded follow (group memberships too), then wait until all are accepted."""
        waiting: list[tuple[DemoInstance, str]] = []
        for instance in self.instances:
            for entry in instance.seed.follows:
                try:
                    follower = await self.local_actor(instance, entry.author)
                    relation = await follows.follow(
                        instance.fed.services, follower, self.handle(instance, entry.target)
                    )
                except ServiceError as exc:
                    warn(instance, f"{entry.author} following {entry.target}: {exc.message}")
                    continue
                if relation.state != "accepted":
                    waiting.append((instance, relation.uri))

        async def all_accepted() -> bool:
            for instance, uri in waiting:
                async with instance.fed.db.read() as conn:
                    relation = await follow_store.get_follow_by_uri(conn, uri)
                if relation is None or relation.state != "accepted":
                    return False
            return True

        await wait_until(all_accepted, deadline=FOLLOW_DEADLINE_SECONDS, what="the follows")

    async def publications(self) -> None:
        for instance in self.instances:
            for item in instance.seed.publications:
                if await self.already_published(instance, item.id):
                    continue
                await self.each(instance, f"publishing {item.id}", self.publish(instance, item))

    async def already_published(self, instance: DemoInstance, item_id: str) -> bool:
        uri = instance.ledger.uri(item_id)
        if uri is None:
            return False
        async with instance.fed.db.read() as conn:
            if await post_store.get_post_by_uri(conn, uri) is not None:
                return True  # still there (or deleted by someone since: left as it is)
        instance.ledger.forget(item_id)  # the database was replaced: publish again
        return False

    async def publish(
        self, instance: DemoInstance, item: Note | Listing | Event | Ride | GroupPurchase
    ) -> None:
        ctx = instance.fed.services
        author = await self.local_actor(instance, item.author)
        if isinstance(item, Note):
            mentions = [await self.actor(instance, item.to_group)] if item.to_group else []
            post = await posts.publish_note(
                ctx, author, item.text, mentions=mentions, category=item.category
            )
            if item.pinned:
                await pins.pin(ctx, author, post.id)
        elif isinstance(item, Listing):
            listing = replace(
                self.listing_input(item), media_ids=await self.photo(ctx, author, item)
            )
            post = await listings.publish_listing(ctx, author, listing)
        elif isinstance(item, Ride):
            departs_at = item.departs_at(self.today)
            post = await rides.publish_ride(
                ctx,
                author,
                rides.RideInput(
                    origin=item.origin,
                    destination=item.destination,
                    departs_at=departs_at,
                    arrives_at=departs_at + timedelta(minutes=item.minutes)
                    if item.minutes
                    else None,
                    weekly=item.weekday is not None,
                    seats=item.seats,
                    contribution=item.contribution,
                    notes=item.notes,
                ),
            )
        elif isinstance(item, GroupPurchase):
            post = await group_purchases.propose(ctx, author, self.purchase_input(item))
        else:
            event = replace(self.event_input(item), media_ids=await self.photo(ctx, author, item))
            post = await events.publish_event(ctx, author, event)
        instance.ledger.record(item.id, post.uri)

    async def photo(
        self, ctx: ServiceContext, author: Actor, item: Listing | Event
    ) -> tuple[int, ...]:
        """The item's picture, drawn and uploaded (its id), if it has one."""
        if item.photo is None:
            return ()
        upload = await media.upload(
            ctx, author, drawn_picture(item.photo), description=item.photo_alt
        )
        return (upload.id,)

    def day(self, days: int | None) -> datetime | None:
        if days is None:
            return None
        return datetime.combine(
            self.today + timedelta(days=days), datetime.min.time(), tzinfo=DEMO_TIMEZONE
        )

    def listing_input(self, item: Listing) -> listings.ListingInput:
        return listings.ListingInput(
            kind=item.kind,
            title=item.title,
            description=item.description,
            intent=item.intent,
            category=item.category,
            quarter=item.quarter,
            available_from=self.day(item.from_days),
            available_until=self.day(item.until_days),
            quantity=item.quantity,
            price=item.price,
        )

    def event_input(self, item: Event) -> events.EventInput:
        return events.EventInput(
            title=item.title,
            starts_at=item.starts_at(self.today),
            ends_at=item.ends_at(self.today),
            timezone=str(DEMO_TIMEZONE),
            description=item.description,
            category=item.category,
            venue=item.venue,
            street=item.street,
            postal_code=item.postal_code,
            locality=item.locality,
            quarter=item.quarter,
            join_mode=item.join_mode,
            capacity=item.capacity,
        )

    def purchase_input(self, item: GroupPurchase) -> group_purchases.PurchaseInput:
        return group_purchases.PurchaseInput(
            title=item.title,
            unit=item.unit,
            unit_price=item.unit_price,
            minimum=item.minimum,
            maximum=item.maximum,
            deadline=item.deadline(self.today),
            pickup_at=item.pickup_at(self.today),
            pickup_place=item.pickup_place,
            description=item.description,
            category=item.category,
            quarter=item.quarter,
        )

    async def answers(self) -> None:
        """Interest first (an offer must be open to be asked for), then RSVPs, then the
        status changes that follow from the interest; last, the wait for the answers to
        commitments made to purchases on other instances."""
        offered: list[OfferedCommitment] = []
        for instance in self.instances:
            for entry in instance.seed.interests:
                await self.each(
                    instance,
                    f"{entry.author}'s interest in {entry.listing}",
                    self.express_interest(instance, entry.author, entry.listing, entry.message),
                )
            for rsvp in instance.seed.rsvps:
                await self.each(
                    instance,
                    f"{rsvp.author}'s RSVP to {rsvp.event}",
                    self.rsvp(instance, rsvp.author, rsvp.event, rsvp.message),
                )
            for commitment in instance.seed.commitments:
                await self.each(
                    instance,
                    f"{commitment.author}'s commitment to {commitment.purchase}",
                    self.commit(instance, commitment, offered),
                )
        for instance in self.instances:
            for listing in instance.seed.listings:
                if listing.status != "open":
                    await self.each(
                        instance,
                        f"status of {listing.id}",
                        self.change_status(instance, listing),
                    )
        await self.wait_for_answers(offered)

    async def express_interest(
        self, instance: DemoInstance, username: str, ref: str, message: str | None
    ) -> None:
        person = await self.local_actor(instance, username)
        post = await self.arrived(instance, self.published_uri(instance, ref))
        async with instance.fed.db.read() as conn:
            if await interest_store.get(conn, post.id, person.id) is not None:
                return
        await interest.express_interest(instance.fed.services, person, post.uri, message)

    async def rsvp(
        self, instance: DemoInstance, username: str, ref: str, message: str | None
    ) -> None:
        person = await self.local_actor(instance, username)
        post = await self.arrived(instance, self.published_uri(instance, ref))
        # join_event keeps an existing pending or accepted participation as it is.
        await events.join_event(instance.fed.services, person, post.uri, message)

    async def commit(
        self,
        instance: DemoInstance,
        commitment: Commitment,
        offered: list[OfferedCommitment],
    ) -> None:
        """A resident's commitment, once the purchase has reached their instance. To a
        purchase here, committing again only sets the same quantity. To one elsewhere,
        the Offer goes once: a commitment of that quantity already pending or accepted
        (an earlier run) is left as it is, so its server counts nothing twice; either
        way it joins `offered`, to be waited for until accepted."""
        ctx = instance.fed.services
        person = await self.local_actor(instance, commitment.author)
        post = await self.arrived(instance, self.published_uri(instance, commitment.purchase))
        if not post.is_local:
            async with instance.fed.db.read() as conn:
                terms = await purchase_store.get(conn, post.id)
                held = await purchase_store.get_commitment(conn, post.id, person.id)
            if terms is None:
                raise NotFound(f"{commitment.purchase} is no group purchase here")
            wanted = group_purchases.parse_quantity(commitment.quantity, whole=terms.whole)
            if held is None or not held.counts or held.quantity_milli != wanted:
                await group_purchases.commit(ctx, person, post.id, commitment.quantity)
            offered.append(OfferedCommitment(instance, commitment, post.id, person.id))
            return
        await group_purchases.commit(ctx, person, post.id, commitment.quantity)

    async def wait_for_answers(self, offered: list[OfferedCommitment]) -> None:
        """Wait until the purchases' servers accepted every commitment offered to them
        (their Accept reached the resident's instance: counted there). One refused is
        reported and not waited for."""
        waiting = list(offered)

        async def all_accepted() -> bool:
            pending = []
            for entry in waiting:
                async with entry.instance.fed.db.read() as conn:
                    held = await purchase_store.get_commitment(conn, entry.post_id, entry.actor_id)
                if held is not None and held.state == "pending":
                    pending.append(entry)
                elif held is None or held.state != "accepted":
                    why = f": {held.reason}" if held is not None and held.reason else ""
                    warn(
                        entry.instance,
                        f"{entry.seeded.author}'s commitment to {entry.seeded.purchase} "
                        f"was not accepted{why}",
                    )
            waiting[:] = pending
            return not waiting

        await wait_until(
            all_accepted,
            deadline=COMMITMENT_DEADLINE_SECONDS,
            what="the commitments to group purchases elsewhere",
        )

    async def change_status(self, instance: DemoInstance, listing: Listing) -> None:
        ctx = instance.fed.services
        author = await self.local_actor(instance, listing.author)
        uri = self.published_uri(instance, listing.id)
        async with instance.fed.db.read() as conn:
            post = await post_store.get_post_by_uri(conn, uri)
        if post is None or post.listing is None:
            raise NotFound(f"{listing.id} is not here")
        status = post.listing.status
        if status == "open" and listing.reserved_for is not None:
            reserved_for = await self.actor(instance, listing.reserved_for)
            post = await listings.reserve(ctx, author, post.id, reserved_for.uri)
            status = "reserved"
        if listing.status == "closed" and status in ("open", "reserved"):
            await listings.close(ctx, author, post.id, listing.closed_as)
