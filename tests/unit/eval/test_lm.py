"""LM score, reverse-LM score and the Fréchet distance in the reference LM's space (leakgan.eval.lm)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from leakgan.errors import UserError
from leakgan.eval.lm import (DEFAULT_REFERENCE, DEFAULT_REVERSE, LMSettings, frechet_distance, frechet_distance_of,
                             lm_nll, reverse_lm_score, sentence_representation, sequence_mask, train_language_model)
from leakgan.models.mle import MLEConfig, MLEGenerator

torch.set_num_threads(1)  # tiny models: one thread is fastest, and the machine's cores are shared

LN2 = math.log(2.0)
F32 = {"rel": 1e-6}  # float32 results: relative tolerance of a few float32 ulps


class BigramLM(nn.Module):
    """A hand-built "LM": the log-probability table row of the previous token (start token 0 before x_0)."""

    def __init__(self, probs):
        super().__init__()
        self.register_buffer("table", torch.tensor(probs, dtype=torch.float32).log())

    def forward(self, tokens):
        previous = torch.cat([torch.zeros_like(tokens[:, :1]), tokens[:, :-1]], dim=1)
        return self.table[previous]


# p(next | previous): rows are the previous token, columns the next one.
BIGRAM = [[0.50, 0.25, 0.25],
          [0.25, 0.50, 0.25],
          [0.25, 0.25, 0.50]]


def bigram_corpus(n, length=8, vocab=12, seed=0):
    """Rows of a fixed random bigram process over `vocab` tokens (a peaked transition matrix), and its matrix."""
    gen = torch.Generator().manual_seed(seed)
    probs = torch.softmax(3.0 * torch.randn(vocab, vocab, generator=gen), dim=1)
    rows = torch.empty(n, length, dtype=torch.long)
    previous = torch.zeros(n, dtype=torch.long)
    for t in range(length):
        previous = torch.multinomial(probs[previous], 1, generator=gen)[:, 0]
        rows[:, t] = previous
    return rows, probs


def state_bytes(model):
    return {k: v.numpy().tobytes() for k, v in model.state_dict().items()}


# ---------------------------------------------------------------------------------------------- sequence_mask

def test_sequence_mask_counts_up_to_and_including_the_first_pad():
    tokens = torch.tensor([[5, 3, 0, 4, 0],   # pad in the middle: positions 0..2
                           [0, 1, 2, 0, 4],   # pad at position 0: position 0 only
                           [1, 2, 3, 4, 5]])  # no pad: all 5
    assert sequence_mask(tokens, 0).tolist() == [[True, True, True, False, False],
                                                 [True, False, False, False, False],
                                                 [True, True, True, True, True]]
    assert sequence_mask(tokens, None).tolist() == [[True] * 5] * 3  # synthetic data: everything counts
    assert sequence_mask(tokens, 4).tolist() == [[True, True, True, True, False],
                                                 [True, True, True, True, True],
                                                 [True, True, True, True, False]]


# ---------------------------------------------------------------------------------------------- LM score

def test_lm_score_of_a_bigram_model_matches_the_hand_computed_value():
    model = BigramLM(BIGRAM)
    tokens = torch.tensor([[1, 1, 2, 2],   # pad 2 at position 2
                           [0, 1, 0, 1],   # no pad
                           [2, 0, 0, 0]])  # pad at position 0
    # pad_id 2, counted positions only (start token 0 before x_0):
    #   row 0: p(1|0) p(1|1) p(2|1)        = 1/4 · 1/2 · 1/4       -> 2+1+2 = 5 ln 2, 3 tokens
    #   row 1: p(0|0) p(1|0) p(0|1) p(1|0) = 1/2 · 1/4 · 1/4 · 1/4 -> 1+2+2+2 = 7 ln 2, 4 tokens
    #   row 2: p(2|0)                      = 1/4                   -> 2 ln 2, 1 token
    #   mean = (5 + 7 + 2) ln 2 / 8 = 1.75 ln 2 ≈ 1.2130
    assert lm_nll(model, tokens, pad_id=2) == pytest.approx(1.75 * LN2, **F32)
    assert lm_nll(model, tokens, pad_id=2, batch_size=1) == pytest.approx(1.75 * LN2, **F32)
    # pad_id None: every position; row 0 adds p(2|2) = 1/2 (1 ln 2), row 2 adds p(0|2) p(0|0) p(0|0) (2+1+1 ln 2):
    #   (6 + 7 + 6) ln 2 / 12 = 19/12 ln 2 ≈ 1.0975
    assert lm_nll(model, tokens, pad_id=None) == pytest.approx(19 / 12 * LN2, **F32)


def test_lm_score_of_an_mle_generator_matches_its_own_nll_without_padding():
    torch.manual_seed(0)
    model = MLEGenerator(MLEConfig(vocab_size=7, seq_len=5, emb_dim=4, hidden_dim=6)).eval()
    tokens = torch.randint(0, 7, (10, 5), generator=torch.Generator().manual_seed(1))
    assert lm_nll(model, tokens, None, batch_size=4) == pytest.approx(model.nll(tokens, batch_size=4), **F32)


# ---------------------------------------------------------------------------------------------- sentence representation

def test_sentence_representation_is_the_state_after_the_last_counted_token():
    torch.manual_seed(0)
    model = MLEGenerator(MLEConfig(vocab_size=6, seq_len=5, emb_dim=4, hidden_dim=3)).eval()
    tokens = torch.tensor([[3, 4, 0, 1, 2],   # first pad (0) at 2: L = 3, the state after start, 3, 4, 0
                           [1, 2, 3, 4, 5]])  # no pad: L = 5, the state after start and all five tokens
    rep = sentence_representation(model, tokens, pad_id=0)
    assert rep.shape == (2, 3) and rep.dtype == torch.float32
    states = model.states_along(tokens)  # states[t]: after start and x_0..x_{t-1}
    torch.testing.assert_close(rep[0], states[3][0][0, 0], rtol=1e-6, atol=1e-6)
    with torch.no_grad():
        # one more step from the state after x_0..x_3 of row 1: it reads x_4
        _, (h, _) = model.lstm(model.embedding(tokens[1:, 4:5]), tuple(x[:, 1:2] for x in states[4]))
    torch.testing.assert_close(rep[1], h[0, 0], rtol=1e-6, atol=1e-6)
    # tokens after the first pad never change it
    changed = tokens.clone()
    changed[0, 3:] = torch.tensor([5, 5])
    torch.testing.assert_close(sentence_representation(model, changed, 0)[0], rep[0], rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------------------------- Fréchet distance

def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    mu1, sd1 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    mu2, sd2 = np.array([1.0, 1.0, 0.0]), np.array([2.0, 2.0, 1.0])
    # |mu1 - mu2|² = 1 + 0 + 4 = 5; Σ (σ1 - σ2)² = 1 + 0 + 4 = 5
    assert frechet_distance(mu1, np.diag(sd1 ** 2), mu2, np.diag(sd2 ** 2)) == pytest.approx(10.0, rel=1e-12)
    # singular (rank-deficient) covariances are fine: (1 - 0)² + (0 - 1)² = 2
    assert frechet_distance(np.zeros(2), np.diag([1.0, 0.0]), np.zeros(2), np.diag([0.0, 1.0])) == pytest.approx(
        2.0, rel=1e-12)


def test_frechet_distance_of_correlated_gaussians_matches_scipy_sqrtm_and_is_symmetric():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    cov1, cov2 = a @ a.T + 0.1 * np.eye(4), b @ b.T + 0.1 * np.eye(4)
    mu1, mu2 = rng.normal(size=4), rng.normal(size=4)
    expected = float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1 + cov2 - 2 * scipy.linalg.sqrtm(cov1 @ cov2).real))
    assert frechet_distance(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(mu2, cov2, mu1, cov1) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(mu1, cov1, mu1, cov1) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_of_samples_approximates_that_of_their_gaussians():
    rng = np.random.default_rng(1)
    mu1, cov1 = np.array([0.0, 0.0, 0.0]), np.diag([1.0, 2.0, 0.5])
    mu2, cov2 = np.array([1.0, -0.5, 0.0]), np.array([[1.0, 0.5, 0.0], [0.5, 1.5, 0.3], [0.0, 0.3, 1.0]])
    truth = frechet_distance(mu1, cov1, mu2, cov2)  # ≈ 1.518
    x = rng.multivariate_normal(mu1, cov1, size=20000)
    y = rng.multivariate_normal(mu2, cov2, size=20000)
    # The estimate's spread is dominated by the mean term: 2 (mu1 - mu2)·ε with ε the error of the difference of
    # the sample means, sd 2·√((1·(1+1) + 0.25·(2+1.5)) / 20000) ≈ 0.024 (200 seeds gave sd 0.023, bias 0.002);
    # the covariance term adds far less. 0.1 absolute is about 4 standard deviations (this seed is off by 0.028).
    assert frechet_distance_of(x, y) == pytest.approx(truth, abs=0.1)
    assert frechet_distance_of(torch.from_numpy(x), torch.from_numpy(x)) == pytest.approx(0.0, abs=1e-9)


# ---------------------------------------------------------------------------------------------- training

def test_training_is_deterministic_and_restores_the_best_validation_epoch():
    # Train on one sentence repeated, validate on 4 copies of it and 16 rows of other text: the validation NLL first
    # falls, then turns up as the model overfits (best at epoch 4 of 6 on this machine), early stopping fires and
    # the best epoch's weights come back.
    train = torch.tensor([[1, 2, 3, 4, 5, 6]]).repeat(32, 1)
    other, _ = bigram_corpus(16, length=6, vocab=7, seed=3)
    valid = torch.cat([other, train[:4]])
    kwargs = dict(emb_dim=8, hidden_dim=8, batch_size=8, lr=0.02, max_epochs=12, patience=2, seed=5)
    model, history = train_language_model(train, valid, 7, None, **kwargs)
    again, history_again = train_language_model(train, valid, 7, None, **kwargs)
    assert history == history_again
    assert state_bytes(model) == state_bytes(again)
    other, _ = train_language_model(train, valid, 7, None, **dict(kwargs, seed=6))
    assert state_bytes(other) != state_bytes(model)

    assert [h["epoch"] for h in history] == list(range(1, len(history) + 1))
    selected = [h for h in history if h["selected"]]
    assert len(selected) == 1
    best = min(history, key=lambda h: h["valid_nll"])
    assert selected[0] is best
    assert best["epoch"] > 1  # restoring is not trivial: later epochs were trained and thrown away
    assert len(history) == best["epoch"] + 2 < 12  # stopped after `patience` epochs without improvement
    assert not model.training
    assert lm_nll(model, valid, None) == pytest.approx(best["valid_nll"], **F32)
    assert lm_nll(model, valid, None) < history[-1]["valid_nll"]


def test_reverse_lm_score_prefers_samples_of_the_real_distribution_to_a_collapsed_sampler():
    corpus, probs = bigram_corpus(700, length=8, vocab=12, seed=0)
    samples, test = corpus[:400], corpus[400:]
    collapsed = samples[:1].repeat(400, 1)
    previous = torch.cat([torch.zeros(300, 1, dtype=torch.long), test[:, :-1]], dim=1)
    true_nll = float(-torch.log(probs[previous, test]).mean())  # the test rows' NLL under the process itself
    kwargs = dict(emb_dim=16, hidden_dim=32, batch_size=32, lr=0.02, epochs=6, valid_fraction=0.1, patience=2, seed=0)
    good = reverse_lm_score(samples, test, 12, None, **kwargs)
    bad = reverse_lm_score(collapsed, test, 12, None, **kwargs)
    assert set(good) >= {"reverse_lm_nll", "epochs", "selected_epoch"}
    assert 1 <= good["selected_epoch"] <= good["epochs"] <= 6
    # the matching sampler's LM comes close to the process's own NLL on the test rows; the collapsed one is far off
    assert true_nll <= good["reverse_lm_nll"] < true_nll + 0.35
    assert bad["reverse_lm_nll"] > good["reverse_lm_nll"] + 1.0


# ---------------------------------------------------------------------------------------------- settings and errors

def test_default_settings():
    assert DEFAULT_REFERENCE == LMSettings(128, 128, 64, 0.005, 30, 3)
    assert DEFAULT_REVERSE == LMSettings(64, 64, 64, 0.005, 10, 2)
    assert DEFAULT_REVERSE.reverse_kwargs()["epochs"] == 10
    assert DEFAULT_REFERENCE.train_kwargs()["max_epochs"] == 30
    with pytest.raises(AttributeError):
        DEFAULT_REFERENCE.lr = 1.0  # frozen


GOOD = torch.tensor([[1, 2, 3], [3, 2, 1]])
SMALL = dict(emb_dim=4, hidden_dim=4, batch_size=2, lr=0.01, max_epochs=1, patience=1, seed=0)
REVERSE = dict(emb_dim=4, hidden_dim=4, batch_size=2, lr=0.01, epochs=1, valid_fraction=0.1, patience=1, seed=0)


@pytest.mark.parametrize("call, message", [
    (lambda: train_language_model(GOOD[:0], GOOD, 5, None, **SMALL), "training data: has no sequences"),
    (lambda: train_language_model(GOOD, GOOD[:, :2], 5, None, **SMALL),
     "training sequences have length 3 but validation sequences have length 2"),
    (lambda: train_language_model(GOOD, GOOD, 3, None, **SMALL), "token id 3 is outside the vocabulary of 3 ids"),
    (lambda: train_language_model(GOOD - 2, GOOD, 5, None, **SMALL), "token id -1 is negative"),
    (lambda: train_language_model(GOOD.float(), GOOD, 5, None, **SMALL), "token ids must be integers"),
    (lambda: train_language_model(GOOD, GOOD, 5, 7, **SMALL), "pad_id 7 is outside the vocabulary of 5 ids"),
    (lambda: train_language_model(GOOD, GOOD, 5, None, **dict(SMALL, patience=0)), "patience must be positive"),
    (lambda: lm_nll(BigramLM(BIGRAM), torch.tensor([[0, 3]]), None), "outside the language model's vocabulary"),
    (lambda: lm_nll(BigramLM(BIGRAM), torch.tensor([0, 1]), None), "expected token ids of shape [rows, length]"),
    (lambda: reverse_lm_score(GOOD[:1], GOOD, 5, None, **REVERSE), "leave none to train on"),
    (lambda: reverse_lm_score(GOOD, GOOD[:, :2], 5, None, **REVERSE), "samples have length 3 but test sequences"),
    (lambda: frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), "do not fit"),
    (lambda: frechet_distance_of(np.zeros((5, 2)), np.zeros((5, 3))), "the sets have 2 and 3 dimensions"),
    (lambda: frechet_distance_of(np.zeros((1, 2)), np.zeros((5, 2))), "at least 2 samples"),
])
def test_bad_input_is_a_one_line_user_error(call, message):
    with pytest.raises(UserError) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)
