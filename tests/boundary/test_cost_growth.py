"""The check that costs grow at most linearly tells a quadratic cost from a linear one."""

from __future__ import annotations

from tests.support.cost_growth import SIZE_RATIO, best_cpu_seconds, grows_at_most_linearly

SMALL = 4_000


def _quadratic(size: int) -> None:
    # Interpreter steps, each the same cost: sixteen times the work at four times the
    # size. Slicing and counting bytes (what this did before) grew only 7-8 times over
    # these sizes, memory copies being cheaper per byte when longer, and a CI run under
    # load once found it linear.
    rows = size // 8
    for row in range(rows):
        for _ in range(row):
            pass


def _linear(size: int) -> None:
    (b"a" * size * 64).count(b"a")


def _growth(work) -> tuple[float, float]:
    return (
        best_cpu_seconds(lambda: work(SMALL)),
        best_cpu_seconds(lambda: work(SMALL * SIZE_RATIO)),
    )


def test_a_quadratic_cost_is_caught_and_a_linear_one_passes() -> None:
    # Given work whose cost grows with the square of its size, and work that grows with it
    # When each is measured at two sizes four times apart
    # Then only the quadratic one is found to grow faster than linearly
    assert not grows_at_most_linearly(*_growth(_quadratic))
    assert grows_at_most_linearly(*_growth(_linear))


def test_costs_too_small_to_measure_pass() -> None:
    assert grows_at_most_linearly(0.0, 0.002)
    # Sixteen times the cost for four times the size: quadratic, however small.
    assert not grows_at_most_linearly(0.001, 0.016)
