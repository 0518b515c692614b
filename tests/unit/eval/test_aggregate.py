"""Comparisons a reviewer would accept: seed aggregates (mean, std, Welch's t-test) and the equal-diversity
interpolation along the quality-diversity frontier."""
from __future__ import annotations

import math

import pytest

from leakgan.eval.aggregate import aggregate, equal_diversity, interpolate_at, mle_at_same_diversity, summary, welch_p


def t4_cdf(t: float) -> float:
    """Student's t CDF with 4 degrees of freedom, in closed form (for hand-checking Welch's test)."""
    x = t / math.sqrt(4 + t * t)
    return 0.5 + 0.75 * x - 0.25 * x ** 3


def test_summary_and_welch_against_hand_computation():
    a, b = [1.0, 2.0, 4.0], [6.0, 7.0, 9.0]
    s = summary(a)
    assert s["n"] == 3 and s["mean"] == pytest.approx(7 / 3)
    assert s["std"] == pytest.approx(math.sqrt(7 / 3))  # ((4/3)² + (1/3)² + (5/3)²) / 2 = 7/3
    # equal variances 7/3, n = 3: t = -5 / sqrt(14/9), Welch's df = (14/9)² / (2 (7/9)² / 2) = 4
    t = -5 / math.sqrt(14 / 9)
    assert welch_p(a, b) == pytest.approx(2 * t4_cdf(t), rel=1e-9)
    assert summary([3.0]) == {"values": [3.0], "mean": 3.0, "std": None, "n": 1}
    assert welch_p([1.0], b) is None and welch_p([1.0, 1.0], [1.0, 1.0]) is None


def run(seed_values: dict) -> dict:
    """A one-seed nll.json with oracle NLL per model and an MLE/LeakGAN frontier."""
    return {"dataset": "syn", "models": {m: {"temperature": 1.0, "num_samples": 10, "oracle_nll": v,
                                             "budget": {"pretrain": {"epochs": 2}}}
                                         for m, v in seed_values.items()}}


def test_aggregate_of_a_tiny_table():
    runs = {1: run({"mle": 1.0, "leakgan": 6.0}), 2: run({"mle": 2.0, "leakgan": 7.0}),
            3: run({"mle": 4.0, "leakgan": 9.0})}
    result = aggregate(runs, {"scale": "smoke"})
    assert result["seeds"] == [1, 2, 3] and result["scale"] == "smoke"
    mle, leak = result["models"]["mle"], result["models"]["leakgan"]
    assert mle["oracle_nll"] == pytest.approx(7 / 3) and leak["oracle_nll"] == pytest.approx(22 / 3)
    assert mle["stats"]["oracle_nll"]["values"] == [1.0, 2.0, 4.0]
    assert mle["stats"]["oracle_nll"]["std"] == pytest.approx(math.sqrt(7 / 3))
    assert mle["stats"]["oracle_nll"]["p_value"] == pytest.approx(2 * t4_cdf(-5 / math.sqrt(14 / 9)))
    assert leak["stats"]["oracle_nll"]["p_value"] is None  # the reference itself
    assert mle["temperature"] == 1.0 and mle["num_samples"] == 10 and mle["budget"] == {"pretrain": {"epochs": 2}}


def test_interpolation_along_the_frontier_and_equal_diversity():
    points = [{"temperature": 1.0, "nll_test": 5.0, "oracle_nll": 9.0},
              {"temperature": 0.8, "nll_test": 6.0, "oracle_nll": 8.0},
              {"temperature": 0.5, "nll_test": 8.0, "oracle_nll": 7.0}]
    at = interpolate_at(points, 7.0)  # halfway between α = 0.8 and 0.5
    assert at == pytest.approx({"temperature": 0.65, "nll_test": 7.0, "oracle_nll": 7.5})
    assert interpolate_at(points, 4.0) is None  # no α of the sweep is that diverse
    # NLL-test is lowest near the best α: of two crossings the one with α nearest to 1 is taken
    u_shape = [{"temperature": 1.5, "nll_test": 6.0, "oracle_nll": 10.0}, {"temperature": 1.0, "nll_test": 5.0,
               "oracle_nll": 9.0}, {"temperature": 0.5, "nll_test": 7.0, "oracle_nll": 7.0}]
    assert interpolate_at(u_shape, 5.0) == pytest.approx({"temperature": 1.0, "nll_test": 5.0, "oracle_nll": 9.0})
    frontier = {"mle": [{"temperature": 1.0, "nll_test": 6.0, "oracle_nll": 8.5}], "leakgan": points}
    assert equal_diversity(frontier)["leakgan"] == pytest.approx({"temperature": 0.8, "nll_test": 6.0,
                                                                  "oracle_nll": 8.0})
    assert equal_diversity({"leakgan": points}) == {}  # without MLE at α = 1 there is no reference


def test_each_model_beside_mle_tempered_to_the_same_nll_test():
    mle = [{"temperature": 1.0, "nll_test": 5.0, "oracle_nll": 9.0},
           {"temperature": 0.5, "nll_test": 7.0, "oracle_nll": 7.0}]
    gan = [{"temperature": 1.0, "nll_test": 6.0, "oracle_nll": 8.5},
           {"temperature": 0.5, "nll_test": 9.0, "oracle_nll": 6.0}]
    rows = mle_at_same_diversity({"mle": mle, "seqgan": gan})["seqgan"]
    # at NLL-test 6.0, halfway along MLE's frontier: MLE's oracle NLL 8.0 at α 0.75 (the GAN's: 8.5)
    assert rows[0] == pytest.approx({"temperature": 1.0, "nll_test": 6.0, "oracle_nll": 8.5, "mle_oracle_nll": 8.0,
                                     "mle_temperature": 0.75})
    assert rows[1] == {"temperature": 0.5, "nll_test": 9.0, "oracle_nll": 6.0}  # beyond MLE's sweep
    assert mle_at_same_diversity({"seqgan": gan}) == {}
