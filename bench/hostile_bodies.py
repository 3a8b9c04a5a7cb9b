"""What a hostile body costs the server on each way in: CPU per request, dearest first.

    python bench/hostile_bodies.py [--repeat R] [--top N]

The cases are the suite's own (tests/boundary/test_adversarial_cost.py: every way a body
comes in, each shape that is slow for a naive check, at 1 MiB and just under the route's
limit), so the figures are for exactly the bodies whose growth the test checks. Each body
is handed to the app in memory, as the test does: the figure is the server's CPU
(`time.process_time` of the whole process) for one request, best of --repeat, with the
garbage collector paused as in the test. It leaves out the HTTP server's reading of the
bytes from the socket and the TLS of a real deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fedlocal.app import body_limit  # noqa: E402
from tests.boundary.test_adversarial_cost import hostile_cases, server_cpu  # noqa: E402
from tests.support.instance import running_instance  # noqa: E402


async def measure(repeat: int) -> list[tuple[float, str, int]]:
    """(best CPU seconds, case, status) for every hostile case, dearest first."""
    with tempfile.TemporaryDirectory(prefix="fedlocal-hostile-") as directory:
        async with running_instance(Path(directory), run_workers=False) as inst:
            rows = []
            gc.collect()
            gc.disable()
            try:
                for case in hostile_cases(body_limit(inst.config)):
                    body = case.body(case.size)
                    costs, status = [], 0
                    for _ in range(repeat):
                        status, seconds = await server_cpu(inst, case.path, body, case.kind)
                        costs.append(seconds)
                    rows.append((min(costs), f"{case.path} {case.shape} {case.size}", status))
            finally:
                gc.enable()
    return sorted(rows, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    rows = asyncio.run(measure(args.repeat))
    print(f"{len(rows)} hostile bodies, best of {args.repeat}; dearest first")
    print("| case | status | server CPU |")
    print("|---|---|---|")
    for seconds, case, status in rows[: args.top]:
        print(f"| {case} | {status} | {seconds * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
