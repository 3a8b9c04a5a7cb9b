"""The model's values in the visitor's language, for templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal

from fedlocal.categories import Categories
from fedlocal.clock import utcnow
from fedlocal.models import ListingStep, Post

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

    def visibility(self, visibility: str) -> str:
        return self.t(labels.VISIBILITIES.get(visibility, visibility))

    def when(self, post: Post) -> str:
        """An event's start (and end) in its own time zone, in words."""
        event = post.event
        if event is None:
            return ""
        zone = self._zone(event.timezone)
        start = self.t.datetime(event.starts_at, zone)
        if event.ends_at is None or event.ends_at <= event.starts_at:
            return start
        same_day = event.starts_at.astimezone(zone).date() == event.ends_at.astimezone(zone).date()
        end = self.t.time(event.ends_at, zone) if same_day else self.t.datetime(event.ends_at, zone)
        return self.t("%(start)s to %(end)s", start=start, end=end)

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

    def _zone(self, name: str | None) -> ZoneInfo:
        """`name` (an event's own zone), else the instance's."""
        try:
            return ZoneInfo(name or self.timezone)
        except (ValueError, KeyError):
            return ZoneInfo(self.timezone)
