"""The trust keys of the config: the `vouch` sign-up mode, how many vouches it needs,
and new accounts' limits."""

from __future__ import annotations

import pytest

from fedlocal.config import ConfigError, build_config

MINIMAL = {"name": "Nord", "base_url": "http://127.0.0.1:8001", "data_dir": "/srv/nord"}


def test_the_defaults_limit_a_new_account_for_a_week():
    config = build_config(MINIMAL, environ={})

    assert config.vouches_needed == 1
    assert (
        config.new_account_days,
        config.new_account_posts_per_day,
        config.new_account_messages_per_day,
    ) == (7, 5, 20)


def test_the_vouch_mode_and_its_keys_load_also_from_the_environment():
    config = build_config(
        {**MINIMAL, "signup_mode": "vouch", "vouches_needed": 2, "new_account_posts_per_day": 0},
        environ={"FEDLOCAL_NEW_ACCOUNT_DAYS": "14"},
    )

    assert config.signup_mode == "vouch"
    assert config.vouches_needed == 2
    assert config.new_account_posts_per_day == 0  # no limit on posts
    assert config.new_account_days == 14


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"vouches_needed": 0}, "vouches_needed"),
        ({"vouches_needed": 3}, "vouches_needed"),
        ({"vouches_needed": "two"}, "vouches_needed"),
        ({"new_account_days": -1}, "new_account_days"),
        ({"new_account_posts_per_day": -5}, "new_account_posts_per_day"),
        ({"new_account_messages_per_day": 2.5}, "new_account_messages_per_day"),
        ({"signup_mode": "vouches"}, "signup_mode"),
    ],
)
def test_wrong_trust_values_are_refused_naming_the_key(settings, key):
    with pytest.raises(ConfigError) as refused:
        build_config({**MINIMAL, **settings}, environ={})

    assert key in str(refused.value)
