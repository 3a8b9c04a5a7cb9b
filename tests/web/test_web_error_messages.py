"""Every refusal a resident can see is a plain sentence in their language: the services'
messages are all translated (checked from the source), and the paths where another
server's or a service's error reaches a page show French to a French visitor, with no
English and no technical detail (that goes to the log)."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

from fedlocal.services.groups import create_group
from tests.support.instance import running_instance
from web.service_messages import KNOWN

from .conftest import make_resident
from .web_client import WebClient

ROOT = Path(__file__).parents[2]
ERRORS = {"ServiceError", "InvalidInput", "NotFound", "Forbidden", "Conflict", "RemoteFailure"}
# Services only the Mastodon client API, the CLI or the workers use: their messages are
# Mastodon's or an administrator's, never shown on a page.
NOT_ON_PAGES = {
    "nearby.py",
    "oauth.py",
    "statuses.py",
    "timelines.py",
    "queues.py",
    "notifications.py",
    "reblogs.py",
    "notification_policy.py",
}
# Caught where it is raised, and logged: never shown.
NEVER_SHOWN = {"%(url)s names no owner of %(key)s on its host"}


def _raised_messages():
    files = [
        path
        for path in (ROOT / "fedlocal" / "services").glob("*.py")
        if path.name not in NOT_ON_PAGES
    ]
    files += (ROOT / "fedlocal" / "federation").glob("remote*.py")
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            call = node.exc
            if not (isinstance(call.func, ast.Name) and call.func.id in ERRORS and call.args):
                continue
            yield f"{path.name}:{node.lineno}", call.args[0]


def test_every_message_a_service_may_show_a_resident_is_translated():
    untranslated, formatted = [], []
    for where, message in _raised_messages():
        if isinstance(message, ast.JoinedStr):
            # An f-string cannot be translated: its variable parts go in params.
            formatted.append(where)
        elif isinstance(message, ast.Constant) and message.value not in {*KNOWN, *NEVER_SHOWN}:
            untranslated.append((where, message.value))
    assert not formatted, f"write these as templates with params: {formatted}"
    assert not untranslated, f"add to web/service_messages.KNOWN and both .po: {untranslated}"


# English or technical words that must never reach a French page's error.
LEAKS = re.compile(
    r"could not|not a domain|is taken|no local account|webfinger|answered|Error\(|"
    r"ConnectError|Traceback|https?://\S+: |\bthe\b|\bis\b",
    re.IGNORECASE,
)


def _errors(page: str) -> list[str]:
    found = re.findall(r'<p class="error"[^>]*>(.*?)</p>', page, re.S)
    found += re.findall(r'<p class="problem"[^>]*>(.*?)</p>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def _check_french(response, *, expected_status: int | None = None) -> list[str]:
    if expected_status is not None:
        assert response.status_code == expected_status, response.text[:500]
    errors = _errors(response.text)
    assert errors, response.text[:3000]
    for text in errors:
        assert not LEAKS.search(text), text
    return errors


async def test_the_error_paths_speak_french_in_plain_words(inst, alice, tmp_path):
    admin, _ = await make_resident(inst, "boss", admin=True)
    _, alice_actor = alice
    await create_group(inst.services, alice_actor, "jardin", display_name="Jardin")
    async with (
        running_instance(tmp_path / "other") as other,
        WebClient(inst.base_url, language="fr") as visitor,
        WebClient(inst.base_url, language="fr") as anne,
        WebClient(inst.base_url, language="fr") as boss,
    ):
        await anne.log_in("alice")
        await boss.log_in("boss")
        unreachable = "127.0.0.1:9"  # the discard port: nothing listens there

        # Follow from your own server: an unreachable server, then one without the account
        for handle in (f"@nobody@{unreachable}", f"@nobody@{other.config.domain}"):
            page = await visitor.get("/@alice/remote-follow", params={"handle": handle})
            errors = _check_french(page)
            assert any("Impossible de trouver" in text for text in errors), errors

        # Following someone by their address: a local name that does not exist, a server
        # that does not answer
        for handle in (f"@nobody@{inst.config.domain}", f"@nobody@{unreachable}"):
            page = await anne.submit("/follow", "/follow", {"handle": handle})
            _check_french(page)

        # Sign-up with a name that is taken
        page = await visitor.sign_up("alice")
        assert "« alice » est déjà pris" in " ".join(_check_french(page, expected_status=409))

        # A group whose address is taken
        page = await anne.submit(
            "/groups", "/groups", {"display_name": "Autre", "username": "jardin"}
        )
        _check_french(page, expected_status=409)

        # Linking a neighbour: not a domain, then a domain where nobody answers
        page = await boss.submit("/admin", "/admin/neighbours", {"domain": "pas un domaine"})
        _check_french(page, expected_status=422)
        page = await boss.submit("/admin", "/admin/neighbours", {"domain": unreachable})
        _check_french(page)

        # An invitation out of bounds
        page = await boss.submit("/admin", "/admin/invites", {"max_uses": "100000", "days": "7"})
        _check_french(page, expected_status=422)
    assert admin.is_admin
