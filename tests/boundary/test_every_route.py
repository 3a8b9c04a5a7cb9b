"""Every registered route, walked with hostile input: no 5xx, no answer slower than 1 s,
and nothing left for the error boundary to catch.

The routes are read from the app itself (web, client API, OAuth, federation, feeds,
static files), so a route added tomorrow is walked tomorrow. The parameter and form
field names come from the code and the templates, the values from a list of what breaks
parsers (non-ASCII digits, ids past 64 bits, NUL, deep JSON…). Each route is tried as a
visitor and as a logged-in resident (session cookie, a fresh form token, a bearer
token), first with a fixed sweep, then with Hypothesis' choice of combinations.

The instance runs under uvicorn in a thread, so each request crosses real HTTP; the
test's client is synchronous, as Hypothesis needs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount, Route

from activitypub.digest import digest_header
from fedlocal.app import create_app
from fedlocal.federation.routes import is_inbox_path
from fedlocal.federation.runtime import start_federation
from fedlocal.services import accounts, groups, legal, posts
from fedlocal.store import Database, migrate
from tests.support.hashing import cheap_hasher
from tests.support.instance import instance_config
from tests.support.live_server import LiveServer, serve

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
# A freeze, not slowness: an answer that never comes (a request that hangs the loop or a
# worker) fails here; how fast the routes answer is the benchmarks' business, and a loaded
# CI machine must not fail this test.
FREEZE_SECONDS = 15.0
MAX_READ = 256 * 1024  # streams (SSE) answer at once and never end: read their start only
BROWSER = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
AP = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _names_in_code() -> list[str]:
    """Parameter and field names the routes read, from the code and the templates."""
    names: set[str] = set()
    for path in [*ROOT.joinpath("fedlocal").rglob("*.py"), *ROOT.joinpath("web").rglob("*.py")]:
        text = path.read_text()
        names |= set(re.findall(r'\.(?:str|get|list|bool|int|float|getlist)\(\s*"(\w+)', text))
    for path in ROOT.joinpath("web", "templates").rglob("*.html"):
        text = path.read_text()
        names |= set(re.findall(r'name="(\w+)"', text))
        names |= set(re.findall(r'm\.\w+\(\s*\w+,\s*"(\w+)"', text))
    return sorted(names - {"csrf_token"})


NAMES = _names_in_code()
HOSTILE_SEGMENTS = [
    "1",
    "²",
    "١٢",
    "0",
    "-1",
    str(2**63),
    "9" * 40,
    "%00",
    "%FF%FE",
    "..%2F..%2Fetc",
    "a" * 3000,
    "<script>x</script>",
    "' OR 1=1 --",
    "anne",
    "é%20ü",
]
HOSTILE_VALUES = [
    "",
    "1",
    "²",
    "-1",
    str(2**63),
    "9" * 400,
    "1e999",
    "nan",
    "true",
    "\x00",
    "%",
    "a" * 5000,
    "https://",
    "http://[::1",
    "http://127.0.0.1:1/x",
    "@anne@127.0.0.1:1",
    "@x@10.0.0.1",
    "acct:x@nowhere.invalid",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "../../etc/passwd",
    "🏠" * 50,
]
JSON_BODIES = [
    b"{",
    b"[]",
    b"null",
    b'"text"',
    b"[" * 50_000,
    b'{"a":' * 5_000,
    b'"' + b"\\" * 20_000,
    b'"' + b'\\"' * 20_000,
    b'{"status": ["x"], "poll": {"options": "x"}, "media_ids": {"a": 1}}',
    b'{"status": 1e999, "limit": NaN}',
    b'{"id": 18446744073709551616, "in_reply_to_id": "\\u00b2"}',
    b"\xff\xfe\x00",
]
FORM_BODIES = [
    b"a=%FF%FE",
    b"&".join(b"f%d=1" % n for n in range(3000)),
    b"status=" + b"x" * 200_000,
    b"=&=&&==",
    b"visibility=nope&status=%00",
]
HEADER_SETS = [
    {},
    {"Accept": BROWSER},
    {"Accept": AP},
    {"Accept": "x" * 4000, "Accept-Language": "*;q=abc,,;;" * 50},
    {"Authorization": "Bearer " + "a" * 3000},
    {"Authorization": "Basic %%%", "Cookie": "fedlocal_session_127_0_0_1=" + "x" * 2000},
    {"Signature": 'keyId="x",signature="y"', "Digest": "SHA-256=???", "Date": "yesterday"},
    {"Idempotency-Key": "\u00e9" * 10, "Accept-Language": "zz-ZZ"},
]


@dataclass(frozen=True)
class Target:
    method: str
    path: str
    params: tuple[str, ...]


def route_targets(app) -> list[Target]:
    targets = []
    for route in app.routes:
        if isinstance(route, Route):
            params = tuple(route.param_convertors)
            for method in sorted(route.methods or ()):
                targets.append(Target(method, route.path, params))
        elif isinstance(route, Mount):
            for leaf in ("fedlocal.css", "..%2F..%2Fpyproject.toml", "%00", "nope.js"):
                targets.append(Target("GET", f"{route.path}/{leaf}", ()))
    return targets


def fill(path: str, params: tuple[str, ...], value: str) -> str:
    for name in params:
        path = re.sub(r"\{" + name + r"(:\w+)?\}", value, path)
    return path


# The instance


@dataclass
class Walker:
    live: LiveServer
    targets: list[Target]
    client: httpx.Client
    resident: httpx.Client
    token: str
    failures: list[logging.LogRecord]
    unused_tokens: dict[int, list[str]] = field(default_factory=dict)

    def fresh_csrf(self, client: httpx.Client) -> str:
        """A form token not used yet: each form of a page carries its own, so one page
        gives several (the settings page five). The resident is signed in again when a
        route of the sweep signed her out (a hostile form sent to /logout does)."""
        unused = self.unused_tokens.setdefault(id(client), [])
        if not unused:
            path = "/settings" if client is self.resident else "/login"
            page = client.get(path)
            if client is self.resident and page.is_redirect:
                log_in(client)
                page = client.get(path)
            unused.extend(CSRF.findall(page.text))
            # Without one, every form of the sweep would stop at the token check.
            assert unused, f"no form token on {path} ({page.status_code})"
        return unused.pop()

    def send(
        self,
        target: Target,
        segment: str,
        *,
        as_resident: bool,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes | None,
        content_type: str | None,
    ) -> httpx.Response:
        """Send one request, read the start of its answer, and check it: no 5xx, no freeze,
        nothing the boundary had to catch. The answer, closed, for its status and headers."""
        client = self.resident if as_resident else self.client
        path = fill(target.path, target.params, segment)
        # Header values travel as bytes: hostile ones need not be ASCII.
        request_headers = {name: value.encode() for name, value in headers.items()}
        if as_resident and "Authorization" not in request_headers:
            request_headers["Authorization"] = f"Bearer {self.token}".encode()
        if content_type:
            request_headers["Content-Type"] = content_type.encode()
        if body is not None and is_inbox_path(path):
            # What gets a body past the inbox's cheap checks to its parser before any
            # signature is verified: a right digest, a current date, any signature.
            request_headers.update(
                {
                    "Digest": digest_header(body).encode(),
                    "Date": formatdate(usegmt=True).encode(),
                    "Signature": (
                        b'keyId="http://127.0.0.1:9/actor#main-key",algorithm="rsa-sha256",'
                        b'headers="(request-target) host date digest",signature="AAAA"'
                    ),
                }
            )
        if target.method == "POST" and body is not None and content_type and "form" in content_type:
            body = b"csrf_token=" + self.fresh_csrf(client).encode() + b"&" + body
        started = time.monotonic()
        request = client.build_request(
            target.method, path, params=query, headers=request_headers, content=body
        )
        response = client.send(request, stream=True)
        try:
            # A stream (SSE) has answered once its headers are in: it never ends.
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                read = 0
                for chunk in response.iter_raw():
                    read += len(chunk)
                    if read >= MAX_READ:
                        break
        finally:
            response.close()
        elapsed = time.monotonic() - started
        where = f"{target.method} {path[:120]} {query!r:.200} {body!r:.120}"
        assert response.status_code < 500, f"{response.status_code} for {where}"
        assert elapsed < FREEZE_SECONDS, f"{elapsed:.2f} s for {where}"
        assert not self.failures, f"the boundary caught {self.failures[0].getMessage()}: {where}"
        return response


def log_in(client: httpx.Client) -> None:
    """Sign anne (an admin, terms accepted) in on `client`."""
    login_page = client.get("/login")
    answer = client.post(
        "/login",
        data={
            "csrf_token": CSRF.findall(login_page.text)[-1],
            "login": "anne",
            "password": PASSWORD,
        },
    )
    assert answer.is_redirect, answer.status_code


class _Collect(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]):
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def _seed(config) -> None:
    db = Database(config.database_url)
    await migrate(db)
    federation = await start_federation(config, db)
    try:
        ctx = federation.services
        account, anne = await accounts.create_account(ctx, "anne", PASSWORD, admin=True)
        # Else every page of hers would send her to the terms first, and her forms would
        # never reach their views.
        await legal.accept_terms(ctx, account.id)
        await accounts.create_account(ctx, "bob", PASSWORD)
        await posts.publish_note(ctx, anne, "Perceuse à prêter #offre")
        await groups.create_group(ctx, anne, "jardins", display_name="Jardins partagés")
    finally:
        await federation.close()
        await db.dispose()


@pytest.fixture(scope="module")
def walker(tmp_path_factory) -> Iterator[Walker]:
    # Hashing at full cost is not what this test measures: the cheapest argon2.
    saved_hasher = accounts._hasher
    accounts._hasher = cheap_hasher()
    accounts._dummy_hash.cache_clear()
    data_dir = tmp_path_factory.mktemp("every-route")
    built = {}

    def make_app(live: LiveServer):
        # Loopback only, as the demo: a handle naming 10.0.0.1 is refused, not dialled.
        config = instance_config(data_dir, live.port, signup_mode="open")
        asyncio.run(_seed(config))
        built["app"] = create_app(config)
        return built["app"]

    failures: list[logging.LogRecord] = []
    handler = _Collect(failures)
    boundary_log = logging.getLogger("fedlocal.boundary")
    boundary_log.addHandler(handler)
    try:
        with serve(make_app, lifespan="on") as live:
            options = {"base_url": live.base_url, "timeout": 10.0, "trust_env": False}
            with httpx.Client(**options) as client, httpx.Client(**options) as resident:
                log_in(resident)
                app = client.post(
                    "/api/v1/apps",
                    data={
                        "client_name": "fuzz",
                        "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                        "scopes": "read write follow push",
                    },
                ).json()
                token = client.post(
                    "/oauth/token",
                    data={
                        "grant_type": "password",
                        "client_id": app["client_id"],
                        "client_secret": app["client_secret"],
                        "username": "bob",
                        "password": PASSWORD,
                        "scope": "read write follow push",
                    },
                ).json()["access_token"]
                yield Walker(live, route_targets(built["app"]), client, resident, token, failures)
    finally:
        boundary_log.removeHandler(handler)
        accounts._hasher = saved_hasher
        accounts._dummy_hash.cache_clear()


# The sweep: every route, every hostile path segment, every hostile body


def test_every_route_is_walked(walker: Walker) -> None:
    paths = {target.path for target in walker.targets}
    # The families the issue names, as the app registers them.
    for expected in (
        "/",
        "/api/v1/statuses/{id}",
        "/oauth/token",
        "/inbox",
        "/users/{username}",
        "/objects/{post_id}",
        "/feed.atom",
        "/calendar.ics",
    ):
        assert expected in paths
    assert len(walker.targets) > 150


# The sweep's share of the lists (Hypothesis draws from all of them).
SWEEP_SEGMENTS = ["1", "²", str(2**63), "9" * 40, "%00", "a" * 3000, "anne", "<script>x</script>"]
SWEEP_JSON = [b"{", b"[]", b"[" * 50_000, b'"' + b'\\"' * 20_000, JSON_BODIES[8], b"\xff\xfe\x00"]
SWEEP_FORMS = FORM_BODIES[:3]


def stopped_at_the_door(response: httpx.Response) -> bool:
    """Whether a visitor was refused for not being signed in: the route's own reading of
    its path is then left to the resident's requests, which get past the door."""
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    return response.is_redirect and location.split("?")[0].endswith("/login")


