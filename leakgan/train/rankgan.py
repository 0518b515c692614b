"""RankGAN (Lin et al., NeurIPS 2017) on SeqGAN's loop: the ranker as the critic.

The ranker (`leakgan.models.ranker`) embeds sentences with D's CNN and ranks
them by cosine relevance to human-written references. Its training pairs
`dis_batch_size` human-written with as many generated sentences, each ranked
against the other kind with a fresh reference set; the generator's reward
for a rollout is its expected log-rank score against human-written
comparison and reference sentences (drawn fresh at every generator step).
Everything else (pretraining, rollouts, REINFORCE, the delayed rollout
network, resumption) is SeqGAN's (`leakgan.train.seqgan`). `rank_score:
batch_softmax` trains and scores as desire2020/RankGAN's code
(`leakgan.models.ranker.batch_log_softmax`).
"""
from __future__ import annotations

from typing import Callable

import torch

from leakgan.models.ranker import Ranker
from leakgan.train.job import TrainingJob
from leakgan.train.seqgan import adversarial_gan, pretrain_gan

STREAMS = "rankgan-{stage}"  # rankgan-<stage>-sample, ...


class RankerCritic:
    """The ranker as a critic (`leakgan.train.discriminator.Critic`): its score is log R(s | U, C)."""

    def __init__(self, ranker: Ranker, optimizer: torch.optim.Optimizer, settings, real: torch.Tensor,
                 device: torch.device):
        self.module, self.optimizer, self.settings, self.real, self.device = ranker, optimizer, settings, real, device

    def real_subset(self, k: int, streams) -> torch.Tensor:
        """k training sentences drawn afresh (without replacement when there are enough)."""
        n = len(self.real)
        index = (torch.randperm(n, generator=streams.shuffle)[:k] if k <= n
                 else torch.randint(0, n, (k,), generator=streams.shuffle))
        return self.real[index].to(self.device)

    def train_steps(self, steps: int, negatives: Callable[[int], torch.Tensor], streams) -> float:
        """`steps` × (fresh negatives, `d_epochs` epochs of ranker batches); mean loss of the last epoch."""
        s, ranker = self.settings, self.module
        loss_sum, count = 0.0, 0
        for _ in range(steps):
            fake = negatives(s.num_negatives).to(self.device)
            real = self.real_subset(len(fake), streams)
            ranker.train()
            for _ in range(s.d_epochs):
                order_real = torch.randperm(len(real), generator=streams.shuffle).to(self.device)
                order_fake = torch.randperm(len(fake), generator=streams.shuffle).to(self.device)
                loss_sum, count = 0.0, 0
                for start in range(0, len(fake), s.dis_batch_size):
                    r = real[order_real[start:start + s.dis_batch_size]]
                    f = fake[order_fake[start:start + s.dis_batch_size]]
                    refs = self.real_subset(s.ref_size, streams)
                    if self.batch_softmax:
                        loss = ranker.batch_softmax_loss(r, f, refs, s.gamma)
                    else:
                        loss = ranker.loss(r, f, refs, s.gamma)
                    self.optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    self.optimizer.step()
                    loss_sum += float(loss.detach()) * len(f)
                    count += len(f)
        ranker.eval()
        return loss_sum / max(count, 1)

    @property
    def batch_softmax(self) -> bool:
        return getattr(self.settings, "rank_score", "log_rank") == "batch_softmax"

    @torch.no_grad()
    def score(self, sequences: torch.Tensor, streams, chunk: int) -> torch.Tensor:
        """log R(s | U, C) of each sequence; under `rank_score: batch_softmax`, the softmax probability within
        each consecutive group of `batch_size` rows (one rollout position and repeat of a generator step, as the
        SeqGAN loop lays them out), each group against its own fresh reference draw (their `get_reference`)."""
        s = self.settings
        self.module.eval()
        if self.batch_softmax:
            return torch.cat([self.module.batch_softmax_scores(group, self.real_subset(s.ref_size, streams), s.gamma)
                              for group in sequences.split(s.batch_size)])
        comparison, references = self.real_subset(s.comparison_size, streams), self.real_subset(s.ref_size, streams)
        return self.module.scores(sequences, comparison, references, s.gamma, chunk)


def ranker_critic(job: TrainingJob, s, module: Ranker) -> RankerCritic:
    return RankerCritic(module, torch.optim.Adam(module.parameters(), lr=s.dis_lr), s, job.train, job.device)


def pretrain(job: TrainingJob) -> tuple[dict, list[dict]]:
    """RankGAN's first stage: G by MLE, then the ranker."""
    return pretrain_gan(job, Ranker, ranker_critic, STREAMS)


def adversarial(job: TrainingJob) -> tuple[dict, list[dict]] | None:
    """RankGAN's adversarial stage: Q = the mean log-rank score of the rollouts."""
    return adversarial_gan(job, Ranker, ranker_critic, STREAMS)
