"""What a training stage hands to a model's trainer (see `leakgan.registry`), and the curve points it shares."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch



@dataclass
class TrainingJob:
    """The inputs of one training stage of one model.

    A trainer is `trainer(job) -> (checkpoint dict, curve records)`, or None
    when it stopped early on purpose (`stop_after`, tests simulating a kill).
    """

    spec: object  # the model's registry entry (leakgan.registry.ModelSpec): its name, typed settings, stages
    settings: dict  # the model's resolved settings this stage reads, as the rule passed them (saved in the checkpoint)
    vocab: dict  # vocab.json
    train: torch.Tensor  # [N, T] token ids
    test: torch.Tensor  # [M, T]
    seed: int
    device: torch.device
    oracle: object | None = None  # the synthetic oracle, for oracle-NLL curves
    pretrained: dict | None = None  # the previous stage's checkpoint (later stages)
    pretrained_path: Path | None = None
    checkpoint_dir: Path | None = None  # where a resumable stage keeps its checkpoints
    keep_checkpoints: str = "last"  # last | all: which resumable checkpoints stay (config training.keep_checkpoints)
    stop_after: int | None = None  # end after this epoch, leaving only the resumable checkpoint
    validation: torch.Tensor | None = None  # held-out training rows for model selection (not in `train`)
    select: str = "last"  # best_validation | last (config training.select)
    on_point: Callable[[dict], None] | None = None  # called with every curve point as it is recorded
    on_resume: Callable[[list[dict]], None] | None = None  # called with the curve restored from a checkpoint
    _references: object = field(default=None, repr=False)

    @property
    def model(self) -> str:
        """The registered model's name (the checkpoint's `model`)."""
        return self.spec.name

    @property
    def pad_id(self) -> int | None:
        return self.vocab.get("pad_id")

    def record(self, curve: list[dict], point: dict) -> None:
        """Append a point to a stage's curve and hand it to `on_point` (the live curve file)."""
        curve.append(point)
        if self.on_point is not None:
            self.on_point(point)

    def resumed(self, curve: list[dict]) -> None:
        """A resumed stage's curve so far (the live curve file starts over from it)."""
        if self.on_resume is not None:
            self.on_resume(curve)

    def references(self):
        """BLEU-2 references of the curves on real text (the test set), built once; None on synthetic data."""
        if self.oracle is not None:
            return None
        if self._references is None:
            from leakgan.eval.scores import reference_set

            self._references = reference_set(self.test, self.pad_id)
        return self._references

    @property
    def scores_samples(self) -> bool:
        """Whether a curve point scores samples: oracle NLL (synthetic) or BLEU-2 (real text with a test set)."""
        return self.oracle is not None or self.references() is not None

    def curve_scores(self, samples: torch.Tensor) -> dict:
        """What a curve point measures on a model's samples: oracle NLL (synthetic) or BLEU-2 (real text)."""
        from leakgan.eval.scores import curve_point_scores

        return curve_point_scores(samples, self.oracle, self.references(), self.pad_id)

    def nll_point(self, model, batch_size: int, test_rows: int | None = None) -> dict:
        """NLL-test of `model` on the first `test_rows` test sequences (all by default), and the validation NLL."""
        test = self.test if test_rows is None else self.test[:test_rows]
        point = {"nll_test": model.nll(test, batch_size)}
        if self.validation is not None:
            point["nll_valid"] = model.nll(self.validation, batch_size)
        return point
