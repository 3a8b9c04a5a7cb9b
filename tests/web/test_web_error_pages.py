"""Addresses with nothing behind them: a page for browsers in the visitor's language, the
machine formats (JSON, ActivityStreams) for everything else."""

from __future__ import annotations

import pytest

from fedlocal.services import posts as post_service

from .web_client import WebClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
AP = "application/activity+json"


@pytest.mark.parametrize(
    "path", ["/doesnotexist", "/posts/999999", "/objects/999999", "/users/nobody", "/@nobody"]
)
async def test_a_browser_gets_a_page_in_its_language_for_nothing_here(inst, path):
    async with WebClient(inst.base_url, language="fr") as browser:
        response = await browser.get(path, headers={"Accept": BROWSER})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in response.text
    assert "Page introuvable" in response.text or "Désolé" in response.text
    assert '"error"' not in response.text


@pytest.mark.parametrize("path", ["/objects/999999", "/users/nobody"])
async def test_a_server_still_gets_json_at_the_federation_urls(inst, web, path):
    response = await web.get(path, headers={"Accept": AP})

    assert response.status_code == 404
    assert response.json() == {"error": response.json()["error"]}


async def test_a_deleted_post_is_a_410_page_for_browsers(inst, alice, alice_web):
    _account, actor = alice
    published = await alice_web.submit(
        "/new/offer",
        "/new/offer",
        {
            "intent": "give",
            "title": "Vélo",
            "address": "Paramé",
            "category": "objects",
            "quantity": "1",
            "visibility": "public",
        },
    )
    post_id = int(published.headers["location"].split("/posts/")[1].split("?")[0])
    await post_service.delete_post(inst.services, actor, post_id)

    async with WebClient(inst.base_url, language="fr") as browser:
        response = await browser.get(f"/posts/{post_id}", headers={"Accept": BROWSER})

    assert response.status_code == 410
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in response.text
