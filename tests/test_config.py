"""Loading an instance config: defaults, environment overrides, derived values, and one
clear line for every mistake."""

from __future__ import annotations

import dataclasses
from ipaddress import ip_network
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from fedlocal.config import Config, ConfigError, build_config, load_config

MINIMAL = 'name = "Quartier Nord"\nbase_url = "http://127.0.0.1:8001"\ndata_dir = "data"\n'
# Values the loader works out rather than copies from the dataclass defaults.
DERIVED = {"name", "base_url", "data_dir", "database_url", "community_username", "path"}


def write(directory: Path, text: str, name: str = "instance.toml") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def settings(**overrides) -> dict:
    return {
        "name": "Nord",
        "base_url": "https://nord.example",
        "data_dir": "/srv/nord",
        **overrides,
    }


def test_three_keys_are_enough_and_everything_else_has_its_default(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), environ={})

    assert config.name == "Quartier Nord"
    assert config.base_url == "http://127.0.0.1:8001"
    for field in dataclasses.fields(Config):
        if field.name not in DERIVED:
            assert getattr(config, field.name) == field.default, field.name
    # The defaults a new admin relies on, spelled out.
    assert config.signup_mode == "approval"
    assert config.federation_mode == "blocklist"
    assert config.allow_private_addresses is False
    assert config.run_workers is True
    assert config.languages == ("fr", "en")
    assert config.community_username == "quartier-nord"


def test_environment_overrides_every_kind_of_value(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "worker_poll_seconds = 2.0\n")
    environ = {
        "FEDLOCAL_NAME": "Quartier Sud",
        "FEDLOCAL_ALLOW_PRIVATE_ADDRESSES": "true",
        "FEDLOCAL_RUN_WORKERS": "false",
        "FEDLOCAL_WORKER_POLL_SECONDS": "0.25",
        "FEDLOCAL_DELIVERY_CONCURRENCY": "4",
        "FEDLOCAL_BLOCKED_DOMAINS": "Spam.example, bad.example",
        "FEDLOCAL_LANGUAGES": '["fr", "br"]',
        "FEDLOCAL_TEST_POSTGRES_URL": "not a config key, ignored",
        "OTHER_NAME": "ignored",
    }

    config = load_config(path, environ=environ)

    assert config.name == "Quartier Sud"
    assert config.allow_private_addresses is True
    assert config.run_workers is False
    assert config.worker_poll_seconds == 0.25  # beats the file's 2.0
    assert config.delivery_concurrency == 4
    assert config.blocked_domains == ("spam.example", "bad.example")
    assert config.languages == ("fr", "br")


@pytest.mark.parametrize(("text", "expected"), [("1", True), ("0", False), ("yes", True)])
def test_boolean_overrides_accept_the_usual_spellings(text: str, expected: bool) -> None:
    config = build_config(settings(), {"FEDLOCAL_RUN_WORKERS": text})

    assert config.run_workers is expected


@pytest.mark.parametrize("text", ["2026", "true", "2026-05-01"])
def test_string_overrides_stay_strings_whatever_they_look_like(text: str) -> None:
    config = build_config(settings(), {"FEDLOCAL_NAME": text, "FEDLOCAL_DESCRIPTION": text})

    assert config.name == text
    assert config.description == text


def test_a_quoted_override_is_read_as_a_toml_string() -> None:
    config = build_config(settings(), {"FEDLOCAL_NAME": '"Saint-Servan"'})

    assert config.name == "Saint-Servan"


def test_a_bad_override_names_its_variable() -> None:
    with pytest.raises(ConfigError) as error:
        build_config(settings(), {"FEDLOCAL_DELIVERY_CONCURRENCY": "many"})

    assert "FEDLOCAL_DELIVERY_CONCURRENCY" in str(error.value)
    assert "\n" not in str(error.value)


def test_relative_data_dir_is_relative_to_the_config_file(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path / "instances", MINIMAL.replace('"data"', '"../data/nord"'))
    monkeypatch.chdir(tmp_path / "instances")  # anywhere else would do as well

    config = load_config(path, environ={})

    assert config.data_dir == (tmp_path / "data" / "nord").resolve()


def test_absolute_data_dir_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "conf", MINIMAL.replace('"data"', f'"{tmp_path / "elsewhere"}"'))

    assert load_config(path, environ={}).data_dir == tmp_path / "elsewhere"


def test_default_database_is_a_sqlite_file_under_data_dir(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), environ={})

    url = make_url(config.database_url)
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database).parent == config.data_dir


def test_an_explicit_database_url_is_kept(tmp_path: Path) -> None:
    text = MINIMAL + 'database_url = "postgresql://fedlocal@db/nord"\n'

    config = load_config(write(tmp_path, text), environ={})

    assert config.database_url == "postgresql://fedlocal@db/nord"


@pytest.mark.parametrize(
    ("base_url", "domain", "host", "port"),
    [
        ("http://127.0.0.1:8001", "127.0.0.1:8001", "127.0.0.1", 8001),
        ("https://Nord.Example/", "nord.example", "nord.example", 443),
        ("http://nord.example", "nord.example", "nord.example", 80),
        ("https://nord.example:8443", "nord.example:8443", "nord.example", 8443),
    ],
)
def test_domain_and_listen_address_come_from_base_url(
    base_url: str, domain: str, host: str, port: int
) -> None:
    config = build_config(settings(base_url=base_url), {})

    assert config.domain == domain
    assert (config.listen_host, config.listen_port) == (host, port)
    assert not config.base_url.endswith("/")


