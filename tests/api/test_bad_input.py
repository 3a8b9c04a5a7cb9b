"""What a Mastodon app gets for bad input: the status code and JSON error Mastodon would
give, and nothing stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from fedlocal.services import oauth
from fedlocal.store import oauth as oauth_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import (
    idempotency_keys,
    oauth_access_tokens,
    oauth_applications,
    oauth_authorization_codes,
    objects,
    outgoing_activities,
)
from tests.api.browser import form_fields
from tests.api.conftest import PASSWORD, register_app


async def count(inst, table) -> int:
    async with inst.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_an_expired_token_is_refused(inst, http, ana) -> None:
    # Given ana's token has expired
    async with inst.db.write() as conn:
        token = await oauth_store.get_token(conn, oauth.digest(ana.token))
        await oauth_store.set_token_expiry(conn, token.id, utcnow() - timedelta(seconds=1))

    # When she posts with it
    response = await http.post("/api/v1/statuses", headers=ana.headers, data={"status": "hi"})

    # Then
    assert response.status_code == 401
    assert response.json() == {"error": "The access token expired"}
    assert await count(inst, objects) == 0


async def test_a_revoked_token_is_refused(inst, http, ana) -> None:
    # Given the app revoked ana's token
    app = await register_app(http)
    login = await http.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "ana",
            "password": PASSWORD,
        },
    )
    token = login.json()["access_token"]
    revoked = await http.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    assert revoked.status_code == 200 and revoked.json() == {}

    # When
    response = await http.post(
        "/api/v1/statuses", headers={"Authorization": f"Bearer {token}"}, data={"status": "hi"}
    )
    verify = await http.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )

    # Then
    assert response.status_code == 401
    assert response.json() == {"error": "The access token was revoked"}
    assert verify.status_code == 401
    assert await count(inst, objects) == 0


async def test_an_unknown_token_and_no_token_are_refused(http) -> None:
    unknown = await http.get(
        "/api/v1/timelines/home", headers={"Authorization": "Bearer not-a-token"}
    )
    missing = await http.get("/api/v1/timelines/home")
    assert (unknown.status_code, unknown.json()) == (401, {"error": "The access token is invalid"})
    assert (missing.status_code, missing.json()) == (401, {"error": "The access token is invalid"})


async def test_a_token_without_the_scope_is_refused(inst, http) -> None:
    # Given a read-only token
    from tests.api.conftest import make_resident

    reader = await make_resident(inst, http, "reader", scope="read")

    # When it posts, and when it reads
    posted = await http.post("/api/v1/statuses", headers=reader.headers, data={"status": "hi"})
    read = await http.get("/api/v1/timelines/home", headers=reader.headers)

    # Then posting is forbidden, reading allowed
    assert posted.status_code == 403
    assert posted.json() == {"error": "This action is outside the authorized scopes"}
    assert read.status_code == 200
    assert await count(inst, objects) == 0


async def test_a_token_cannot_get_more_scopes_than_the_app_registered(inst, http, ana) -> None:
    app = await register_app(http, scopes="read")
    response = await http.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "ana",
            "password": PASSWORD,
            "scope": "read write",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_an_app_token_cannot_act_as_a_user(inst, http) -> None:
    app = await register_app(http)
    granted = await http.post(
        "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write",
        },
    )
    headers = {"Authorization": f"Bearer {granted.json()['access_token']}"}
    response = await http.post("/api/v1/statuses", headers=headers, data={"status": "hi"})
    app_itself = await http.get("/api/v1/apps/verify_credentials", headers=headers)
    assert response.status_code == 422
    assert response.json() == {"error": "This method requires an authenticated user"}
    assert app_itself.status_code == 200 and app_itself.json()["name"] == "Test app"
    assert "client_secret" not in app_itself.json()


async def test_an_unregistered_redirect_uri_is_refused_without_redirecting(inst, http, ana) -> None:
    # Given an app registered for one redirect URI
    app = await register_app(http, redirect_uris="com.example.app:/oauth")
    query = {"client_id": app["client_id"], "response_type": "code", "scope": "read"}

    # When the authorization page is asked to send the code elsewhere
    page = await http.get(
        "/oauth/authorize", params={**query, "redirect_uri": "https://evil.example/cb"}
    )
    as_json = await http.get(
        "/oauth/authorize",
        params={**query, "redirect_uri": "https://evil.example/cb"},
        headers={"Accept": "application/json"},
    )

    # Then nothing redirects there, and the error is said
    assert page.status_code == 400 and "location" not in page.headers
    assert "invalid_redirect_uri" in page.text
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_redirect_uri"
    assert as_json.json()["error_description"]


async def test_a_code_cannot_be_exchanged_for_another_redirect_uri(inst, http, ana) -> None:
    # Given a code issued for the app's registered redirect URI
    app = await register_app(http, redirect_uris="com.example.app:/oauth")
    async with inst.db.read() as conn:
        found = await oauth_store.get_app_by_client_id(conn, app["client_id"])
    code = await oauth.issue_code(
        inst.services,
        found,
        ana.account,
        redirect_uri="com.example.app:/oauth",
        scopes=("read",),
        pkce=None,
    )
    tokens_before = await count(inst, oauth_access_tokens)

    # When the exchange names another redirect URI
    response = await http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code": code,
            "redirect_uri": "https://evil.example/cb",
        },
    )

    # Then
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert await count(inst, oauth_access_tokens) == tokens_before


async def test_registering_an_app_with_a_bad_redirect_uri_is_refused(inst, http) -> None:
    for bad in ("not a uri", "javascript:alert(1)", "https://example.org/cb#fragment", ""):
        response = await http.post(
            "/api/v1/apps", data={"client_name": "Bad", "redirect_uris": bad}
        )
        assert response.status_code == 422, bad
        assert response.json()["error"].startswith("Validation failed")
    assert await count(inst, oauth_applications) == 0


async def test_a_wrong_client_secret_is_refused(inst, http, ana) -> None:
    app = await register_app(http)
    tokens_before = await count(inst, oauth_access_tokens)
    for grant in (
        {"grant_type": "password", "username": "ana", "password": PASSWORD},
        {"grant_type": "client_credentials"},
        {"grant_type": "authorization_code", "code": "whatever"},
    ):
        response = await http.post(
            "/oauth/token",
            data={**grant, "client_id": app["client_id"], "client_secret": "wrong"},
        )
        assert response.status_code == 401, grant
        assert response.json()["error"] == "invalid_client"
        assert response.json()["error_description"]
    assert await count(inst, oauth_access_tokens) == tokens_before


async def test_a_wrong_password_is_an_invalid_grant(inst, http, ana) -> None:
    app = await register_app(http)
    response = await http.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "ana",
            "password": "not her password",
        },
    )
    unsupported = await http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"


async def test_an_unknown_status_id_is_not_found(inst, http, ana) -> None:
    for method, path in (
        ("GET", "/api/v1/statuses/999999"),
        ("GET", "/api/v1/statuses/abc"),
        ("GET", "/api/v1/statuses/999999/context"),
        ("POST", "/api/v1/statuses/999999/favourite"),
        ("POST", "/api/v1/statuses/999999/reblog"),
        ("DELETE", "/api/v1/statuses/999999"),
        ("GET", "/api/v1/accounts/999999"),
        ("GET", "/api/v1/notifications/999999"),
    ):
        response = await http.request(method, path, headers=ana.headers)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"error": "Record not found"}
    reply = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        data={"status": "a reply to nothing", "in_reply_to_id": "999999"},
    )
    assert reply.status_code == 404
    assert await count(inst, objects) == 0


async def test_an_over_long_status_is_refused(inst, http, ana) -> None:
    limit = inst.config.post_max_characters
    response = await http.post(
        "/api/v1/statuses",
        headers={**ana.headers, "Idempotency-Key": "too-long"},
        json={"status": "a" * (limit + 1)},
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": f"Validation failed: Text character limit of {limit} exceeded"
    }
    assert await count(inst, objects) == 0
    assert await count(inst, outgoing_activities) == 0
    assert await count(inst, idempotency_keys) == 0


async def test_other_refused_statuses_store_nothing(inst, http, ana) -> None:
    cases = [
        ({"status": "   "}, "Validation failed: Text can't be blank"),
        ({"status": "hi", "visibility": "everyone"}, None),
        ({"status": "hi", "media_ids[]": "12"}, None),
        ({"status": "hi", "poll[options][]": ["a", "b"], "poll[expires_in]": "600"}, None),
        ({"status": "Un vélo #offre", "visibility": "direct"}, None),
        ({"status": ("t" * 130) + " #offre"}, None),
    ]
    for data, message in cases:
        response = await http.post("/api/v1/statuses", headers=ana.headers, data=data)
        assert response.status_code == 422, (data, response.text)
        assert response.json()["error"].startswith("Validation failed"), response.text
        if message:
            assert response.json()["error"] == message
    assert await count(inst, objects) == 0


async def test_a_replayed_code_and_a_bad_pkce_verifier_are_refused(inst, http, ana) -> None:
    import base64
    import hashlib

    app = await register_app(http)
    verifier = "v" * 50
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    async with inst.db.read() as conn:
        found = await oauth_store.get_app_by_client_id(conn, app["client_id"])
    code = await oauth.issue_code(
        inst.services,
        found,
        ana.account,
        redirect_uri=oauth.OOB,
        scopes=("read",),
        pkce=(challenge, "S256"),
    )
    exchange = {
        "grant_type": "authorization_code",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "code": code,
        "redirect_uri": oauth.OOB,
    }
    wrong = await http.post("/oauth/token", data={**exchange, "code_verifier": "w" * 50})
    right = await http.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    again = await http.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert right.status_code == 200 and right.json()["scope"] == "read"
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    async with inst.db.read() as conn:
        used = await conn.execute(select(oauth_authorization_codes.c.used_at))
        assert [row.used_at is not None for row in used] == [True]


async def test_the_authorization_form_needs_its_csrf_token(inst, http, ana) -> None:
    app = await register_app(http)
    query = {"client_id": app["client_id"], "response_type": "code", "scope": "read"}
    page = await http.get("/oauth/authorize", params={**query, "redirect_uri": oauth.OOB})
    _action, fields = form_fields(page.text)
    forged = {**fields, "csrf_token": "forged", "username": "ana", "password": PASSWORD}
    response = await http.post("/oauth/authorize", data=forged)
    assert response.status_code == 403
    assert await count(inst, oauth_authorization_codes) == 0


async def test_a_json_body_nested_a_hundred_thousand_deep_is_400(inst, http) -> None:
    # json.loads raises RecursionError on this, which is no ValueError: it was a 500.
    # (the second one as deep as the API's 256 KiB body limit allows)
    for body in (b"[" * 100_000, b'{"a":' * 40_000 + b"1" + b"}" * 40_000):
        response = await http.post(
            "/api/v1/apps", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert "not valid JSON" in response.json()["error"]
    assert await count(inst, oauth_applications) == 0
