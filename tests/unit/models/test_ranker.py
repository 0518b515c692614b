"""RankGAN's ranker: the expected log-rank score on hand-made embeddings, the ranker's loss and its scores."""
from __future__ import annotations

import math

import pytest
import torch

from leakgan.models.discriminator import DiscriminatorConfig
from leakgan.models.ranker import Ranker, log_rank

torch.set_num_threads(1)

V, T = 12, 6


def ranker(dropout: float = 0.0, seed: int = 0) -> Ranker:
    cfg = DiscriminatorConfig(vocab_size=V, seq_len=T, emb_dim=8, filter_sizes=(1, 2, T), num_filters=(4, 4, 4),
                              dropout=dropout, l2_reg=0.0)
    model = Ranker(cfg)
    model.reset_parameters(torch.Generator().manual_seed(seed))
    return model


def tensor(rows) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float64)


# ------------------------------------------------------------------ log_rank


def test_log_rank_of_a_hand_computed_example():
    # s = [1, 0], C = {[0, 1]}, U = {[1, 0], [1, 1]}, γ = 2
    gamma = 2.0
    # u = [1, 0]: cos(s, u) = 1, cos(c, u) = 0
    p1 = gamma * 1.0 - math.log(math.exp(gamma * 1.0) + math.exp(gamma * 0.0))
    # u = [1, 1]: cos(s, u) = 1/√2, cos(c, u) = 1/√2 → s and c tie: log ½
    a = 1 / math.sqrt(2)
    p2 = gamma * a - math.log(math.exp(gamma * a) + math.exp(gamma * a))
    assert p2 == pytest.approx(-math.log(2))
    expected = (p1 + p2) / 2
    got = log_rank(tensor([[1, 0]]), tensor([[0, 1]]), tensor([[1, 0], [1, 1]]), gamma)
    assert got.shape == (1,)
    assert float(got[0]) == pytest.approx(expected, abs=1e-12)
    assert float(got[0]) == pytest.approx(-0.4100376, abs=1e-6)  # (−0.126928 − 0.693147) / 2


def test_log_rank_of_several_sentences_against_several_comparisons():
    # s1 = [1, 0], s2 = [0, 2] (length does not matter: cosines), C = {[1, 1], [-1, 0]}, U = {[3, 4]}, γ = 1.5
    gamma = 1.5
    cos = {"s1": 3 / 5, "s2": 4 / 5, "c1": 7 / (5 * math.sqrt(2)), "c2": -3 / 5}
    others = math.exp(gamma * cos["c1"]) + math.exp(gamma * cos["c2"])
    expected = [gamma * cos[s] - math.log(math.exp(gamma * cos[s]) + others) for s in ("s1", "s2")]
    got = log_rank(tensor([[1, 0], [0, 2]]), tensor([[1, 1], [-1, 0]]), tensor([[3, 4]]), gamma)
    assert got.tolist() == pytest.approx(expected, abs=1e-12)
    # each sentence joins the comparison set on its own: s1's score does not see s2
    alone = log_rank(tensor([[1, 0]]), tensor([[1, 1], [-1, 0]]), tensor([[3, 4]]), gamma)
    assert float(alone[0]) == pytest.approx(expected[0], abs=1e-12)


def test_log_rank_is_a_log_probability_and_prefers_sentences_like_the_references():
    gen = torch.Generator().manual_seed(0)
    refs = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    comparison = torch.randn(7, 4, generator=gen, dtype=torch.float64)
    sentences = torch.randn(9, 4, generator=gen, dtype=torch.float64)
    scores = log_rank(sentences, comparison, refs, 1.0)
    assert scores.shape == (9,) and (scores <= 0).all()
    # one reference, comparison orthogonal-ish: the reference itself ranks above a sentence orthogonal to it
    u = tensor([[1, 2]])
    c = tensor([[1, 0], [0, 1]])
    same, orthogonal = log_rank(tensor([[1, 2], [2, -1]]), c, u, 1.0).tolist()
    assert same > orthogonal
    # with references U, a copy of a reference outranks a sentence orthogonal to all of them
    U = tensor([[1, 0, 0], [1, 0, 0]])
    s_same, s_orth = log_rank(tensor([[1, 0, 0], [0, 1, 0]]), tensor([[1, 1, 1]]), U, 2.0).tolist()
    assert s_orth < s_same < 0
    # with every cosine equal the rank softmax is uniform over C ∪ {s}: log 1/(|C| + 1) whatever γ is
    flat = log_rank(tensor([[1, 0]]), tensor([[1, 0]] * 3), tensor([[1, 0]]), 5.0)
    assert float(flat[0]) == pytest.approx(-math.log(4), abs=1e-12)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 4.0])
