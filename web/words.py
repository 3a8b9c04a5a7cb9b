"""The model's values in the visitor's language, for templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_location
from babel.numbers import format_decimal

from fedlocal.categories import Categories
from fedlocal.clock import utcnow
from fedlocal.models import Actor, ListingStep, Post
from fedlocal.organizations import organization_type

from . import labels
from .i18n import Translator


@dataclass(frozen=True)
class Words:
    """The model's values in the visitor's language, for templates."""

    t: Translator
    categories: Categories
    # The instance's zone (`Config.timezone`): dates without their own are shown in it.
    timezone: str

    def kind(self, kind: str) -> str:
        return self.t(labels.KINDS.get(kind, kind))

    def kinds(self, kind: str) -> str:
        return self.t(labels.KINDS_PLURAL.get(kind, kind))

    def intent(self, intent: str | None) -> str:
        return self.t(labels.INTENTS[intent]) if intent in labels.INTENTS else ""

    def organization(self, actor: Actor | None) -> str:
        """A verified organisation's type ("Mairie", "Town hall"), "" for a person."""
        found = organization_type(actor.organization_type) if actor is not None else None
        return found.label(self.t.language) if found else ""

    def category(self, key: str | None) -> str:
        category = self.categories.get(key)
        return category.label(self.t.language) if category else ""

    def listing_status(self, post: Post) -> str:
        listing = post.listing
        if listing is None:
            return ""
        if listing.on_loan and listing.due_on is not None:
            if listing.overdue_on(self.today()):
                return self.t("Overdue: due back on %(date)s", date=self.day(listing.due_on))
            return self.t("Lent until %(date)s", date=self.day(listing.due_on))
        if listing.status == "closed" and listing.closed_as in labels.CLOSED_AS:
            return self.t(labels.CLOSED_AS[listing.closed_as])
        return self.t(labels.LISTING_STATUSES.get(listing.status, listing.status))

    def listing_step(self, step: ListingStep) -> str:
        """What happened at one step of a loan or a gift, in plain words."""
        due = self.day(step.due_on) if step.due_on else ""
        if step.step == "lent" and due:
            return self.t("Lent until %(date)s", date=due)
        if step.step == "reminder" and due:
            return self.t("Reminder: to be returned on %(date)s", date=due)
        if step.step == "overdue" and due:
            return self.t("Overdue: due back on %(date)s", date=due)
        return self.t(labels.LISTING_STEPS.get(step.step, step.step))

    def event_status(self, post: Post) -> str:
        event = post.event
        return self.t(labels.EVENT_STATUSES.get(event.status, event.status)) if event else ""

    def join_mode(self, mode: str) -> str:
        return self.t(labels.JOIN_MODES.get(mode, mode))

    def participation(self, state: str) -> str:
        return self.t(labels.PARTICIPATION_STATES.get(state, state))

    def ride(self, post: Post) -> str:
        """A ride's departure in words (`every week` before it when weekly); seats."""
        ride = post.ride
        if ride is None:
            return ""
        when = self.moment(ride.departs_at)
        if ride.weekly:
            when = self.t("Every week from %(when)s", when=when)
        if ride.status == "cancelled":
            return self.t("%(when)s · cancelled", when=when)
        seats = self.t.ngettext("%(num)s seat", "%(num)s seats", ride.seats)
        return f"{when} · {seats}"

    def ride_booking(self, state: str) -> str:
        return self.t(labels.RIDE_BOOKING_STATES.get(state, state))

    def euros(self, cents: int) -> str:
        """`3,50` / `3.50`: an amount of euros given in cents."""
        return format_decimal(cents / 100, format="#,##0.##", locale=self.t.locale)

    def visibility(self, visibility: str) -> str:
        return self.t(labels.VISIBILITIES.get(visibility, visibility))

    def when(self, post: Post) -> str:
        """An event's start (and end) in words, in the instance's zone and naming it:
        `samedi 5 décembre 2026 à 19:00 (heure de Paris)`. Every event reads in the same
        zone, whichever server it comes from and whatever zone it was sent in."""
        event = post.event
        if event is None:
            return ""
        return self._span(event.starts_at, event.ends_at, self._zone(None))

    def when_there(self, post: Post) -> str:
        """The same in the event's own zone when its clocks differ from the instance's at
        that moment (an event in Montréal seen from Paris), else "". A zone only known as
        UTC says nothing of the place: servers that send no zone write times in UTC."""
        event = post.event
        if event is None or event.timezone in ("UTC", "Etc/UTC"):
            return ""
        there, here = self._zone(event.timezone), self._zone(None)
        if _offset(event.starts_at, there) == _offset(event.starts_at, here):
            return ""
        return self._span(event.starts_at, event.ends_at, there)

    def zone_name(self, zone: ZoneInfo, moment: datetime) -> str:
        """`heure de Paris` / `Paris time`; a fixed offset as `UTC+01:00`."""
        if zone.key == "UTC" or zone.key.startswith("Etc/"):
            offset = _offset(moment, zone)
            if offset is None or not offset:
                return "UTC"
            minutes = int(offset.total_seconds()) // 60
            sign = "+" if minutes >= 0 else "-"
            return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        city = get_timezone_location(zone, locale=self.t.locale, return_city=True)
        return self.t("%(city)s time", city=city)

    def _span(self, starts_at: datetime, ends_at: datetime | None, zone: ZoneInfo) -> str:
        if _offset(starts_at, zone) is None or (ends_at and _offset(ends_at, zone) is None):
            zone = ZoneInfo("UTC")  # a date at the very end of the calendar
        start = self.t.datetime(starts_at, zone)
        text = start
        if ends_at is not None and ends_at > starts_at:
            same_day = starts_at.astimezone(zone).date() == ends_at.astimezone(zone).date()
            end = self.t.time(ends_at, zone) if same_day else self.t.datetime(ends_at, zone)
            text = self.t("%(start)s to %(end)s", start=start, end=end)
        return self.t("%(when)s (%(zone)s)", when=text, zone=self.zone_name(zone, starts_at))

    def overdue(self, post: Post) -> bool:
        """A loan past its return day, not back."""
        return post.listing is not None and post.listing.overdue_on(self.today())

    def today(self) -> date:
        return utcnow().astimezone(self._zone(None)).date()

    def day(self, day: date | None) -> str:
        """A calendar day: `8 mai 2031` / `May 8, 2031`."""
        return format_date(day, "long", locale=self.t.locale) if day else ""

    def date(self, moment) -> str:
        return self.t.date(moment, self._zone(None)) if moment else ""

    def moment(self, moment) -> str:
        return self.t.datetime(moment, self._zone(None)) if moment else ""

    def distance(self, km: float) -> str:
        if km < 0.1:
            return self.t("less than 100 m")
        if km < 1:
            return self.t("%(metres)s m", metres=round(km * 10) * 100)
        return self.t("%(km)s km", km=format_decimal(round(km, 1), locale=self.t.locale))

    def names_post(self, kind: str) -> bool:
        """Whether a notification of `kind` names its post (then its words link to it)."""
        return kind in labels.NOTIFICATIONS_ABOUT

    def notification(self, kind: str, who: str, post: Post | None = None) -> str:
        """What happened, in words: naming the post's title (and a loan's return day)
        when the notification is about one."""
        if post is not None and kind in labels.NOTIFICATIONS_ABOUT:
            due = post.listing.due_on if post.listing else None
            return self.t(
                labels.NOTIFICATIONS_ABOUT[kind], who=who, title=post.title, due=self.day(due)
            )
        message = labels.NOTIFICATIONS.get(kind, labels.OTHER_NOTIFICATION)
        return self.t(message, who=who)

    def audit_action(self, action: str) -> str:
        """An audit log action in words (its name when it has none)."""
        message = labels.AUDIT_ACTIONS.get(action)
        return self.t(message) if message else action

    def _zone(self, name: str | None) -> ZoneInfo:
        """`name` (an event's own zone), else the instance's."""
        try:
            return ZoneInfo(name or self.timezone)
        except (ValueError, KeyError):
            return ZoneInfo(self.timezone)


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta | None:
    """`zone`'s offset from UTC at `moment`, or None when the moment, shifted, would fall
    off the calendar (year 1 or 9999)."""
    try:
        return moment.astimezone(zone).utcoffset()
    except OverflowError:
        return None
