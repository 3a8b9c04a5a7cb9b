"""Running fedlocal's CLI with its garbage collections timed.

    python bench/gc_pauses.py OUT.json [--no-freeze] -- serve --config FILE

Hooks `gc.callbacks` to time every collection, runs the CLI as `python -m fedlocal`
would, and at exit writes, per generation, how many collections ran, their total and
their longest pause in milliseconds, apart before and after the process had started. A
full collection (generation 2) stops the event loop with every request in flight;
fedlocal/gc_freeze.py keeps what the process built at start out of them. --no-freeze
turns that off, to measure the server without it in the same sitting (bench/inbox.py
--no-gc-freeze).
"""

from __future__ import annotations

import atexit
import gc
import json
import runpy
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class Pauses:
    """Every collection's pause, in ms, apart before and after the process had started
    (the moment fedlocal calls `freeze_startup_objects`)."""

    def __init__(self) -> None:
        self.started_at = 0.0
        self.phase = "at_start"
        self.pauses: dict[str, dict[int, list[float]]] = {
            phase: {0: [], 1: [], 2: []} for phase in ("at_start", "after_start")
        }

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started_at = time.perf_counter()
        else:
            pause = (time.perf_counter() - self.started_at) * 1000
            self.pauses[self.phase][info["generation"]].append(pause)

    def summary(self) -> dict[str, dict[str, dict[str, float]]]:
        return {
            phase: {
                str(generation): {
                    "collections": len(pauses),
                    "total_ms": round(sum(pauses), 1),
                    "longest_ms": round(max(pauses, default=0.0), 1),
                }
                for generation, pauses in by_generation.items()
            }
            for phase, by_generation in self.pauses.items()
        }


def main() -> None:
    out, *options = sys.argv[1 : sys.argv.index("--")]
    cli_args = sys.argv[sys.argv.index("--") + 1 :]
    # As `python -m fedlocal` from the repository: this checkout's code, not the script's
    # directory, first on the path.
    sys.path[0] = str(REPO)
    import fedlocal.cli.serve

    pauses = Pauses()
    freeze = fedlocal.cli.serve.freeze_startup_objects

    def started() -> int:
        frozen = 0 if "--no-freeze" in options else freeze()
        pauses.phase = "after_start"
        return frozen

    fedlocal.cli.serve.freeze_startup_objects = started
    gc.callbacks.append(pauses)

    def write() -> None:
        Path(out).write_text(json.dumps(pauses.summary()), encoding="utf-8")

    atexit.register(write)
    sys.argv = ["fedlocal", *cli_args]
    runpy.run_module("fedlocal", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
