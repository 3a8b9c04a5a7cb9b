"""`fedlocal post` meets a new account's daily limit as the web and the API do: one plain
line saying when the account may post again, exit status 1, nothing stored."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import Instance


async def test_post_past_a_new_accounts_daily_limit_fails_in_one_line(tmp_path: Path) -> None:
    # Given a new account that may publish one post a day
    instance = Instance(tmp_path, "nord", new_account_days=7, new_account_posts_per_day=1)
    await instance.create_user("ana")
    first = await instance.post("ana", "Marché des producteurs samedi")

    # When it posts a second time
    result = await instance.cli("post", "--as", "ana", "Et dimanche aussi", expect=1)

    # Then one line says why and when
    assert "Traceback" not in result.stderr
    assert len(result.stderr_lines) == 1, result.describe()
    line = result.stderr_lines[0]
    assert "limit for new accounts is reached (posts: 1 in 24 hours" in line
    assert "you can publish again from" in line and "UTC" in line
    assert result.stdout.strip() == ""
    assert first.startswith(instance.base_url)
