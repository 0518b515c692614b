"""The critic a GAN's generator is trained against, and how D is trained (LeakGAN's and SeqGAN's D).

`Critic` is what every GAN trainer talks to: `train_steps` trains it against
fresh samples of the generator, `score` gives the reward-side score of
sequences (higher: more like real text). `DiscriminatorCritic` is the CNN
classifier D (its score: D's probability of "real"); RankGAN's ranker
(`leakgan.train.rankgan.RankerCritic`) is the other one.

On a GPU each D step is replayed as one CUDA graph (`DiscriminatorStep`).
"""
from __future__ import annotations

import sys
from typing import Callable, Protocol

import torch
from torch import nn

from leakgan.errors import UserError
from leakgan.models.discriminator import Discriminator, DiscriminatorConfig


class Critic(Protocol):
    """What a GAN's generator is trained against: D, or the ranker."""

    module: nn.Module
    optimizer: torch.optim.Optimizer

    def train_steps(self, steps: int, negatives: Callable[[int], torch.Tensor], streams) -> float:
        """`steps` × (fresh negatives from `negatives(n)`, d_epochs epochs); the mean loss of the last epoch."""

    def score(self, sequences: torch.Tensor, streams, chunk: int) -> torch.Tensor:
        """The reward-side score [N] of sequences [N, T], `chunk` rows at a time (no gradient)."""


def discriminator_config(s, vocab_size: int, seq_len: int) -> DiscriminatorConfig:
    """D's config from a model's settings block (dis_emb_dim, filter_sizes, num_filters, dropout, l2_reg)."""
    if (s.filter_sizes is None) != (s.num_filters is None):
        raise UserError(f"config keys '{s.block}.filter_sizes' and '{s.block}.num_filters' must both be set or both null")
    try:
        return DiscriminatorConfig(vocab_size=vocab_size, seq_len=seq_len, emb_dim=s.dis_emb_dim,
                                   filter_sizes=tuple(s.filter_sizes or ()), num_filters=tuple(s.num_filters or ()),
                                   dropout=s.dropout, l2_reg=s.l2_reg)
    except ValueError as exc:
        raise UserError(f"config key '{s.block}.filter_sizes': {exc}") from None


