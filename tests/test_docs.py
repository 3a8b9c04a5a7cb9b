"""The docs say what the code does: the verbs the inbox handles and the activity types we
send (docs/FEDERATION.md), and the configuration keys (docs/admin.md).

Each doc keeps a table whose first column names these things, in backticks; the tests
read that column and compare it with the code, both ways, so a name missing from the
table fails, and so does a name the code does not have. The prose below each table gives
the details; only the tables are checked.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import shlex
import tomllib
from pathlib import Path

import fedlocal.federation
import fedlocal.monitoring
from fedlocal.cli.main import build_parser
from fedlocal.config import Config, ConfigError, build_config
from fedlocal.federation import inbox_worker as worker

DOCS = Path(__file__).resolve().parent.parent / "docs"
_CODE_SPAN = re.compile(r"`([^`]+)`")
_TOML_BLOCK = re.compile(r"^```toml\n(.*?)^```", re.MULTILINE | re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def handled_verbs() -> set[str]:
    """The verbs the inbox worker dispatches to a handler. The one place to adapt when the
    handler table changes shape (a registry: read its public mapping of verbs)."""
    return set(worker.HANDLERS)


def built_activity_types() -> set[str]:
    """Activity types we build, read from the source of `fedlocal.federation` (the
    converters in `to_as/`, and what `outbox.py` assembles itself, such as a group's
    announced removal).

    An activity is a dict literal with a constant `"type"` and an `"actor"` key; objects
    (Note, Event, Tombstone, Agreement, Place…) carry no `actor`, so they are left out.
    Reading the source rather than calling each builder needs no fixtures for the models,
    and no list of builders to keep up to date: a new builder, wherever it is, is found
    as soon as it exists. A dict with an `"actor"` whose `"type"` is not a string literal
    cannot be read this way and fails the test, rather than slip past it.
    """
    package = Path(fedlocal.federation.__file__).parent
    types: set[str] = set()
    unreadable: list[str] = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            fields = {
                key.value: value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant)
            }
            if "type" not in fields or "actor" not in fields:
                continue
            kind = fields["type"]
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                types.add(kind.value)
            else:
                unreadable.append(f"{path.relative_to(package)}:{node.lineno}")
    assert not unreadable, f"activities whose type is not a string literal: {unreadable}"
    return types


MINIMAL = {"name": "Docs", "base_url": "https://docs.example", "data_dir": "/tmp/docs"}


def settable_config_keys() -> set[str]:
    """The Config fields a config file may set: those `build_config` does not refuse as
    unknown keys (it refuses `path`, which records where the file was)."""
    keys = set()
    for field in dataclasses.fields(Config):
        try:
            # Any value: only whether the key itself is known matters here.
            build_config({**MINIMAL, field.name: object()}, environ={})
        except ConfigError as exc:
            if f"unknown key '{field.name}'" in str(exc):
                continue
        keys.add(field.name)
    return keys


def section(doc: str, heading: str) -> str:
    """The text under `## heading` in docs/`doc`, up to the next `## ` heading."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def table_names(text: str) -> set[str]:
    """The names in backticks in the first cell of each table row of `text`: `Undo` in
    "`Undo`", `latitude` and `longitude` in "`latitude`, `longitude` (in `[area]`)"."""
    names = set()
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        first_cell = line.split("|")[1]
        names.update(span for span in _CODE_SPAN.findall(first_cell) if _NAME.fullmatch(span))
    return names


def _compare(in_code: set[str], in_doc: set[str], where: str) -> None:
    missing = sorted(in_code - in_doc)
    stale = sorted(in_doc - in_code)
    assert not missing, f"{where} does not name {missing}"
    assert not stale, f"{where} names {stale}, which the code does not have"


def test_every_handled_verb_is_in_what_we_accept():
    verbs = handled_verbs()
    assert {"Follow", "Create", "Like", "Join"} <= verbs  # the table was read at all
    _compare(verbs, table_names(section("FEDERATION.md", "What we accept")), "What we accept")


def test_every_built_activity_type_is_in_what_we_send():
    types = built_activity_types()
    assert {"Create", "Follow", "Like", "Join"} <= types  # the scan found the builders
    _compare(types, table_names(section("FEDERATION.md", "What we send")), "What we send")


def test_every_config_key_is_in_admin_md():
    keys = settable_config_keys()
    assert {"name", "contact_email", "latitude", "categories"} <= keys
    assert "path" not in keys
    _compare(keys, table_names(section("admin.md", "Configure")), "docs/admin.md's Configure")


def test_admin_md_configuration_examples_load():
    examples = _TOML_BLOCK.findall(section("admin.md", "Configure"))
    assert len(examples) >= 2  # the area and the categories
    for example in examples:
        build_config({**MINIMAL, **tomllib.loads(example)}, environ={})


# --- the operator's handbook (docs/operations.md) -----------------------------------------

_FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_METRIC = re.compile(r"\bfedlocal_[a-z_]+")


def handbook_commands() -> list[list[str]]:
    """Every `fedlocal …` command in the handbook's shell blocks and systemd units, as
    the arguments after `fedlocal` (continuation lines joined, comments dropped)."""
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    commands = []
    for language, body in _FENCED.findall(text):
        if language not in ("sh", "ini"):
            continue
        for line in body.replace("\\\n", " ").splitlines():
            if language == "ini":
                if not line.startswith("ExecStart="):
                    continue
                # `ExecStart=/bin/sh -c 'exec …/fedlocal …'` too: from the command on.
                line = re.sub(r"^.*?(\S*fedlocal )", r"\1", line).rstrip("'")
            # A command substitution (`$(date +%F)`) stands for one word.
            words = shlex.split(re.sub(r"\$\([^)]*\)", "X", line), comments=True)
            if words and (words[0] == "fedlocal" or words[0].endswith("/bin/fedlocal")):
                commands.append(words[1:])
    return commands


def test_every_command_in_the_handbook_exists_with_its_options() -> None:
    commands = handbook_commands()
    named = {tuple(args[:2]) if args[0] in ("db", "queue") else (args[0],) for args in commands}
    assert {("serve",), ("worker",), ("backup",), ("restore",), ("db", "copy")} <= named
    parser = build_parser()
    for args in commands:
        try:
            parser.parse_args(args)
        except SystemExit:
            raise AssertionError(f"docs/operations.md: `fedlocal {' '.join(args)}`") from None


def test_the_handbook_names_every_metric() -> None:
    source = "".join(
        path.read_text(encoding="utf-8")
        for path in (Path(fedlocal.monitoring.__file__).parent).glob("*.py")
    )
    in_code = set(_METRIC.findall(source))
    in_doc = set(_METRIC.findall(section("operations.md", "Monitoring")))
    assert "fedlocal_deliveries" in in_code
    _compare(in_code, in_doc, "docs/operations.md's Monitoring")


def test_the_handbook_configuration_examples_load() -> None:
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    examples = [body for language, body in _FENCED.findall(text) if language == "toml"]
    assert len(examples) >= 2
    for example in examples:
        build_config({**MINIMAL, **tomllib.loads(example)}, environ={})
