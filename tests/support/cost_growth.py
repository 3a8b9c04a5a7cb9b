"""How a cost grows with the size of what a stranger sends: at most linearly.

Parsing and checks that run before a signature is verified must cost time linear in the
body. Tests measure a cost at two sizes, one four times the other, and check the
larger against four times the smaller, with slack for noise and a floor under which any
cost is too small to matter. A quadratic cost grows sixteen-fold and fails; a machine
twice as slow doubles both figures and passes, which an absolute budget would not: the
figures themselves are measured by bench/hostile_bodies.py, not asserted here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# The two sizes a cost is measured at are this far apart.
SIZE_RATIO = 4
# How much faster than linear a measured growth may look (noise, caches, allocation).
SLACK = 2.0
# Costs under this at the larger size are too small to tell growth from noise (CPU s).
FLOOR_SECONDS = 0.003
# No body at the larger size costs this much, however it grows: the quadratic checks
# this replaced took minutes on a megabyte.
CEILING_SECONDS = 1.0


def grows_at_most_linearly(small: float, large: float) -> bool:
    """Whether a cost of `large` seconds at SIZE_RATIO times the size of one costing
    `small` grew no faster than linearly."""
    return large <= SLACK * SIZE_RATIO * small + FLOOR_SECONDS


def best_cpu_seconds(work: Callable[[], object], runs: int = 3) -> float:
    """The process CPU time `work()` takes, best of `runs`."""
    costs = []
    for _ in range(runs):
        started = time.process_time()
        work()
        costs.append(time.process_time() - started)
    return min(costs)
