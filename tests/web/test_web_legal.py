"""The legal pages, their footer links, consent at sign-up and again after new terms, the
admins' editing of the pages, "Your data", and pages that load nothing from elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from fedlocal.models import Attachment
from fedlocal.services.accounts import create_account
from fedlocal.store import accounts as account_store
from fedlocal.store import legal as legal_store
from tests.support.instance import running_instance

from . import seed
from .conftest import QUARTERS
from .web_client import PASSWORD, WebClient, notice

LEGAL_LINKS = (
    "/legal/notice",
    "/legal/privacy",
    "/legal/terms",
    "/legal/accessibility",
    "/your-data",
)
LEGAL = {
    "publisher": "Mairie de Saint-Malo",
    "address": "Place Chateaubriand, 35400 Saint-Malo",
    "publication_director": "La maire de Saint-Malo",
    "host_name": "Hébergeur Breton SAS",
    "host_address": "1 rue du Port, 35000 Rennes",
    "dpo_contact": "dpo@saint-malo.example",
    "accessibility_status": "partial",
    "terms_version": "2",
}


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(
        tmp_path, area=QUARTERS, signup_mode="open", legal=LEGAL, run_workers=False
    ) as instance:
        yield instance


async def account_id(inst, username: str) -> int:
    async with inst.db.read() as conn:
        account = await account_store.get_account_by_username(conn, username)
    assert account is not None
    return account.id


async def accepted(inst, username: str, version: str):
    async with inst.db.read() as conn:
        return await legal_store.accepted_at(conn, await account_id(inst, username), version)


class _Links(HTMLParser):
    """Every address a page makes the browser load (src, srcset, poster, stylesheets,
    icons, preloads), and every link of its footer."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.footer: list[str] = []
        self._in_footer = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "footer":
            self._in_footer += 1
        if tag == "a" and self._in_footer and values.get("href"):
            self.footer.append(values["href"])
        for name in ("src", "poster", "data"):
            if values.get(name):
                self.loaded.append(values[name])
        if values.get("srcset"):
            self.loaded += [part.split()[0] for part in values["srcset"].split(",") if part.strip()]
        if tag == "link" and values.get("rel") not in ("alternate",):
            self.loaded.append(values.get("href") or "")
        if values.get("style"):
            self.loaded += re.findall(r"url\(['\"]?([^'\")]+)", values["style"])

    def handle_endtag(self, tag):
        if tag == "footer":
            self._in_footer -= 1


def links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


async def test_every_page_links_the_legal_pages_in_its_footer(inst, web):
    # Given a resident, logged in, and a visitor
    await create_account(inst.services, "alice", PASSWORD, terms_version="2")
    async with WebClient(inst.base_url) as alice:
        await alice.log_in("alice")
        for client, paths in (
            (web, ("/", "/feed", "/groups", "/about", "/login", "/signup", "/your-data")),
            (alice, ("/", "/settings", "/notifications", "/messages", "/new/offer", "/@alice")),
        ):
            for path in (*paths, *LEGAL_LINKS):
                # When they open the page
                response = await client.get(path)
                assert response.status_code == 200, path
                # Then its footer links every legal page and "Your data"
                footer = links(response.text).footer
                assert set(LEGAL_LINKS) <= set(footer), (path, footer)
    # And the footer states the accessibility status, as RGAA asks
    assert "Accessibility: partially compliant" in (await web.get("/")).text


async def test_legal_pages_are_filled_from_the_config_in_the_readers_language(inst):
    async with WebClient(inst.base_url, language="fr") as french:
        privacy = (await french.get("/legal/privacy")).text
        notice_page = (await french.get("/legal/notice")).text
        accessibility = (await french.get("/legal/accessibility")).text
    assert "Politique de confidentialité" in privacy
    assert "Mairie de Saint-Malo" in privacy and "dpo@saint-malo.example" in privacy
    assert "www.cnil.fr" in privacy and 'href="/your-data"' in privacy
    assert "Hébergeur Breton SAS" in notice_page and "La maire de Saint-Malo" in notice_page
    assert "partiellement conforme" in accessibility and "Défenseur des droits" in accessibility
    async with WebClient(inst.base_url, language="en") as english:
        terms = (await english.get("/legal/terms")).text
        assert (await english.get("/legal/nothing")).status_code == 404
    assert "Terms of use" in terms and "Version 2" in terms


