"""Comparisons a reviewer would accept: seed aggregates, the tempered NLL-test, the validation split,
best-validation selection, the equal-diversity interpolation and the tables that show them."""
from __future__ import annotations

import math

import pytest
import torch

from leakgan.errors import UserError
from leakgan.metrics.aggregate import (aggregate, equal_diversity, interpolate_at, mle_at_same_diversity, summary,
                                       welch_p)
from leakgan.metrics.report import all_tables, nll_table
from leakgan.models.mle import MLEConfig, MLEGenerator
from leakgan.train.selection import BestSelection, Budget, split_validation


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


def test_tempered_nll_equals_log_softmax_of_logits_over_alpha_by_hand():
    model = MLEGenerator(MLEConfig(vocab_size=3, seq_len=2, emb_dim=2, hidden_dim=2))
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.out.bias.copy_(torch.tensor([0.0, 1.0, 2.0]))  # logits [0, 1, 2] at every step
    tokens = torch.tensor([[2, 1]])
    # α = 0.5: logits / α = [0, 2, 4]; NLL = logsumexp - mean(4, 2)
    assert model.nll(tokens, temperature=0.5) == pytest.approx(math.log(1 + math.e ** 2 + math.e ** 4) - 3, rel=1e-6)
    assert model.nll(tokens) == pytest.approx(math.log(1 + math.e + math.e ** 2) - 1.5, rel=1e-6)


def test_validation_split_is_disjoint_seeded_and_covers_the_training_data():
    train = torch.arange(200).view(100, 2)  # row i = [2i, 2i+1]: rows are told apart by their first value
    kept, held = split_validation(train, 0.05, seed=7)
    assert held.shape == (5, 2) and kept.shape == (95, 2)
    assert set(kept[:, 0].tolist()).isdisjoint(held[:, 0].tolist())
    assert sorted(kept[:, 0].tolist() + held[:, 0].tolist()) == train[:, 0].tolist()
    assert kept[:, 0].tolist() == sorted(kept[:, 0].tolist())  # the file's order is kept
    assert torch.equal(split_validation(train, 0.05, seed=7)[1], held)
    assert not torch.equal(split_validation(train, 0.05, seed=8)[1], held)
    assert split_validation(train, 0.0, seed=7) == (train, None)
    with pytest.raises(UserError, match="validation_fraction"):
        split_validation(train[:1], 0.4, seed=7)


def test_best_validation_picks_the_lowest_epoch_on_a_crafted_curve():
    curve = [(0, 5.0), (2, 4.0), (4, 3.5), (6, 3.7), (8, 3.5), (10, 3.9)]
    best, last = BestSelection("best_validation"), BestSelection("last")
    snapshots = []
    for epoch, value in curve:
        best.offer(epoch, value, lambda e=epoch: snapshots.append(e) or f"state-{e}")
        last.offer(epoch, value, lambda e=epoch: f"state-{e}")
    assert (best.epoch, best.value, best.state) == (4, 3.5, "state-4")  # a later tie does not replace it
    assert snapshots == [0, 2, 4]  # states are copied only when they are selected
    assert (last.epoch, last.state) == (10, "state-10")
    with pytest.raises(UserError, match="training.select"):
        BestSelection("best")


def test_mle_training_returns_the_selected_epoch():
    torch.manual_seed(0)
    data = torch.randint(0, 5, (60, 4))
    train, valid = split_validation(data, 0.2, seed=1)
    settings = {"emb_dim": 4, "hidden_dim": 4, "batch_size": 8, "lr": 0.5, "epochs": 6, "eval_every": 1,
                "curve_samples": 4, "grad_clip": 5.0, "temperature": 1.0}
    from leakgan.train.mle import train_mle

    budget = Budget()
    model, curve = train_mle(train, data, 5, settings, 3, torch.device("cpu"), validation=valid,
                             select="best_validation", budget=budget)
    best = min(curve, key=lambda p: p["nll_valid"])
    assert budget.selected_epoch == best["epoch"]
    assert model.nll(valid) == pytest.approx(best["nll_valid"], rel=1e-6)
    assert budget.epochs == 6 and budget.generator_updates == 6 * 6 and budget.training_tokens == 6 * 48 * 4


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


