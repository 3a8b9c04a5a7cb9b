"""Argument parsing and error reporting for every `fedlocal` command.

A mistake the user can fix (a bad config, a taken username, an unreachable server) ends
with one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..config import ConfigError
from ..federation.queue_names import QUEUES, queue_names
from ..organizations import ORGANIZATION_KEYS
from ..services.errors import ServiceError
from ..services.queues import KINDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fedlocal", description="A federated server for neighbourhood sharing."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--config", required=True, metavar="FILE", help="instance TOML file")
        return sub

    sub = with_config(commands.add_parser("serve", help="run the server and its workers"))
    sub.add_argument("--host", help="listen address (default: the host of base_url)")
    sub.add_argument("--port", type=int, help="listen port (default: the port of base_url)")
    sub.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="web processes sharing the port (PostgreSQL only; default 1)",
    )
    sub.set_defaults(run="serve:serve")

    sub = with_config(commands.add_parser("worker", help="run the workers without the web server"))
    sub.add_argument(
        "--queues",
        type=queue_names,
        metavar="Q[,Q…]",
        help=f"work only these queues, among {', '.join(QUEUES)} (default: all)",
    )
    sub.set_defaults(run="serve:worker")

    sub = with_config(commands.add_parser("migrate", help="create or upgrade the database"))
    sub.set_defaults(run="admin:migrate_command")

    user = commands.add_parser("user", help="manage accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    sub = with_config(user_commands.add_parser("create", help="create an account"))
    sub.add_argument("name", metavar="NAME")
    secret = sub.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password", metavar="P")
    secret.add_argument("--password-file", metavar="F", help="read the password from a file")
    sub.add_argument("--email")
    sub.add_argument("--admin", action="store_true", help="give admin rights")
    sub.set_defaults(run="admin:create_user")
    sub = with_config(
        user_commands.add_parser("org", help="mark an account as a verified organisation")
    )
    sub.add_argument("name", metavar="NAME")
    sub.add_argument(
        "type",
        metavar="TYPE",
        choices=[*ORGANIZATION_KEYS, "none"],
        help=" | ".join([*ORGANIZATION_KEYS, "none"]),
    )
    sub.set_defaults(run="admin:set_organization")
    sub = with_config(user_commands.add_parser("role", help="make an account admin or moderator"))
    sub.add_argument("name", metavar="NAME")
    sub.add_argument("role", choices=["admin", "moderator", "none"], metavar="admin|moderator|none")
    sub.set_defaults(run="admin:set_role")
    sub = with_config(
        user_commands.add_parser(
            "delete", help="delete an account: its posts, messages, media and personal data"
        )
    )
    sub.add_argument("name", metavar="NAME")
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    sub.set_defaults(run="admin:delete_user")
    sub = with_config(
        user_commands.add_parser(
            "export", help="write an account's data (JSON and an ActivityPub archive) to a zip"
        )
    )
    sub.add_argument("name", metavar="NAME")
    sub.add_argument("--to", required=True, metavar="FILE", help="the zip file to write")
    sub.set_defaults(run="admin:export_user")

    sub = with_config(commands.add_parser("post", help="publish a public note as a local account"))
    sub.add_argument("--as", dest="author", required=True, metavar="NAME")
    sub.add_argument("--visibility", default="public", choices=["public", "unlisted", "followers"])
    sub.add_argument("--category", metavar="KEY", help="file the note under a category")
    sub.add_argument("text", metavar="TEXT")
    sub.set_defaults(run="actions:post")

    sub = with_config(commands.add_parser("delete", help="delete a post of a local account"))
    sub.add_argument("--as", dest="author", required=True, metavar="NAME")
    sub.add_argument("post", metavar="POST", help="the post's id or URL")
    sub.set_defaults(run="actions:delete")

    for name, run in (
        ("follow", "actions:follow"),
        ("unfollow", "actions:unfollow"),
        ("block", "actions:block"),
        ("unblock", "actions:unblock"),
    ):
        sub = with_config(commands.add_parser(name, help=f"{name} an account as a local account"))
        sub.add_argument("--as", dest="author", required=True, metavar="NAME")
        sub.add_argument("target", metavar="HANDLE", help="@user@host, or an actor URL")
        sub.set_defaults(run=run)

    links = commands.add_parser("neighbours", help="link neighbouring instances and relays")
    link_commands = links.add_subparsers(dest="neighbours_command", required=True, metavar="ACTION")
    for name, run, text in (
        ("add", "neighbours:add", "link a neighbour (by domain) or a relay (by actor URL)"),
        ("remove", "neighbours:remove", "unlink a neighbour or a relay"),
    ):
        sub = with_config(link_commands.add_parser(name, help=text))
        sub.add_argument("domain", metavar="DOMAIN", help="e.g. parame.example, or an actor URL")
        sub.set_defaults(run=run)
    sub = with_config(link_commands.add_parser("list", help="show links and requests"))
    sub.set_defaults(run="neighbours:list_links")

    group = commands.add_parser("group", help="association groups")
    group_commands = group.add_subparsers(dest="group_command", required=True, metavar="ACTION")
    sub = with_config(group_commands.add_parser("create", help="create an association's group"))
    sub.add_argument("name", metavar="NAME", help="the group's handle, e.g. jardins-partages")
    sub.add_argument("--by", required=True, metavar="RESIDENT", help="its first moderator")
    sub.add_argument("--display-name", metavar="TEXT")
    sub.add_argument("--summary", metavar="TEXT")
    sub.add_argument("--approval", action="store_true", help="moderators approve new members")
    sub.set_defaults(run="neighbours:create_group")

    queue = commands.add_parser("queue", help="what the inbox and delivery workers gave up on")
    queue_commands = queue.add_subparsers(dest="queue_command", required=True, metavar="ACTION")
    sub = with_config(queue_commands.add_parser("failures", help="list failed activities"))
    sub.add_argument("--kind", choices=KINDS, help="only the inbox or the delivery queue")
    sub.set_defaults(run="queues:list_failures")
    for name, run, text in (
        ("retry", "queues:retry", "put failures back in their queue, due now, attempts reset"),
        ("drop", "queues:drop", "forget failures"),
    ):
        sub = with_config(queue_commands.add_parser(name, help=text))
        sub.add_argument("ids", nargs="*", metavar="ID", help="inbox:N or delivery:N, as listed")
        sub.add_argument("--all", action="store_true", help="every failure (of --kind)")
        sub.add_argument("--kind", choices=KINDS, help="only this queue; lets an ID be a number")
        sub.set_defaults(run=run)

    sub = with_config(
        commands.add_parser("backup", help="archive the database, pictures and config")
    )
    sub.add_argument("--to", required=True, metavar="FILE", help="the archive to write (.tar.gz)")
    sub.set_defaults(run="operations:backup")

    sub = with_config(commands.add_parser("restore", help="bring an instance back from a backup"))
    sub.add_argument("--from", required=True, metavar="FILE", help="an archive from `backup`")
    sub.add_argument("--force", action="store_true", help="replace an instance that has data")
    sub.set_defaults(run="operations:restore")

    database = commands.add_parser("db", help="the instance's database")
    db_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    sub = with_config(db_commands.add_parser("copy", help="copy every row into PostgreSQL"))
    sub.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/db")
    sub.add_argument(
        "--schema", metavar="NAME", help="a schema of that database (default: its own)"
    )
    sub.set_defaults(run="operations:db_copy")

    sub = commands.add_parser("demo", help="run the demo instances on loopback")
    sub.add_argument("--instances", default="instances", metavar="DIR")
    sub.add_argument("--reset", action="store_true", help="start from empty databases")
    sub.set_defaults(run="demo:demo")
    return parser


def command(name: str) -> Callable[[argparse.Namespace], Any]:
    """The function a command runs, `module:function` in this package, imported when the
    command runs: `fedlocal user create` need not load the web app that `serve` needs."""
    module, function = name.split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = command(args.run)(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except ConfigError as exc:
        print(f"fedlocal: config error: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"fedlocal: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