async def test_your_data_lists_what_is_kept_for_as_long_as_the_config_says(tmp_path):
    async with (
        running_instance(
            tmp_path, session_retention_days=14, notification_retention_days=45, run_workers=False
        ) as inst,
        WebClient(inst.base_url) as web,
    ):
        page = (await web.get("/your-data")).text
    assert "14 days after their last use" in page
    assert "45 days" in page
    assert "IP addresses" in page and "None" in page
    assert 'href="/legal/privacy"' in page


async def test_sign_up_needs_the_terms_accepted_and_records_their_version(inst, web):
    # When someone signs up without ticking the box
    refused = await web.sign_up("zoe", agreement="")
    # Then the form comes back with the reason beside the box, and no account is made
    assert refused.status_code == 422
    assert "Accept the terms of use and the privacy policy" in refused.text
    assert 'id="f-agreement-error"' in refused.text
    async with inst.db.read() as conn:
        assert await account_store.get_account_by_username(conn, "zoe") is None

    # When she ticks it
    response = await web.sign_up("zoe")
    assert response.status_code == 303 and notice(response) == "welcome"
    # Then her acceptance of the current terms is recorded with its time
    assert await accepted(inst, "zoe", "2") is not None
    # And she goes on without being asked again
    assert (await web.get("/feed")).status_code == 200


async def test_new_terms_are_accepted_before_anything_else(inst):
    # Given alice accepted version 1, and the instance now has version 2
    await create_account(inst.services, "alice", PASSWORD, terms_version="1")
    async with WebClient(inst.base_url) as alice:
        await alice.log_in("alice", accept_terms=False)

        # When she opens a page or sends a form
        feed = await alice.get("/feed?kind=offer")
        token = await alice.token("/legal/accept")
        publish = await alice.http.post("/new/offer", data={"csrf_token": token, "title": "x"})

        # Then she is asked to accept the new terms first, and comes back where she was
        assert feed.status_code == 303
        assert feed.headers["location"] == "/legal/accept?next=%2Ffeed%3Fkind%3Doffer"
        assert publish.status_code == 303
        assert publish.headers["location"].startswith("/legal/accept")
        asked = await alice.get("/legal/accept?next=%2Ffeed")
        assert asked.status_code == 200 and "version 2" in asked.text
        # While the legal pages and "Your data" stay open
        for path in LEGAL_LINKS:
            assert (await alice.get(path)).status_code == 200, path
        assert await accepted(inst, "alice", "2") is None

        # When she accepts
        response = await alice.submit(
            "/legal/accept?next=%2Ffeed", "/legal/accept", {"next": "/feed"}
        )
        # Then it is recorded, and she goes back to the feed
        assert response.status_code == 303 and response.headers["location"] == "/feed"
        assert await accepted(inst, "alice", "2") is not None
        assert (await alice.get("/feed")).status_code == 200
        assert (await alice.get("/legal/accept")).headers["location"] == "/"


async def test_a_resident_asked_to_accept_can_log_out(inst):
    await create_account(inst.services, "alice", PASSWORD)
    async with WebClient(inst.base_url) as alice:
        await alice.log_in("alice", accept_terms=False)
        asked = await alice.get("/legal/accept")
        assert 'action="/logout"' in asked.text
        response = await alice.submit("/legal/accept", "/logout", {})
        assert response.status_code == 303 and notice(response) == "logged-out"
        assert (await alice.get("/feed")).status_code == 200


