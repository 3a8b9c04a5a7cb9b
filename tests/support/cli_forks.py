"""`python -m fedlocal ARGS` for the tests, in processes forked from one that has already
imported fedlocal.

A command run as a new interpreter spends about 0.6 s of CPU importing fedlocal before it
does anything, and the suite runs some 150 of them. Here each command is still its own
OS process, with its own environment, working directory, output, exit code and
`fedlocal.cli.main.main`, but it is forked from multiprocessing's fork server, which
imported the command-line modules once for the test process. Long-running commands
(`serve`, `worker`: `ServerProcess`) start the same way. What a fresh interpreter would
add (the imports themselves) is tested apart: tests/test_startup_imports.py starts new
interpreters, and so does `fedlocal demo` for each of its instances
(tests/e2e/test_demo_config.py).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

# What the commands import, loaded once by the fork server.
PRELOAD = [
    "fedlocal.cli.main",
    "fedlocal.cli.runtime",
    "fedlocal.cli.actions",
    "fedlocal.cli.admin",
    "fedlocal.cli.neighbours",
    "fedlocal.cli.operations",
    "fedlocal.cli.queues",
    "fedlocal.app",
]

_forks = multiprocessing.get_context("forkserver")
_forks.set_forkserver_preload(PRELOAD)


def as_from_a_terminal() -> None:
    """Ctrl-C (SIGINT), SIGQUIT and SIGTERM as a command typed in a terminal has them,
    whatever the test run inherited: a run started as a background job of a shell
    (`.ci/run &`) ignores SIGINT and SIGQUIT, and a server or a demo started from it
    would never hear a test's Ctrl-C (a server stopped by SIGINT exited 0, not 130).

    For a forked command (`_command`) and, as `preexec_fn`, for a new interpreter: there
    Python's own handler becomes the default at `exec`, and Python installs its own again."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _command(
    args: Sequence[str], env: Mapping[str, str], cwd: str | None, out: str, err: str
) -> None:
    """The forked process: the environment, directory and output of a new command (`err`
    the same file as `out`: both appended to it), then the command line's own entry point
    (its exit code is the process's)."""
    # The fork server kept the signals the test run inherited (see `as_from_a_terminal`).
    as_from_a_terminal()
    os.environ.clear()
    os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    if err == out:
        with open(out, "ab") as file:
            os.dup2(file.fileno(), 1)
            os.dup2(file.fileno(), 2)
    else:
        for fd, path in ((1, out), (2, err)):
            with open(path, "wb") as file:
                os.dup2(file.fileno(), fd)
    from fedlocal.cli.main import main

    raise SystemExit(main(list(args)))


def run_forked(
    args: Sequence[str], *, env: Mapping[str, str], cwd: Path | None, timeout: float
) -> tuple[int, str, str]:
    """Run the command to completion: its exit code, stdout and stderr. Raises
    `subprocess.TimeoutExpired` (after killing it) past `timeout` seconds."""
    with tempfile.TemporaryDirectory(prefix="fedlocal-cli-") as directory:
        out, err = Path(directory) / "stdout", Path(directory) / "stderr"
        process = _forks.Process(
            target=_command,
            args=(
                tuple(args),
                dict(env),
                str(cwd) if cwd is not None else None,
                str(out),
                str(err),
            ),
        )
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["fedlocal", *args], timeout)
        code = process.exitcode
        process.close()
        return code, _read(out), _read(err)


def start_forked(
    args: Sequence[str], *, env: Mapping[str, str], log: Path
) -> multiprocessing.process.BaseProcess:
    """Start a long-running command (`serve`, `worker`), its output appended to `log`:
    the process, to signal (`os.kill(process.pid, …)`), kill and join."""
    process = _forks.Process(
        target=_command, args=(tuple(args), dict(env), None, str(log), str(log))
    )
    process.start()
    return process


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""