def test_gamma_is_the_temperature_of_the_rank_softmax(gamma):
    # s = [1, 0], one comparison c = [0, 1], one reference u = [1, 1] rotated: cos(s, u) = a, cos(c, u) = b
    u = [math.cos(0.3), math.sin(0.3)]
    a, b = math.cos(0.3), math.sin(0.3)
    expected = -math.log(1 + math.exp(gamma * (b - a)))  # = γa − log(e^{γa} + e^{γb})
    got = float(log_rank(tensor([[1, 0]]), tensor([[0, 1]]), tensor([u]), gamma)[0])
    assert got == pytest.approx(expected, abs=1e-12)
    # the embeddings' lengths do not matter, only γ does
    scaled = float(log_rank(tensor([[3, 0]]), tensor([[0, 0.5]]), tensor([[7 * x for x in u]]), gamma)[0])
    assert scaled == pytest.approx(expected, abs=1e-12)
    if gamma == 0.0:
        assert got == pytest.approx(-math.log(2), abs=1e-12)


def test_larger_gamma_sharpens_the_rank():
    args = (tensor([[1, 0]]), tensor([[0, 1]]), tensor([[math.cos(0.3), math.sin(0.3)]]))
    scores = [float(log_rank(*args, g)[0]) for g in (0.0, 1.0, 4.0, 50.0)]
    assert scores == sorted(scores) and scores[-1] > -1e-6  # s is the closer one: its log-rank rises to 0
    worse = [float(log_rank(args[1], args[0], args[2], g)[0]) for g in (0.0, 1.0, 4.0)]
    assert worse == sorted(worse, reverse=True)  # and the farther one sinks


# ------------------------------------------------------------------ Ranker


def _log_rank_by_hand(y_s: torch.Tensor, y_c: torch.Tensor, y_u: torch.Tensor, gamma: float) -> torch.Tensor:
    """mean over u of log P(s | u, C ∪ {s}), one sentence and one reference at a time."""
    def cos(x, y):
        return float(x @ y) / (float(x.norm()) * float(y.norm()))

    out = []
    for s in y_s:
        total = 0.0
        for u in y_u:
            own = gamma * cos(s, u)
            total += own - math.log(math.exp(own) + sum(math.exp(gamma * cos(c, u)) for c in y_c))
        out.append(total / len(y_u))
    return torch.tensor(out, dtype=torch.float64)


def toy_batches():
    real = torch.full((8, T), 1)
    fake = torch.full((8, T), 2)
    fake[::2, ::3] = 5  # a little variety among the fakes
    refs = torch.full((4, T), 1)
    refs[0, 0] = 3
    return real, fake, refs


def test_ranker_loss_is_the_difference_of_log_ranks():
    model = ranker(dropout=0.5).eval()  # eval: dropout off
    real, fake, refs = toy_batches()
    gamma = 1.5
    loss = model.loss(real, fake, refs, gamma).detach()
    assert loss.shape == ()
    with torch.no_grad():
        y_real, y_fake, y_ref = (model.embed(x).double() for x in (real, fake, refs))
    assert y_real.shape == (8, model.cfg.feature_dim) == (8, 12)
    expected = -(_log_rank_by_hand(y_real, y_fake, y_ref, gamma).mean() - _log_rank_by_hand(y_fake, y_real, y_ref, gamma).mean())
    assert float(loss) == pytest.approx(float(expected), abs=1e-5)
    # in training mode dropout changes the embeddings, hence the loss
    model.train()
    torch.manual_seed(0)
    assert float(model.loss(real, fake, refs, gamma).detach()) != pytest.approx(float(loss), abs=1e-6)


def test_ranker_learns_to_rank_real_above_fake():
    torch.manual_seed(0)
    model = ranker()
    real, fake, refs = toy_batches()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    losses = []
    for _ in range(15):
        loss = model.loss(real, fake, refs, 1.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.1
    model.eval()
    scores_real = model.scores(real, real, refs, 1.0)
    scores_fake = model.scores(fake, real, refs, 1.0)
    assert float(scores_real.mean()) > float(scores_fake.mean())
    # the classifier of D is not part of the ranker: it gets no gradient
    assert model.cnn.classifier.weight.grad is None


def test_ranker_scores_do_not_depend_on_the_chunk():
    model = ranker(dropout=0.25).eval()
    gen = torch.Generator().manual_seed(3)
    tokens = torch.randint(0, V, (11, T), generator=gen)
    comparison, refs = torch.randint(0, V, (5, T), generator=gen), torch.randint(0, V, (4, T), generator=gen)
    whole = model.scores(tokens, comparison, refs, 1.0, chunk=4096)
    assert whole.shape == (11,) and (whole <= 0).all()
    for chunk in (1, 3, 11):
        assert torch.allclose(model.scores(tokens, comparison, refs, 1.0, chunk=chunk), whole, rtol=0, atol=1e-6)
    with torch.no_grad():
        expected = log_rank(model.embed(tokens), model.embed(comparison), model.embed(refs), 1.0)
    assert torch.allclose(whole, expected, rtol=0, atol=1e-6)
    assert not whole.requires_grad
