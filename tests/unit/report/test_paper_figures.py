"""The paper's Figures 3-5: BLEU gain by length, PCA feature traces, WORKER ⊙ MANAGER."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from leakgan.errors import UserError
from leakgan.eval.bleu import ReferenceSet, sentence_bleu_scores
from leakgan.models.discriminator import PAD, DiscriminatorConfig
from leakgan.models.leakgan import GeneratorConfig, LeakGANModel
from leakgan.models.sampling import START_TOKEN
from leakgan.report import paper_figures as figures

torch.set_num_threads(1)

V, T, K, C = 12, 8, 4, 3  # vocabulary (id 0 = padding on text), length, goal size k, step size c


def tiny(seed: int = 0) -> LeakGANModel:
    dis = DiscriminatorConfig(vocab_size=V, seq_len=T, emb_dim=6, filter_sizes=(1, 2, 4), num_filters=(3, 4, 5))
    gen = GeneratorConfig(vocab_size=V, seq_len=T, feature_dim=dis.feature_dim, emb_dim=5, hidden_dim=6,
                          goal_size=K, step_size=C)
    model = LeakGANModel(gen, dis)
    model.reset_parameters(torch.Generator().manual_seed(seed))
    return model.eval()


def test_which_figures_the_models_can_draw():
    assert figures.paper_figures(["mle", "leakgan"], text=True) == [4, 5]  # no baseline: no Figure 3
    assert figures.paper_figures(["mle", "rankgan", "leakgan"], text=True) == [3, 4, 5]
    assert figures.paper_figures(["mle", "rankgan", "leakgan"], text=False) == [4, 5]
    assert figures.paper_figures(["mle", "seqgan"], text=True) == []  # no LeakGAN: none of them
    models = ["mle", "seqgan_rescaled", "leakgan", "rankgan"]
    assert figures.figure_models(models, 3, text=True) == ["seqgan_rescaled", "leakgan", "rankgan"]
    assert figures.figure_models(models, 4, text=False) == models
    assert figures.figure_models(models, 5, text=False) == ["leakgan"]
    with pytest.raises(UserError, match="^Figure 4 needs LeakGAN; got text data and models mle, seqgan$"):
        figures.figure_models(["mle", "seqgan"], 4, text=True)


def test_relative_gains_hand_example_drops_small_and_one_sided_buckets():
    leakgan = {20: (0.5, 30), 24: (0.6, 25), 28: (0.4, 10), 36: (0.3, 50)}
    seqgan = {20: (0.25, 40), 24: (0.4, 20), 28: (0.2, 30), 32: (0.1, 30), 36: (0.0, 50)}
    kept, dropped = figures.relative_gains(leakgan, seqgan, width=4, min_count=20)
    assert [(b.lo, b.hi, b.leakgan_count, b.baseline_count) for b in kept] == [(20, 23, 30, 40), (24, 27, 25, 20)]
    assert [b.gain for b in kept] == [pytest.approx(1.0), pytest.approx(0.5)]
    assert [b.label for b in kept] == ["20-23", "24-27"]
    # 28: LeakGAN has 10 < 20 sentences; 32: LeakGAN has none; 36: the baseline's BLEU is 0 (no gain defined)
    assert dropped == [(28, 31), (32, 35), (36, 39)]


def test_bleu_by_length_means_each_bucket():
    refs = ReferenceSet([["a", "b"], ["a", "b", "c", "d"]], max_n=2)
    sentences = [["a", "b"], ["b", "a"], ["a", "b", "c"], ["a", "b", "c", "d"]]
    means = figures.bleu_by_length(sentences, refs, n=2, width=2, origin=2)
    # lengths 2-3: BLEU-2 of "a b" = 1, of "b a" ≈ 0 (no matching bigram), of "a b c" = 1 (its bigrams match)
    assert set(means) == {2, 4}
    assert means[2][1] == 3 and means[2][0] == pytest.approx(2 / 3)
    assert means[4] == (pytest.approx(1.0), 1)


def test_bleu_gain_by_length_from_sentences():
    refs = [["a", "b", "c", "d"], ["a", "b"]]
    # LeakGAN: every sentence matches; SeqGAN: half of its short ones and all long ones do
    samples = {"leakgan": [["a", "b"]] * 4 + [["a", "b", "c", "d"]] * 4 + [[]],
               "seqgan": [["a", "b"], ["b", "a"]] * 2 + [["a", "b", "c", "d"]] * 4,
               "mle": [["b", "a"]] * 8}
    data = figures.bleu_gain_by_length(samples, refs, n=2, width=2, min_count=4)
    assert data.counts == {"leakgan": 8, "seqgan": 8}  # the empty sentence and MLE (no baseline) are left out
    assert list(data.curves) == ["seqgan"] and data.width == 2
    assert [(b.lo, b.hi) for b in data.curves["seqgan"]] == [(2, 3), (4, 5)]
    assert data.curves["seqgan"][0].gain == pytest.approx(1.0)  # 1 against 0.5
    assert data.curves["seqgan"][1].gain == pytest.approx(0.0)
    with pytest.raises(UserError, match="needs the samples of a baseline"):
        figures.bleu_gain_by_length({"leakgan": samples["leakgan"], "mle": samples["mle"]}, refs)


def test_gain_table_prints_the_numbers_behind_figure_3():
    refs = [["a", "b", "c", "d"], ["a", "b"]]
    samples = {"leakgan": [["a", "b"]] * 4 + [["a", "b", "c", "d"]] * 4,
               "seqgan": [["a", "b"], ["b", "a"]] * 2 + [["a", "b", "c", "d"]] * 4,
               "rankgan": [["a", "b"]] * 3}  # 3 sentences in its only bucket: below min_count, nothing kept
    data = figures.bleu_gain_by_length(samples, refs, n=2, width=2, min_count=4)
    assert figures.gain_table(data, "tiny", 3, {"rankgan": "RankGAN"}).splitlines() == [
        "Figure 3 (tiny, seed 3): mean sentence BLEU-2 by length, buckets of 2 tokens with at least 4 sentences "
        "of each model (sentences: LeakGAN/baseline)",
        "baseline  length  LeakGAN  baseline BLEU   gain  sentences",
        "--------  ------  -------  -------------  -----  ---------",
        "SeqGAN    2-3           1            0.5  +100%        4/4",
        "SeqGAN    4-5           1              1    +0%        4/4",
        "RankGAN: left out 2-3, 4-5 (too few sentences, or no baseline sentence matching every order)",
    ]


def test_a_bucket_where_no_baseline_sentence_matches_every_order_has_no_gain():
    refs = [["a", "b", "c", "d"], ["a", "b"]]
    # RankGAN's short sentences match unigrams but no bigram: unsmoothed BLEU-2 ~1e-154, not a gain's denominator
    samples = {"leakgan": [["a", "b"]] * 4 + [["a", "b", "c", "d"]] * 4,
               "rankgan": [["b", "a"]] * 4 + [["a", "b", "c", "d"]] * 4}
    floored, matched = (score[2] for score in sentence_bleu_scores([["b", "a"], ["a", "b", "x", "y"]],
                                                                        ReferenceSet(refs, 2), max_n=2))
    assert 0 < floored < figures.bleu_floor(2) < matched  # the floor separates the two kinds of sentence
    assert figures.bleu_floor(4) == pytest.approx(sys.float_info.min ** (1 / 8))  # about 3.5e-39
    assert floored == pytest.approx(sys.float_info.min ** (1 / 2), rel=1e-9)  # unigrams all match, no bigram
    data = figures.bleu_gain_by_length(samples, refs, n=2, width=2, min_count=4)
    assert [(b.lo, b.hi, b.gain) for b in data.curves["rankgan"]] == [(4, 5, pytest.approx(0.0))]
    assert data.dropped["rankgan"] == [(2, 3)]


def test_auto_width_aims_at_eight_buckets():
    assert figures.auto_width(range(20, 52)) == 4  # WMT's 20..51 tokens
    assert figures.auto_width([5, 6]) == 1


def test_pca_of_points_on_a_line_has_one_component():
    direction = np.array([1.0, 2.0, -2.0])  # |direction| = 3
    t = np.arange(-2.0, 3.0)
    points = np.array([4.0, 0.0, 1.0]) + t[:, None] * direction
    mean, components, share = figures.pca_2d(points)
    coords = figures.project(points, mean, components)
    assert np.allclose(components[0], direction / 3)  # sign: the largest entry positive
    assert np.allclose(components[1], 0) and share.tolist() == [pytest.approx(1.0), 0.0]
    assert np.allclose(coords[:, 0], 3 * (t - t.mean())) and np.allclose(coords[:, 1], 0)
    assert np.allclose(figures.project(mean, mean, components), 0)  # the mean projects to the origin


def test_pca_of_a_cross_finds_both_axes_in_order():
    points = np.array([[2.0, 0, 5], [-2.0, 0, 5], [0, 1.0, 5], [0, -1.0, 5]])
    mean, components, share = figures.pca_2d(points)
    assert np.allclose(components, [[1, 0, 0], [0, 1, 0]])
    assert np.allclose(share, [0.8, 0.2])
    assert np.allclose(figures.project(points, mean, components), [[2, 0], [-2, 0], [0, 1], [0, -1]])


def test_feature_traces_project_every_prefix_with_d_of_leakgan():
    model = tiny()
    gen = torch.Generator().manual_seed(3)
    real = torch.randint(0, V, (30, T), generator=gen)
    samples = {"seqgan": torch.randint(0, V, (2, T), generator=gen),
               "leakgan": torch.randint(0, V, (3, T), generator=gen)}
    data = figures.feature_traces(model, real, samples)
    assert data.real.shape == (30, 2) and np.allclose(data.real.mean(axis=0), 0, atol=1e-9)
    assert list(data.traces) == ["seqgan", "leakgan"]
    assert data.traces["seqgan"].shape == (2, T, 2) and data.traces["leakgan"].shape == (3, T, 2)
    # the trace's endpoint is the whole sentence's feature, projected as the real ones are
    with torch.no_grad():
        feats = model.discriminator.feature(torch.cat([real, samples["leakgan"]])).double().numpy()
    mean, components, _ = figures.pca_2d(feats[:30])
    assert np.allclose(data.traces["leakgan"][:, -1], figures.project(feats[30:], mean, components), atol=1e-4)
    # t = 1: the first token followed by padding
    one = torch.full((3, T), PAD)
    one[:, 0] = samples["leakgan"][:, 0]
    with torch.no_grad():
        first = figures.project(model.discriminator.feature(one).double().numpy(), mean, components)
    assert np.allclose(data.traces["leakgan"][:, 0], first, atol=1e-4)


def independent_product(model: LeakGANModel, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(O_t[x_t] ⊙ w_t [T, k], logits O_t·w_t [T, V]) step by step: D's CNN on each padded prefix, the LSTMs one
    step at a time, the segment goals summed by hand (G_0 initial, G_s = g_{(s-1)c+1} + ... + g_{sc})."""
    D, c = model.discriminator, model.cfg.step_size
    prefixes = torch.full((T, T), PAD)
    for t in range(T):
        prefixes[t, :t] = x[:t]
    f = D.feature(prefixes)  # f_0..f_{T-1}
    g, state = [], None
    for t in range(T):
        out, state = model.manager.lstm(f[t][None, None], state)
        g.append(F.normalize(model.manager.out(out[0, 0]), dim=-1))
    rows, logits, state, previous = [], [], None, START_TOKEN
    for t in range(T):
        out, state = model.worker.lstm(model.worker.embedding(torch.tensor([[previous]])), state)
        O = model.worker.out(out[0, 0]).view(V, K)
        s = t // c
        goal = model.goal_init if s == 0 else sum(g[(s - 1) * c + 1: s * c + 1])
        w = F.normalize(model.goal_projection.weight @ goal, dim=-1)
        rows.append(O[x[t]] * w)
        logits.append(O @ w)
        previous = int(x[t])
    return torch.stack(rows), torch.stack(logits)


def test_worker_manager_product_equals_the_step_by_step_recomputation():
    model = tiny(seed=1)
    x = model.sample(1, 1.0, torch.Generator().manual_seed(5))[0]
    product = figures.worker_manager_product(model, x)
    assert product.shape == (T, K)
    with torch.no_grad():
        rows, logits = independent_product(model, x)
        forced = model.teacher_forced(x[None]).log_probs[0]
    assert np.allclose(product, rows.double().numpy(), atol=1e-5)
    # each row sums to the logit of the chosen token, and that is G's own distribution
    chosen = logits[torch.arange(T), x]
    assert np.allclose(product.sum(axis=1), chosen.double().numpy(), atol=1e-5)
    assert torch.allclose(torch.log_softmax(logits, dim=-1)[torch.arange(T), x], forced, atol=1e-5)
