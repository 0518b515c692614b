"""D as a critic: where its real examples come from (the training data, or fresh oracle samples as in the
authors' synthetic script)."""
from __future__ import annotations

from types import SimpleNamespace

import torch

from leakgan.train.discriminator import DiscriminatorCritic


class _Oracle:
    def __init__(self):
        self.calls = []

    def sample(self, num, seq_len, generator, batch_size=1000):
        self.calls.append((num, seq_len))
        return torch.full((num, seq_len), 7, dtype=torch.long)


def _d_run(positives: str):
    """One D step of a critic whose negatives are all 3, training data all 1, oracle samples all 7; what D saw."""
    seen = []
    settings = SimpleNamespace(temperature=1.0, num_negatives=6, gen_batch=4, d_epochs=1, dis_batch_size=4,
                               positives=positives)
    critic = DiscriminatorCritic(SimpleNamespace(train=lambda: None), optimizer=None, settings=settings,
                                 real=torch.full((20, 5), 1, dtype=torch.long), device=torch.device("cpu"),
                                 oracle=_Oracle())
    critic.step = lambda tokens, labels: seen.append((tokens, labels)) or torch.zeros(())
    streams = SimpleNamespace(sample=torch.Generator(), shuffle=torch.Generator().manual_seed(0))
    critic.train_steps(1, lambda n: torch.full((n, 5), 3, dtype=torch.long), streams)
    tokens = torch.cat([t for t, _ in seen])
    labels = torch.cat([lab for _, lab in seen])
    return critic, tokens, labels


def test_fresh_positives_come_from_the_oracle():
    critic, tokens, labels = _d_run("fresh_oracle")
    assert critic.oracle.calls == [(6, 5)]  # one new oracle batch per D step, as many as the negatives
    assert set(tokens[labels == 1].unique().tolist()) == {7}
    assert set(tokens[labels == 0].unique().tolist()) == {3}
    critic, tokens, labels = _d_run("train")
    assert critic.oracle.calls == []
    assert set(tokens[labels == 1].unique().tolist()) == {1} and int((labels == 1).sum()) == 6
