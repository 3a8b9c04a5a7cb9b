"""Under CI the PostgreSQL half of the store tests may not quietly skip."""

import pytest

from tests.support.databases import POSTGRES_ENV, fresh_database, postgres_url_or_skip

URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.mark.parametrize("ci", ["true", "TRUE", "True"])
def test_missing_url_fails_under_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match=POSTGRES_ENV):
        postgres_url_or_skip()


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_missing_url_skips_outside_ci(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=POSTGRES_ENV):
        postgres_url_or_skip()


@pytest.mark.parametrize("ci", [None, "true"])
def test_a_given_url_is_used(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setenv(POSTGRES_ENV, URL)
    assert postgres_url_or_skip() == URL


async def test_the_postgres_database_fixture_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception):
        async with fresh_database("postgres", tmp_path):
            pass
