"""One training loop for every model and stage: epoch, curve point, evaluation, selection, checkpoint.

A trainer builds a `Run` (its model, optimizers and random streams) and hands
it to `fit`, which does what every stage shares:

    for epoch: point = run.train_epoch(epoch)
               every eval_every epochs (and the last): point += run.evaluate(epoch); offer it to the selection
               record the point (the live curve file grows); checkpoint the whole run when asked

`fit` also resumes a run from its newest checkpoint (adversarial stages) and
stops after `job.stop_after` (tests simulate a kill so). Evaluation draws from
streams of its own, so evaluating never changes what training computes.

Every point (the untrained one too) is checked for divergence (`check_diverged`):
a NaN or infinite number, or a per-token NLL above ten times the uniform
model's, stops the stage with one line naming the model, the epoch and the
learning rate to lower, instead of letting best-validation selection keep an
untrained model and the run end well.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Protocol

import torch
from tqdm import tqdm

from leakgan.errors import UserError
from leakgan.seeding import stage_seed, torch_generator
from leakgan.train.checkpoints import Resumable, needs_checkpoint
from leakgan.train.job import TrainingJob
from leakgan.train.selection import BestSelection, Budget


EPOCH_DELAY = "LEAKGAN_EPOCH_DELAY"  # seconds to sleep after each epoch (the cluster test's time-limit kill)


class Run(Protocol):
    """What a trainer's run offers `fit`."""

    budget: Budget

    def train_epoch(self, epoch: int) -> dict:
        """Train one epoch; the curve point's training fields (losses, ...)."""

    def evaluate(self, epoch: int) -> dict:
        """The curve point's scores (NLL-test, validation NLL, oracle NLL or BLEU-2, ...)."""

    def snapshot(self) -> object:
        """What best-validation selection keeps of the run at an evaluated epoch."""

    def state_dict(self) -> dict:
        """Everything a resumed run needs: weights, optimizers, random streams, budget."""

    def load_state_dict(self, state: dict) -> None:
        """Restore what `state_dict` returned."""


@dataclass
class Streams:
    """A stage's random streams: sampling (on the model's device), minibatch order (CPU), and torch's global
    stream (dropout), all derived from the chain's seed and the stream `name`."""

    sample: torch.Generator
    shuffle: torch.Generator

    @classmethod
    def of(cls, seed: int, name: str, device) -> "Streams":
        streams = cls(torch_generator(seed, f"{name}-sample", device), torch_generator(seed, f"{name}-shuffle"))
        torch.manual_seed(stage_seed(seed, f"{name}-dropout"))  # D's dropout draws from torch's global stream
        return streams

    def state_dict(self) -> dict:
        return {"sample_rng": self.sample.get_state(), "shuffle_rng": self.shuffle.get_state(),
                "torch_rng": torch.get_rng_state()}

    def load_state_dict(self, state: dict) -> None:
        self.sample.set_state(state["sample_rng"])
        self.shuffle.set_state(state["shuffle_rng"])
        torch.set_rng_state(state["torch_rng"])


def mean_of(steps: list[dict]) -> dict:
    """The mean of each field over several steps' results."""
    return {k: sum(step[k] for step in steps) / len(steps) for k in steps[0]}


def is_evaluated(epoch: int, eval_every: int, epochs: int) -> bool:
    """Whether `fit` evaluates after `epoch`: every eval_every epochs and after the last."""
    return epoch % eval_every == 0 or epoch == epochs


# Curve fields that are per-token NLLs (nats): NLL-test and validation NLL always; the training loss of a
# supervised epoch (MLE, a GAN's pretraining; an adversarial point's worker_loss is a REINFORCE loss instead).
NLL_FIELDS = ("nll_test", "nll_valid")
SUPERVISED_NLL_FIELDS = ("train_loss", "worker_loss")
DIVERGED_FACTOR = 10  # a per-token NLL above DIVERGED_FACTOR * ln(vocabulary size): ten times worse than uniform