def test_blocklist_blocks_listed_domains_and_their_subdomains() -> None:
    config = build_config(settings(blocked_domains=["spam.example"]), {})

    assert not config.is_domain_allowed("spam.example")
    assert not config.is_domain_allowed("a.spam.example")
    assert not config.is_domain_allowed("SPAM.example:8443")
    assert config.is_domain_allowed("notspam.example")
    assert config.is_domain_allowed("friends.example")


def test_allowlist_admits_only_listed_domains_and_their_subdomains() -> None:
    config = build_config(
        settings(
            federation_mode="allowlist",
            allowed_domains=["parame.example", "127.0.0.1:8002"],
            blocked_domains=["bad.parame.example"],
        ),
        {},
    )

    assert config.is_domain_allowed("parame.example")
    assert config.is_domain_allowed("rochebonne.parame.example")
    assert config.is_domain_allowed("127.0.0.1:8002")
    assert not config.is_domain_allowed("127.0.0.1:8003")
    assert not config.is_domain_allowed("elsewhere.example")
    assert not config.is_domain_allowed("bad.parame.example")  # the blocklist still wins


def test_open_mode_admits_unlisted_domains() -> None:
    config = build_config(settings(federation_mode="open"), {})

    assert config.is_domain_allowed("anywhere.example")


def _config_error(tmp_path: Path, text: str | None) -> str:
    path = tmp_path / "instance.toml"
    if text is not None:
        write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    message = str(error.value)
    assert "\n" not in message, message
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _config_error(tmp_path, None)


def test_invalid_toml(tmp_path: Path) -> None:
    assert "invalid TOML" in _config_error(tmp_path, MINIMAL + "broken = [1,\n")


def test_unknown_key(tmp_path: Path) -> None:
    message = _config_error(tmp_path, MINIMAL + 'colour = "blue"\n')

    assert "unknown key 'colour'" in message


def test_an_unknown_time_zone_is_named(tmp_path: Path) -> None:
    message = _config_error(tmp_path, MINIMAL + 'timezone = "Europe/Saint-Malo"\n')

    assert "unknown timezone 'Europe/Saint-Malo'" in message


def test_unknown_area_key(tmp_path: Path) -> None:
    message = _config_error(tmp_path, MINIMAL + "[area]\naltitude = 3\n")

    assert "area.altitude" in message


@pytest.mark.parametrize(
    "base_url", ["ftp://x", "http://", "http://host:99999", "nord.example", "http://:8001"]
)
def test_malformed_base_url(tmp_path: Path, base_url: str) -> None:
    message = _config_error(tmp_path, MINIMAL.replace("http://127.0.0.1:8001", base_url))

    assert "base_url" in message
    assert base_url in message


# --- allow_private_addresses -------------------------------------------------------------

LOOPBACK = (ip_network("127.0.0.0/8"), ip_network("::1/128"))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("allow_private_addresses = true", True),
        ("allow_private_addresses = false", False),
        ('allow_private_addresses = ["127.0.0.0/8", "::1/128"]', LOOPBACK),
        ('allow_private_addresses = ["10.1.2.3"]', (ip_network("10.1.2.3/32"),)),
        ("allow_private_addresses = []", False),
    ],
)
def test_allow_private_addresses_is_a_boolean_or_networks(
    tmp_path: Path, line: str, expected
) -> None:
    config = load_config(write(tmp_path, MINIMAL + line + "\n"), environ={})

    assert config.allow_private_addresses == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.0/8,::1/128", LOOPBACK),
        ('["127.0.0.0/8", "::1/128"]', LOOPBACK),
        ("yes", True),
        ("false", False),
    ],
)
def test_allow_private_addresses_from_the_environment(tmp_path: Path, value: str, expected) -> None:
    environ = {"FEDLOCAL_ALLOW_PRIVATE_ADDRESSES": value}

    config = load_config(write(tmp_path, MINIMAL), environ=environ)

    assert config.allow_private_addresses == expected


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ('["127.0.0.1/8"]', "host bits set"),
        ('["localhost"]', "'localhost' is not a network"),
        ('["::1/129"]', "'::1/129' is not a network"),
        ('["127.0.0.0/8", 3]', "a list of networks"),
        ("3", "a list of networks"),
        ('"maybe"', "'maybe' is not a network"),
    ],
)
def test_a_bad_network_stops_the_config_with_one_line(
    tmp_path: Path, value: str, named: str
) -> None:
    message = _config_error(tmp_path, MINIMAL + f"allow_private_addresses = {value}\n")

    assert "allow_private_addresses" in message
    assert named in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "base_url",
    ["https://nord.example/quartier", "https://nord.example/?x=1", "https://u@nord.example"],
)
def test_base_url_is_an_origin(tmp_path: Path, base_url: str) -> None:
    message = _config_error(tmp_path, MINIMAL.replace("http://127.0.0.1:8001", base_url))

    assert "base_url" in message
    assert "path" in message


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('worker_poll_seconds = "fast"', "worker_poll_seconds"),
        ("delivery_concurrency = 1.5", "delivery_concurrency"),
        ("run_workers = 1", "run_workers"),
        ('allow_private_addresses = "maybe"', "allow_private_addresses"),
        ("description = 3", "description"),
        ("blocked_domains = 3", "blocked_domains"),
        ('signup_mode = "anyone"', "signup_mode"),
        ("worker_poll_seconds = 0", "worker_poll_seconds"),
    ],
)
def test_wrong_type_or_value(tmp_path: Path, line: str, key: str) -> None:
    message = _config_error(tmp_path, MINIMAL + line + "\n")

    assert key in message


def test_missing_required_key(tmp_path: Path) -> None:
    message = _config_error(tmp_path, 'name = "Nord"\nbase_url = "https://nord.example"\n')

    assert "data_dir" in message