def test_hostile_path_segments_on_every_route(walker: Walker) -> None:
    for target in walker.targets:
        if target.method == "HEAD":  # the GET's twin: once is enough
            segments, residents = ["²"], (False,)
        else:
            segments, residents = (SWEEP_SEGMENTS if target.params else ["-"]), (False, True)
        for as_resident in residents:
            for segment in segments:
                response = walker.send(
                    target,
                    segment,
                    as_resident=as_resident,
                    query={},
                    headers={},
                    body=None,
                    content_type=None,
                )
                if not as_resident and stopped_at_the_door(response):
                    break


def test_hostile_bodies_on_every_route_that_takes_one(walker: Walker) -> None:
    json_bodies = [(body, "application/json") for body in SWEEP_JSON]
    form_bodies = [(body, "application/x-www-form-urlencoded") for body in SWEEP_FORMS]
    other = [(b"--x\r\n\r\n--", "multipart/form-data; boundary=x"), (b"\x00", None)]
    for target in walker.targets:
        if target.method not in ("POST", "PUT", "PATCH", "DELETE"):
            continue
        # A visitor is stopped at the door of most routes: JSON is enough to try it, and
        # once refused for not being signed in (the first body is malformed, so a route
        # that read it before the door would have said so), the rest are the resident's;
        # a resident, with a fresh form token, reaches the views.
        tries = [(False, json_bodies), (True, json_bodies + form_bodies + other)]
        for as_resident, bodies in tries:
            for body, content_type in bodies:
                response = walker.send(
                    target,
                    "1",
                    as_resident=as_resident,
                    query={},
                    headers={},
                    body=body,
                    content_type=content_type,
                )
                if not as_resident and stopped_at_the_door(response):
                    break