def check_diverged(point: dict, job: TrainingJob) -> None:
    """Stop (UserError) when a curve point shows a diverged run: a float field that is NaN or infinite, or a
    per-token NLL above ten times the uniform model's, ln(vocabulary size)."""
    def stop(key, value):
        raise UserError(f"{job.model}: training diverged at epoch {point.get('epoch')} ({key} = {value:.2g}); "
                        f"lower its learning rate (config key '{job.model}.lr')")

    for key, value in point.items():
        if isinstance(value, float) and not math.isfinite(value):
            stop(key, value)
    limit = DIVERGED_FACTOR * math.log(max(int(job.vocab["size"]), 2))
    keys = (SUPERVISED_NLL_FIELDS if point.get("phase") in (None, "pretrain") else ()) + NLL_FIELDS
    for key in keys:
        value = point.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > limit:
            stop(key, value)


def fit(run: Run, job: TrainingJob, *, epochs: int, eval_every: int, desc: str,
        untrained: dict | None = None, selection: BestSelection | None = None,
        checkpoints: Resumable | None = None, checkpoint_every: int = 0, record: str = "every",
        postfix: Callable[[dict], dict] | None = None) -> list[dict] | None:
    """Train epochs 1..epochs of `run`, resuming after the newest checkpoint of the same run when `checkpoints`
    is given (a kill, or a shorter run being continued).

    `untrained`, when given, is the epoch-0 point's training fields: the model is evaluated before training.
    `record`: "every" epoch is a curve point, or only the "evaluated" ones.
    Returns the curve, or None when the run stopped after `job.stop_after` on purpose.
    """
    curve: list[dict] = []
    start = 0
    if checkpoints is not None:
        start, curve = checkpoints.resume(run, epochs, selection)
        job.resumed(curve)

    def evaluate(epoch: int, point: dict) -> list[str]:
        scores = run.evaluate(epoch)
        point.update(scores)
        check_diverged(point, job)  # before the selection can keep a diverged model
        if selection is not None and selection.offer(epoch, point.get("nll_valid"), run.snapshot):
            point["selected"] = True
        return [*scores, "selected"]

    if untrained is not None and start == 0:
        point = {"epoch": 0, **untrained}
        evaluate(0, point)
        check_diverged(point, job)
        job.record(curve, point)
    bar = tqdm(range(start + 1, epochs + 1), desc=desc, unit="epoch", file=sys.stderr, mininterval=1.0,
               initial=start, total=epochs)
    for epoch in bar:
        point = {"epoch": epoch, **run.train_epoch(epoch)}
        run.budget.epochs += 1
        regular = epoch % eval_every == 0
        final_fields, before_final, run_before_final = None, None, None
        if is_evaluated(epoch, eval_every, epochs):
            if not regular and selection is not None:
                before_final = selection.state_dict()
            if not regular and checkpoints is not None:
                run_before_final = run.state_dict()
            added = evaluate(epoch, point)
            if not regular:  # evaluated only because it is the last epoch
                final_fields = "point" if record == "evaluated" else added
        check_diverged(point, job)
        if record == "every" or is_evaluated(epoch, eval_every, epochs):
            job.record(curve, point)
            if postfix is not None:
                bar.set_postfix(postfix(point))
        if checkpoints is not None and needs_checkpoint(epoch, checkpoint_every, epochs, job.stop_after):
            checkpoints.save(epoch, run, curve, selection, final_fields, before_final, run_before_final)
        if epoch == job.stop_after:
            return None
        if EPOCH_DELAY in os.environ:  # a rehearsal aid: slow every epoch down (time limits, kills); results unchanged
            time.sleep(float(os.environ[EPOCH_DELAY]))
    bar.close()
    return curve


def rounded(point: dict, keys) -> dict:
    """The progress bar's view of a curve point: the given fields, rounded."""
    return {k: round(point[k], 3) for k in keys if isinstance(point.get(k), float)}
