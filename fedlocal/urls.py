"""Where our things live: every local URL is built here and nowhere else."""

from __future__ import annotations

from urllib.parse import quote


class Urls:
    """Builds the URLs of an instance from its base URL (`https://host[:port]`)."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{quote(username, safe='')}"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def actor_endpoints(self, username: str) -> dict[str, str]:
        """The URLs every actor at `/users/{username}` has, as actor-table fields."""
        return {
            "uri": self.actor(username),
            "inbox_url": self.inbox(username),
            "shared_inbox_url": self.shared_inbox,
            "outbox_url": self.outbox(username),
            "followers_url": self.followers(username),
            "following_url": self.following(username),
            "url": self.profile(username),
        }

    def main_key(self, actor_uri: str) -> str:
        return f"{actor_uri}#main-key"

    def ed25519_key(self, actor_uri: str) -> str:
        return f"{actor_uri}#ed25519-key"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{quote(username, safe='')}"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def instance_inbox(self) -> str:
        return f"{self.base}/actor/inbox"

    @property
    def instance_outbox(self) -> str:
        return f"{self.base}/actor/outbox"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def post(self, post_id: int) -> str:
        return f"{self.base}/objects/{post_id}"

    def post_calendar(self, post_id: int) -> str:
        """One event as iCalendar."""
        return f"{self.post(post_id)}.ics"

    @property
    def home(self) -> str:
        return f"{self.base}/"

    def calendar(self, *, scope: str = "local") -> str:
        """The instance's upcoming events as iCalendar (`scope="all"`: with remote ones)."""
        url = f"{self.base}/calendar.ics"
        return url if scope == "local" else f"{url}?scope={quote(scope, safe='')}"

    def feed(self, *, max_id: int | None = None) -> str:
        """The instance's recent posts as Atom; `max_id` names an older page."""
        return _page(f"{self.base}/feed.atom", max_id)

    @property
    def categories(self) -> str:
        """The prefix of category URLs, and the scheme of category terms in feeds."""
        return f"{self.base}/categories/"

    def category_feed(self, key: str, *, max_id: int | None = None) -> str:
        return _page(f"{self.categories}{quote(key, safe='')}/feed.atom", max_id)

    def activity(self, token: str) -> str:
        return f"{self.base}/activities/{token}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{quote(name, safe='')}"

    def authorize_interaction(self) -> str:
        return f"{self.base}/authorize_interaction?uri={{uri}}"


def _page(url: str, max_id: int | None) -> str:
    return url if max_id is None else f"{url}?max_id={max_id}"