def adam(params, lr: float, capturable: bool = False) -> torch.optim.Adam:
    """Adam with the fused kernel where the device and build have it (one kernel per update)."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, fused=True, capturable=capturable)
    except (RuntimeError, ValueError):  # a device or build without the fused kernel
        return torch.optim.Adam(params, lr=lr, capturable=capturable)


class DiscriminatorStep:
    """One optimizer step of D on a batch, replayed as a CUDA graph on a GPU where capture works.

    A D epoch is hundreds of small steps whose time on a GPU is launch
    overhead; a captured graph replays the whole forward, backward and Adam
    update as one launch. Batches of another size (an epoch's last) and CPU
    runs take the ordinary path, which computes the same update.
    """

    def __init__(self, discriminator: Discriminator, optimizer: torch.optim.Optimizer, batch: int,
                 device: torch.device, autocast: str = "none"):
        self.D, self.opt, self.device = discriminator, optimizer, device
        self.bf16 = autocast == "bf16"
        self.graph, self.reason = None, "cpu"
        if device.type == "cuda":
            try:
                self._capture(batch, discriminator.cfg.seq_len)
            except Exception as exc:  # graph capture is an optimisation: fall back to the eager path
                self.graph, self.reason = None, f"{type(exc).__name__}: {exc}"
                print(f"leakgan: D steps run eagerly (CUDA graph capture failed: {self.reason})", file=sys.stderr)

    def _eager(self, tokens: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            loss = self.D.loss(tokens, labels)
        self.opt.zero_grad(set_to_none=False)
        loss.backward()
        self.opt.step()  # the authors do not clip D's gradients
        return loss.detach()

    def _capture(self, batch: int, seq_len: int) -> None:
        D, opt, device = self.D, self.opt, self.device
        if not all(group.get("capturable") for group in opt.param_groups):
            raise RuntimeError("D's optimizer is not capturable")
        # Warm-up steps change D and Adam: keep copies and put them back afterwards.
        saved_params = [p.detach().clone() for p in D.parameters()]
        opt_state = [{k: (v.detach().clone() if torch.is_tensor(v) else v) for k, v in opt.state[p].items()}
                     if p in opt.state else None for p in D.parameters()]
        self.tokens = torch.zeros(batch, seq_len, dtype=torch.long, device=device)
        self.labels = torch.zeros(batch, dtype=torch.long, device=device)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                self._eager(self.tokens, self.labels)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.loss = self._eager(self.tokens, self.labels)
        with torch.no_grad():
            for p, kept, state in zip(D.parameters(), saved_params, opt_state):
                p.copy_(kept)
                for k, v in opt.state[p].items():
                    if torch.is_tensor(v):
                        v.copy_(state[k] if state is not None else torch.zeros_like(v))
        self.reason = "cuda graph"

    def __call__(self, tokens: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """D's loss on this batch, after the step (a tensor on the device)."""
        if self.graph is not None and tokens.shape == self.tokens.shape:
            self.tokens.copy_(tokens)
            self.labels.copy_(labels)
            self.graph.replay()
            return self.loss.clone()
        return self._eager(tokens, labels)


class DiscriminatorCritic:
    """D as a critic: trained on real against generated sequences; its score is D's probability of "real".

    Settings read: num_negatives, gen_batch, dis_batch_size, d_epochs, and `positives` where the model has
    it (train: a fresh subset of the training data as large as the negatives; fresh_oracle: new oracle
    samples at every step, the authors' synthetic script).
    """

    def __init__(self, discriminator: Discriminator, optimizer: torch.optim.Optimizer, settings, real: torch.Tensor,
                 device: torch.device, oracle=None):
        self.module, self.optimizer, self.settings = discriminator, optimizer, settings
        self.real, self.device, self.oracle = real, device, oracle
        self.step: DiscriminatorStep | None = None  # made at the first D step

    def train_steps(self, steps: int, negatives: Callable[[int], torch.Tensor], streams) -> float:
        s, D = self.settings, self.module
        loss_sum, loss_count = 0.0, 0
        if steps and self.step is None:
            self.step = DiscriminatorStep(D, self.optimizer, s.dis_batch_size, self.device,
                                          getattr(s, "dis_autocast", "none"))
        for _ in range(steps):
            fake = negatives(s.num_negatives).to(self.device)
            if getattr(s, "positives", "train") == "fresh_oracle":
                # the authors' synthetic script: new oracle samples as the real class at every D step
                positives = self.oracle.sample(len(fake), fake.shape[1], streams.sample, s.gen_batch)
            else:
                # Balanced classes like the authors' 10,000 real vs 10,000 generated: a fresh
                # subset of the real data when it holds more sequences than num_negatives.
                positives = self.real
                if len(positives) > len(fake):
                    positives = positives[torch.randperm(len(positives), generator=streams.shuffle)[:len(fake)]]
            tokens = torch.cat([positives.to(self.device), fake])  # the whole D data set stays on the device
            labels = torch.cat([torch.ones(len(positives), dtype=torch.long, device=self.device),
                                torch.zeros(len(fake), dtype=torch.long, device=self.device)])
            D.train()
            for _ in range(s.d_epochs):
                order = torch.randperm(len(tokens), generator=streams.shuffle).to(self.device)
                total = torch.zeros((), device=self.device)  # summed on the device: no sync per batch
                for start in range(0, len(order), s.dis_batch_size):
                    idx = order[start:start + s.dis_batch_size]
                    total += self.step(tokens[idx], labels[idx]) * len(idx)
                loss_sum, loss_count = float(total), len(order)
        return loss_sum / max(loss_count, 1)

    @torch.no_grad()
    def score(self, sequences: torch.Tensor, streams, chunk: int) -> torch.Tensor:
        self.module.eval()
        return torch.cat([self.module.real_prob(part) for part in sequences.split(chunk)])