def test_tables_show_mean_std_p_values_and_the_extra_tables():
    runs = {}
    for seed, (mle, leak) in enumerate([(9.0, 8.0), (9.2, 8.1), (9.4, 8.3)], start=1):
        r = run({"mle": mle, "leakgan": leak})
        r["seq_len"] = 20
        r["frontier"] = {"mle": [{"temperature": 1.0, "nll_test": 7.0, "oracle_nll": mle}],
                         "leakgan": [{"temperature": 1.0, "nll_test": 8.0, "oracle_nll": leak + 1},
                                     {"temperature": 1.5, "nll_test": 6.0, "oracle_nll": leak + 2}]}
        runs[seed] = r
    result = aggregate(runs, {"scale": "smoke", "seq_len": 20})
    title, header, rows = nll_table(result)
    assert header == ["Model", "α", "oracle NLL", "oracle NLL (paper)", "p vs LeakGAN", "NLL-test"]
    by_label = {r[0]: r for r in rows}
    assert by_label["MLE"][2] == "9.200 ± 0.200" and by_label["LeakGAN"][2] == "8.133 ± 0.153"
    assert by_label["MLE"][4] == f"{welch_p([9.0, 9.2, 9.4], [8.0, 8.1, 8.3]):.2g}"
    assert rows[-1][:4] == ["p-value: LeakGAN vs the best other (MLE)", "-",
                            f"{welch_p([8.0, 8.1, 8.3], [9.0, 9.2, 9.4]):.2g}", "< 1e-6"]
    titles = [t for t, _, _ in all_tables(result)]
    assert [t.split(": ", 1)[1].split(" (")[0] for t in titles[1:]] == [
        "the quality-diversity frontier", "oracle NLL at equal diversity", "each model against MLE sampled as diversely",
        "training budget"]
    equal = {r[0]: r for r in all_tables(result)[2][2]}
    # LeakGAN reaches MLE's NLL-test 7.0 halfway between α = 1.5 and 1.0
    assert equal["LeakGAN"][1:3] == ["1.250", "9.633 ± 0.153"] and equal["LeakGAN"][5] == "3 of 3"


def test_provenance_records_code_libraries_settings_and_data(tmp_path):
    import hashlib
    import json
    import subprocess

    from leakgan.io import write_tokens, write_vocab
    from leakgan.metrics.provenance import PACKAGE_ROOT, provenance

    data = tmp_path / "data"
    write_tokens(data / "train.txt", [[3, 1, 0, 0], [1, 2, 3, 4], [2, 0, 0, 0]])
    write_tokens(data / "test.txt", [[1, 1, 1, 0]])
    write_vocab(data / "vocab.json", 5, None, 0, 4, source="test")  # pad id 0
    block = provenance("cpu", {"mle": {"lr": 0.01, "epochs": 2}}, data)
    assert block["models"]["mle"] == {
        "settings": {"lr": 0.01, "epochs": 2},
        "sha256": hashlib.sha256(b'{"epochs":2,"lr":0.01}').hexdigest()}
    assert block["data"]["vocab_size"] == 5
    assert block["data"]["train"] == {"sequences": 3, "min_length": 1, "max_length": 4, "mean_length": 7 / 3}
    assert block["data"]["test"]["sequences"] == 1 and block["data"]["test"]["max_length"] == 3
    env = block["environment"]
    assert env["torch"] == torch.__version__ and env["device"] == "cpu" and env["leakgan"]
    if (PACKAGE_ROOT / ".git").exists():
        head = subprocess.run(["git", "-C", str(PACKAGE_ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        assert env["git"]["commit"] == head
    json.dumps(block)  # all of it goes into a JSON file


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