# Hypothesis: combinations of parameters, headers and bodies


# Any character a URL or a form can carry (lone surrogates cannot be encoded at all).
TEXT = st.characters(exclude_categories=("Cs",))
EXAMPLES = int(os.environ.get("FEDLOCAL_FUZZ_EXAMPLES", "300"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CI", "").lower() == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    segment=st.one_of(st.sampled_from(HOSTILE_SEGMENTS), st.text(TEXT, min_size=1, max_size=40)),
    query=st.dictionaries(
        st.sampled_from(NAMES),
        st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(TEXT, max_size=60)),
        max_size=6,
    ),
    headers=st.sampled_from(HEADER_SETS),
    as_resident=st.booleans(),
    body=st.one_of(
        st.none(),
        st.sampled_from(JSON_BODIES).map(lambda b: (b, "application/json")),
        st.sampled_from(FORM_BODIES).map(lambda b: (b, "application/x-www-form-urlencoded")),
        st.dictionaries(
            st.sampled_from(NAMES),
            st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(TEXT, max_size=60)),
            max_size=8,
        ).map(
            lambda d: (httpx.QueryParams(d).__str__().encode(), "application/x-www-form-urlencoded")
        ),
    ),
)
def test_hostile_combinations(walker, data, segment, query, headers, as_resident, body):
    target = data.draw(st.sampled_from(walker.targets), label="target")
    raw, content_type = body if body is not None else (None, None)
    walker.send(
        target,
        quote(segment, safe=""),
        as_resident=as_resident,
        query=query,
        headers=headers,
        body=raw if target.method != "GET" else None,
        content_type=content_type if target.method != "GET" else None,
    )
