"""Training the CNN discriminator D (LeakGAN's and SeqGAN's): fresh negatives, epochs of minibatch steps, a CUDA-graph step on GPUs."""
from __future__ import annotations

import sys

import torch

from leakgan.errors import UserError
from leakgan.models.discriminator import DiscriminatorConfig


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


class DiscriminatorStep:
    """One optimizer step of D on a batch, replayed as a CUDA graph on a GPU where capture works.

    A D epoch is hundreds of small steps whose time on a GPU is launch
    overhead; a captured graph replays the whole forward, backward and Adam
    update as one launch. Batches of another size (an epoch's last) and CPU
    runs take the ordinary path, which computes the same update.
    """

    def __init__(self, run):
        self.run, self.graph, self.reason = run, None, "cpu"
        s, D = run.settings, run.model.discriminator
        if run.device.type == "cuda":
            try:
                self._capture(s.dis_batch_size, D.cfg.seq_len)
            except Exception as exc:  # graph capture is an optimisation: fall back to the eager path
                self.graph, self.reason = None, f"{type(exc).__name__}: {exc}"
                print(f"leakgan: D steps run eagerly (CUDA graph capture failed: {self.reason})", file=sys.stderr)

    def _eager(self, tokens: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        D, opt = self.run.model.discriminator, self.run.dis_opt
        loss = D.loss(tokens, labels)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()  # the authors do not clip D's gradients
        return loss.detach()

    def _capture(self, batch: int, seq_len: int) -> None:
        D, opt, device = self.run.model.discriminator, self.run.dis_opt, self.run.device
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
        """D's loss on this batch, after the step (a tensor on the run's device)."""
        if self.graph is not None and tokens.shape == self.tokens.shape:
            self.tokens.copy_(tokens)
            self.labels.copy_(labels)
            self.graph.replay()
            return self.loss.clone()
        return self._eager(tokens, labels)


def train_discriminator(run, steps: int, temperature: float | None = None) -> float:
    """`steps` × (fresh negatives, `d_epochs` epochs on real vs generated); mean D loss of the last epoch.

    Negatives are drawn at α = `temperature` (default: the run's `settings.temperature`, LeakGAN's
    evaluation α, as the authors do). `run` offers settings, model (with .sample and .discriminator),
    train, device, dis_opt, d_step, sample_rng and shuffle_rng (and oracle when `settings.positives` is fresh_oracle).
    """
    s, model, D = run.settings, run.model, run.model.discriminator
    temperature = s.temperature if temperature is None else temperature
    loss_sum, loss_count = 0.0, 0
    if steps and run.d_step is None:
        run.d_step = DiscriminatorStep(run)
    for _ in range(steps):
        negatives = model.sample(s.num_negatives, temperature, run.sample_rng, s.gen_batch).to(run.device)
        if getattr(s, "positives", "train") == "fresh_oracle":
            # the authors' synthetic script: new oracle samples as the real class at every D step
            positives = run.oracle.sample(len(negatives), negatives.shape[1], run.sample_rng, s.gen_batch)
        else:
            # Balanced classes like the authors' 10,000 real vs 10,000 generated: a fresh
            # subset of the real data when it holds more sequences than num_negatives.
            positives = run.train
            if len(positives) > len(negatives):
                positives = positives[torch.randperm(len(positives), generator=run.shuffle_rng)[:len(negatives)]]
        tokens = torch.cat([positives.to(run.device), negatives])  # the whole D data set stays on the device
        labels = torch.cat([torch.ones(len(positives), dtype=torch.long, device=run.device),
                            torch.zeros(len(negatives), dtype=torch.long, device=run.device)])
        D.train()
        for _ in range(s.d_epochs):
            order = torch.randperm(len(tokens), generator=run.shuffle_rng).to(run.device)
            total = torch.zeros((), device=run.device)  # summed on the device: no sync per batch
            for start in range(0, len(order), s.dis_batch_size):
                idx = order[start:start + s.dis_batch_size]
                total += run.d_step(tokens[idx], labels[idx]) * len(idx)
            loss_sum, loss_count = float(total), len(order)
    return loss_sum / max(loss_count, 1)


