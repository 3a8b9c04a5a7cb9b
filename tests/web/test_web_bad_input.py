"""Bad input to the web app's forms: a clear message and a 4xx, nothing stored, never a
500. Missing and replayed CSRF tokens, a too-long title, an unknown category, a wrong
password ten times, and bodies that are not forms at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fedlocal.store import sessions as session_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import login_attempts, objects, web_sessions

from .web_client import WebClient, csrf_tokens

OFFER = {
    "intent": "give",
    "title": "Vélo d'enfant",
    "category": "objects",
    "quarter": "Paramé",
    "quantity": "1",
    "visibility": "public",
}


async def _count(inst, table, *conditions) -> int:
    async with inst.db.read() as conn:
        query = select(func.count()).select_from(table)
        for condition in conditions:
            query = query.where(condition)
        return (await conn.execute(query)).scalar_one()


async def _posts(inst) -> int:
    return await _count(inst, objects, objects.c.is_local.is_(True))


async def test_a_form_without_its_csrf_token_is_refused(inst, alice_web):
    response = await alice_web.http.post("/new/offer", data=OFFER)

    assert response.status_code == 403
    assert "without its security token" in response.text
    assert await _posts(inst) == 0


async def test_a_forged_or_foreign_csrf_token_is_refused(inst, alice_web, web):
    # A token made up, and a real one from another visitor's session.
    other = await web.token("/signup")
    for token in ("1.abc.def", "not-a-token", other):
        response = await alice_web.submit("/new/offer", "/new/offer", OFFER, token=token)
        assert response.status_code == 403, token
        assert "not valid" in response.text
    assert await _posts(inst) == 0


async def test_a_replayed_form_is_refused_and_stores_nothing_more(inst, alice_web):
    token = await alice_web.token("/new/offer")

    first = await alice_web.submit("/new/offer", "/new/offer", OFFER, token=token)
    replay = await alice_web.submit("/new/offer", "/new/offer", OFFER, token=token)

    assert first.status_code == 303
    assert replay.status_code == 403
    assert "already sent once" in replay.text
    assert await _posts(inst) == 1


async def test_a_form_from_a_visitor_without_a_session_is_refused(inst, web):
    response = await web.http.post("/login", data={"csrf_token": "1.a.b", "login": "x"})

    assert response.status_code == 403
    assert "cookie" in response.text


async def test_a_too_long_title_is_shown_beside_the_field_and_nothing_is_stored(inst, alice_web):
    long_title = "Très " * 40

    response = await alice_web.submit(
        "/new/offer", "/new/offer", {**OFFER, "title": long_title, "description": "Kept"}
    )

    assert response.status_code == 422
    assert 'id="f-title-error"' in response.text
    assert "at most 120 characters" in response.text
    assert 'aria-invalid="true"' in response.text
    assert ">Kept</textarea>" in response.text  # the input is kept
    assert await _posts(inst) == 0


@pytest.mark.parametrize("category", ["weapons", "", "../objects", "Objects", "objets"])
async def test_an_unknown_category_is_refused(inst, alice_web, category):
    response = await alice_web.submit("/new/offer", "/new/offer", {**OFFER, "category": category})

    assert response.status_code == 422
    assert 'id="f-category-error"' in response.text
    assert await _posts(inst) == 0


async def test_event_form_errors_stay_beside_their_fields(inst, alice_web):
    response = await alice_web.submit(
        "/new/event",
        "/new/event",
        {
            "title": "Troc",
            "category": "unknown",
            "starts_on": "2030-02-30",
            "starts_time": "14:00",
            "capacity": "-3",
            "join_mode": "free",
            "visibility": "public",
            "quarter": "Atlantis",
        },
    )

    assert response.status_code == 422
    for field in ("category", "starts_on", "capacity", "quarter"):
        assert f'id="f-{field}-error"' in response.text, field
    assert 'value="Troc"' in response.text
    assert await _posts(inst) == 0


async def test_a_wrong_password_ten_times_is_refused_then_rate_limited(inst, alice, web):
    statuses = []
    for _ in range(10):
        response = await web.submit(
            "/login", "/login", {"login": "alice", "password": "not her password"}
        )
        statuses.append(response.status_code)

    # Five refusals, then the account is locked for a while: even the right password waits
    assert statuses == [401] * 5 + [429] * 5
    locked = await web.submit("/login", "/login", {"login": "alice", "password": "x" * 20})
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    right = await web.submit(
        "/login", "/login", {"login": "alice", "password": "a long enough password"}
    )
    assert right.status_code == 429
    # Only the five checked attempts are recorded; no session belongs to alice
    assert await _count(inst, login_attempts) == 5
    account_sessions = await _count(inst, web_sessions, web_sessions.c.account_id.is_not(None))
    assert account_sessions == 0


async def test_failures_from_one_address_are_limited_across_accounts(inst, web):
    statuses = []
    for number in range(22):
        response = await web.submit(
            "/login", "/login", {"login": f"nobody{number}", "password": "wrong password"}
        )
        statuses.append(response.status_code)
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429, 429]


async def test_a_form_without_photos_takes_no_multipart_body(inst, alice_web):
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    response = await alice_web.http.post("/follow", headers=headers, content=b"--x--")
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Content-Type": "application/json"}, b'{"title": "x"}', 415),
        # /new/offer takes photos: a multipart body is read, then refused for its lack of token
        ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x--", 403),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"title=%FF%FE", 400),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "tïtle=x".encode(), 400),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"a=" + b"x" * 300_000, 413),
    ],
)
async def test_bodies_that_are_not_our_forms_get_a_4xx(inst, alice_web, headers, body, status):
    response = await alice_web.http.post("/new/offer", headers=headers, content=body)

    assert response.status_code == status
    assert "<h1>" in response.text
    assert await _posts(inst) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/posts/0",
        "/posts/abc",
        "/posts/99999999999999999999999",
        "/posts/-1",
        "/@nobody",
        "/groups/nobody",
        "/language/de",
    ],
)
async def test_unknown_things_are_404_pages(web, path):
    response = await web.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


async def test_actions_on_a_post_that_is_not_theirs_are_refused(inst, alice, alice_web, web):
    response = await alice_web.submit("/new/offer", "/new/offer", OFFER)
    path = response.headers["location"].split("?")[0]
    await web.sign_up("mallory")

    for action in ("close", "cancel", "release"):
        refused = await web.submit(path, f"{path}/{action}", {})
        assert refused.status_code in (403, 409), action
    reserve = await web.submit(path, f"{path}/reserve", {"for": "http://evil.example/x"})
    assert reserve.status_code == 422


async def test_used_tokens_and_expired_sessions_are_purged(inst):
    async with inst.db.write() as conn:
        now = utcnow()
        session = await session_store.create(
            conn,
            token_hash="0" * 64,
            account_id=None,
            csrf_secret="s",
            now=now - timedelta(days=2),
            expires_at=now - timedelta(days=1),
        )
        assert await session_store.use_form_token(conn, session.id, "1" * 64, now=now)
        assert not await session_store.use_form_token(conn, session.id, "1" * 64, now=now)
        await session_store.purge(conn, now=now, tokens_used_before=now)
    assert await _count(inst, web_sessions, web_sessions.c.id == session.id) == 0


async def test_every_form_on_the_main_pages_carries_a_token(inst, alice_web):
    for path in ("/", "/new/offer", "/new/event", "/settings", "/groups", "/follow"):
        response = await alice_web.get(path)
        forms = response.text.count('method="post"')
        assert forms > 0, path
        assert len(csrf_tokens(response.text)) == forms, path
    anonymous = WebClient(inst.base_url)
    async with anonymous:
        for path in ("/login", "/signup"):
            response = await anonymous.get(path)
            assert len(csrf_tokens(response.text)) == response.text.count('method="post"')
