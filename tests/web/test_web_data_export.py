"""Downloading one's data from the settings: asked for, built in the background with its
progress shown, the resident notified, the zip for its owner only."""

from __future__ import annotations

import io
import json
import zipfile

from fedlocal.services import data_exports
from fedlocal.store import accounts as account_store
from tests.support.waiting import wait_for

from .conftest import make_resident
from .web_client import WebClient, notice


async def test_a_resident_asks_for_their_data_and_downloads_it(inst, alice, alice_web):
    # Given alice's settings offer a download of her data
    settings = await alice_web.get("/settings")
    assert 'action="/settings/export"' in settings.text

    # When she asks for it
    asked = await alice_web.submit("/settings", "/settings/export", {})
    assert asked.status_code == 303 and notice(asked) == "export-requested"

    # Then the worker builds it, and she is notified
    async with inst.db.read() as conn:
        account = await account_store.get_account_by_username(conn, "alice")

    async def ready():
        found = await data_exports.current(inst.services, account)
        return found if found is not None and found.state == "ready" else None

    export = await wait_for(ready, message="alice's data download ready")
    notifications = await alice_web.get("/notifications")
    assert "Your data download is ready" in notifications.text

    # And her settings link to it; the zip is hers, with her actor
    settings = await alice_web.get("/settings")
    link = f"/settings/export/{export.id}"
    assert f'href="{link}"' in settings.text
    response = await alice_web.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        actor = json.loads(archive.read("actor.json"))
    assert actor["preferredUsername"] == "alice"

    # A malformed id is a plain 404 page, not an error
    assert (await alice_web.get("/settings/export/abc")).status_code == 404

    # And someone else gets 404 for it, a visitor the login page
    await make_resident(inst, "bob")
    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        assert (await bob.get(link)).status_code == 404
    async with WebClient(inst.base_url) as visitor:
        assert (await visitor.get(link)).status_code == 303