async def test_admins_edit_the_legal_pages_and_residents_cannot(inst):
    await create_account(inst.services, "mairie", PASSWORD, admin=True, terms_version="2")
    await create_account(inst.services, "alice", PASSWORD, terms_version="2")
    async with WebClient(inst.base_url) as admin, WebClient(inst.base_url) as alice:
        await admin.log_in("mairie")
        await alice.log_in("alice")
        # Given the admin's list of the pages, each showing its template
        listing = await admin.get("/admin/legal")
        assert listing.status_code == 200 and 'href="/admin/legal/terms/fr"' in listing.text
        form = await admin.get("/admin/legal/terms/fr")
        assert "Mairie de Saint-Malo" in form.text  # the filled template, to start from

        # When the admin writes the French terms, with a script and a remote picture
        body = (
            "## Règles du quartier\n\nSoyez **aimables**.\n\n"
            "<script>alert(1)</script>\n\n![x](https://elsewhere.example/x.png)"
        )
        saved = await admin.submit("/admin/legal/terms/fr", "/admin/legal/terms/fr", {"body": body})
        assert saved.status_code == 303 and notice(saved) == "legal-saved"

        # Then French readers get it, rendered safely; English readers keep the template
        async with WebClient(inst.base_url, language="fr") as french:
            page = (await french.get("/legal/terms")).text
        assert "<h2>Règles du quartier</h2>" in page and "<strong>aimables</strong>" in page
        assert "<script>alert" not in page and "elsewhere.example" not in page
        assert "Règles du quartier" not in (await alice.get("/legal/terms")).text

        # When a resident tries the admin's pages
        assert (await alice.get("/admin/legal")).status_code == 403
        assert (await alice.get("/admin/legal/terms/fr")).status_code == 403
        refused = await alice.submit("/legal/terms", "/admin/legal/terms/fr", {"body": "Mine"})
        assert refused.status_code == 403

        # And when the admin returns the page to its template
        back = await admin.submit(
            "/admin/legal/terms/fr", "/admin/legal/terms/fr", {"action": "template"}
        )
        assert back.status_code == 303
        async with WebClient(inst.base_url, language="fr") as french:
            page = (await french.get("/legal/terms")).text
        assert "Règles du quartier" not in page and "Version 2" in page
        # Every version is kept
        async with inst.db.read() as conn:
            assert await legal_store.count_edits(conn, "terms", "fr") == 2
        assert (await admin.get("/admin/legal/terms/de")).status_code == 404


async def test_pages_load_nothing_from_another_server(inst):
    # Given a neighbour from elsewhere with an avatar, a header and a photo, and alice
    far = await seed.remote_actor(
        inst,
        "far",
        "elsewhere.example",
        icon_url="https://elsewhere.example/avatar.png",
        image_url="https://elsewhere.example/header.png",
    )
    photo = Attachment(
        url="https://elsewhere.example/photo.jpg",
        media_type="image/jpeg",
        preview_url="https://elsewhere.example/photo-small.jpg",
        description="A photo",
        remote_url="https://elsewhere.example/photo.jpg",
    )
    post = await seed.remote_post(
        inst,
        far,
        "https://elsewhere.example/notes/1",
        type="Note",
        content="<p>Hello <img src='https://elsewhere.example/pixel.gif'></p>",
        attachments=(photo,),
    )
    await create_account(inst.services, "alice", PASSWORD, terms_version="2")
    post_path = f"/posts/{post.id}"
    async with WebClient(inst.base_url) as visitor, WebClient(inst.base_url) as alice:
        await alice.log_in("alice")
        await alice.submit("/follow", "/follow", {"handle": "@far@elsewhere.example"})
        seen = (
            (
                visitor,
                ("/", "/feed", "/about", "/groups", "/signup", "/login", f"/posts/{post.id}"),
            ),
            (
                alice,
                (
                    "/",
                    "/feed",
                    post_path,
                    "/settings",
                    "/notifications",
                    "/messages",
                    "/new/offer",
                    "/new/event",
                    "/@alice",
                    *LEGAL_LINKS,
                ),
            ),
        )
        for client, paths in seen:
            for path in paths:
                # When the page is rendered
                response = await client.get(path)
                assert response.status_code == 200, path
                # Then every script, style, font, picture and frame it loads is ours
                for address in links(response.text).loaded:
                    parts = urlsplit(address)
                    own = not parts.netloc or f"{parts.scheme}://{parts.netloc}" == inst.base_url
                    assert own and parts.scheme in ("", "http", "data"), (path, address)
                # And the policy forbids the browser anything else
                assert "default-src 'self'" in response.headers["content-security-policy"]
    # The stylesheet loads no font or picture from elsewhere either
    async with WebClient(inst.base_url) as web:
        css = (await web.get("/static/fedlocal.css")).text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@import" not in css
