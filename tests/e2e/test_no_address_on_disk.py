"""No client address is written to disk (issue 17, data minimisation): `fedlocal serve`
behind a reverse proxy (which passes the resident's address in `X-Forwarded-For`, read
by uvicorn), at the chattiest log level, while a resident signs up, fails a login, logs
in, publishes, meets an error page and a Mastodon app fails its password grant. Then
neither the database files, the media nor the server's log hold that address."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from tests.support.processes import Instance
from tests.web.web_client import PASSWORD, WebClient

# An address of the documentation range, as a resident's phone behind the proxy.
RESIDENT_ADDRESS = "203.0.113.77"
OFFER = {
    "intent": "give",
    "title": "Poussette",
    "category": "objects",
    "quantity": "1",
    "visibility": "public",
}


def _forms_of(address: str) -> list[bytes]:
    packed = ipaddress.ip_address(address).packed
    return [address.encode(), address.encode("utf-16-le"), packed]


def _files_holding(directory: Path, needles: list[bytes]) -> list[str]:
    return [
        str(path)
        for path in directory.rglob("*")
        if path.is_file() and any(needle in path.read_bytes() for needle in needles)
    ]


async def test_no_client_address_reaches_the_database_or_the_log(tmp_path) -> None:
    # Given an instance logging everything (uvicorn's access log included)
    instance = Instance(
        tmp_path,
        "quartier",
        log_level="debug",
        signup_mode="open",
    )
    await instance.start()
    try:
        async with WebClient(instance.base_url) as web:
            web.http.headers["X-Forwarded-For"] = RESIDENT_ADDRESS
            # When a resident signs up, logs out, mistypes her password, logs in, publishes
            assert (await web.sign_up("zoe")).status_code == 303
            await web.submit("/feed", "/logout", {})
            failed = await web.submit("/login", "/login", {"login": "zoe", "password": "wrong!!!"})
            assert failed.status_code == 401 or failed.status_code == 422, failed.status_code
            await web.log_in("zoe")
            published = await web.submit("/new/offer", "/new/offer", OFFER)
            assert published.status_code == 303, published.text[:500]
            # and meets an error page, and an app's password grant fails
            assert (await web.get("/posts/999999")).status_code == 404
            app = (
                await web.http.post(
                    "/api/v1/apps",
                    data={"client_name": "Tusky", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
                )
            ).json()
            grant = await web.http.post(
                "/oauth/token",
                data={
                    "grant_type": "password",
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "username": "zoe",
                    "password": "not " + PASSWORD,
                    "scope": "read",
                },
            )
            assert grant.status_code in (400, 401)
    finally:
        await instance.stop()

    # Then the server did see her requests (its access log has their lines)...
    log = instance.server.log_path.read_text(encoding="utf-8", errors="replace")
    assert '"POST /new/offer HTTP/1.1" 303' in log
    # ...but neither the log nor any file of the instance holds her address
    needles = _forms_of(RESIDENT_ADDRESS)
    assert RESIDENT_ADDRESS not in log
    assert _files_holding(instance.config.data_dir, needles) == []
