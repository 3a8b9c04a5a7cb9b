"""Malformed input to the client API and OAuth: a 4xx in Mastodon's or OAuth's shape,
never a 500 (each case here was a 500 before the input boundary). Cases share one
instance per test: starting an instance costs more than the requests."""

from __future__ import annotations

HUGE = "9" * 30  # beyond any 64-bit id: OverflowError in the database driver before
PAGED = ("/api/v1/timelines/home", "/api/v1/notifications", "/api/v1/favourites")
NOT_IDS = ("²", "١٢", str(2**63), HUGE, "-3")
BY_ID = ("/api/v1/accounts/{}", "/api/v1/statuses/{}", "/api/v1/statuses/{}/context")


async def test_a_page_bound_beyond_the_store_range_is_a_bad_request(http, ana) -> None:
    for path in PAGED:
        for bound in ("max_id", "since_id", "min_id"):
            response = await http.get(path, params={bound: HUGE}, headers=ana.headers)

            assert response.status_code == 400, (path, bound, response.text)
            assert bound in response.json()["error"]


async def test_page_bounds_within_range_still_page(http, ana) -> None:
    response = await http.get(
        "/api/v1/timelines/home",
        params={"since_id": "0", "max_id": str(2**63 - 1)},
        headers=ana.headers,
    )
    assert response.status_code == 200
    assert response.json() == []


async def test_an_id_that_is_not_one_is_record_not_found(http, ana) -> None:
    for template in BY_ID:
        for raw in NOT_IDS:
            response = await http.get(template.format(raw), headers=ana.headers)

            assert response.status_code == 404, (template, raw, response.text)
            assert response.json() == {"error": "Record not found"}


async def test_oauth_refuses_a_body_that_is_not_a_json_object_in_oauth_terms(http) -> None:
    for path in ("/oauth/token", "/oauth/revoke"):
        for body in (b"{", b"[]", b'"text"', b"[" * 100_000, b"\xff\xfe", b'{"a": NaN}'):
            response = await http.post(
                path, content=body, headers={"Content-Type": "application/json"}
            )

            assert response.status_code == 400, (path, body[:10], response.text)
            assert response.json()["error"] == "invalid_request"
            assert response.json()["error_description"]


async def test_app_registration_refuses_deep_nesting_without_a_recursion_error(http) -> None:
    response = await http.post(
        "/api/v1/apps", content=b"[" * 100_000, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


async def test_searching_a_broken_url_with_resolve_finds_nothing(http, ana) -> None:
    for query in ("https://", "http://", "https:///x", "https://[::1", "http://%"):
        response = await http.get(
            "/api/v2/search", params={"q": query, "resolve": "true"}, headers=ana.headers
        )

        assert response.status_code == 200, (query, response.text)
        assert response.json() == {"accounts": [], "statuses": [], "hashtags": []}


async def test_search_offsets_and_limits_out_of_range_are_not_errors(http, ana) -> None:
    for offset in (HUGE, "-5", "1e9", "²"):
        for path in ("/api/v2/search", "/api/v1/accounts/search"):
            response = await http.get(
                path, params={"q": "jardin", "offset": offset, "limit": HUGE}, headers=ana.headers
            )
            assert response.status_code == 200, (path, offset, response.text)


async def test_ids_that_are_not_ids_in_lists_and_replies(http, ana, bob) -> None:
    relationships = await http.get(
        "/api/v1/accounts/relationships",
        params=[("id[]", "²"), ("id[]", HUGE), ("id[]", str(bob.actor.id))],
        headers=ana.headers,
    )
    reply = await http.post(
        "/api/v1/statuses", data={"status": "hello", "in_reply_to_id": "²"}, headers=ana.headers
    )

    assert relationships.status_code == 200
    assert [entry["id"] for entry in relationships.json()] == [str(bob.actor.id)]
    assert reply.status_code == 404
