"""The twin's intervals: a 95 % t-interval of the mean, none from one run, cut to what the
figure can be."""

from __future__ import annotations

import pytest

from shipshape.sim.run import FIGURE_KEYS, differences, interval, within


def test_three_runs_give_the_t_interval_of_their_mean() -> None:
    found = interval([1.0, 2.0, 3.0])
    assert found["mean"] == 2.0
    # t(0.975, 2 degrees of freedom) = 4.3027, standard error 1 / sqrt(3)
    assert found["high"] - found["mean"] == pytest.approx(4.3027 / 3 ** 0.5, rel=1e-4)
    assert found["mean"] - found["low"] == pytest.approx(found["high"] - found["mean"])


def test_one_run_has_no_interval() -> None:
    assert interval([0.25]) == {"mean": 0.25, "low": None, "high": None, "values": [0.25]}


def test_a_rate_is_never_shown_outside_0_to_1() -> None:
    cut = within(interval([0.0, 0.02, 0.99]), 1.0)
    assert cut["low"] == 0.0 and cut["high"] == 1.0


def test_differences_are_paired_run_by_run_against_the_first_scenario() -> None:
    def run(short: float) -> dict[str, float]:
        return {key: 1.0 for key in FIGURE_KEYS} | {"short_ship_rate": short}

    paired = differences({"legacy": [run(0.2), run(0.4)],  # type: ignore[dict-item]
                          "redesigned": [run(0.1), run(0.3)]})
    found = paired["redesigned"]["short_ship_rate"]
    assert paired["redesigned"]["against"] == "legacy"
    assert found["values"] == pytest.approx([-0.1, -0.1])
    assert found["low"] == pytest.approx(-0.1) and found["high"] == pytest.approx(-0.1)
