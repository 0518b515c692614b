"""THE list of models. Rules, config validation, checkpoints, results and the report all read it.

A model is one entry: its name (the config block, the result folder and the
checkpoint's `model` field), the paper's label, its typed settings (made from
its schema), its training stages, the roles it plays in comparisons, and
`parts`: a function that imports and returns the model class and the trainer
of each stage. The heavy parts (torch) are imported only when `parts` is
first called, so reading the registry (the Snakefile does, at every start)
stays light; `leakgan.codeversion` reads the imports of `parts` to know which
modules a model's stages run.

Adding a model: a module under `leakgan/models/`, its training under
`leakgan/train/`, its block in `config.yaml` with a schema in
`leakgan/config/schemas/<name>.schema.yaml`, and one `register(ModelSpec(...))`
below. Models can also be registered from outside the package: every module
named in the environment variable `LEAKGAN_PLUGINS` (comma-separated) is
imported when the registry is first read, and may call `register(...)`.
"""
from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass, field
from typing import Callable

from leakgan.config.schema import SCHEMA_DIR
from leakgan.config.settings import Settings, settings_class
from leakgan.errors import UserError


@dataclass(frozen=True)
class ModelParts:
    """What a model's stages run: its class (from_checkpoint(ckpt, device) -> object with sample() and nll())
    and the trainer of each stage (trainer(job) -> (checkpoint, curve), or None when stopped on purpose)."""

    model_class: type
    trainers: dict[str, Callable]
    # (settings, batches per epoch) -> the generator updates its stages make: the budget every model is held to
    planned_updates: Callable | None = None


@dataclass(frozen=True)
class ModelSpec:
    """One registered model."""

    name: str  # config block, result folder (results/<dataset>/seed<k>/<name>/), checkpoint["model"]
    label: str  # how the paper's tables name it
    settings: type[Settings]  # the typed config block (made from its schema)
    stages: tuple[str, ...]  # training stages in order; the last one's checkpoint is the model that is evaluated
    parts: Callable[[], ModelParts] = field(compare=False)  # imports the model class and the trainers
    curve_at_model_temperature: bool = False  # training curves sample at the model's own α (else at α = 1)
    reference: bool = False  # every other model is tested against it; its D draws Figures 4-5 (LeakGAN)
    baseline: bool = False  # its NLL-test at α = 1 defines "equal diversity" (MLE)
    figure3_baseline: bool = False  # Figure 3 draws the reference's BLEU gain over it

    @property
    def final_stage(self) -> str:
        return self.stages[-1]

    @property
    def schema(self) -> dict:
        """The schema of the config block (read-only)."""
        return self.settings.schema

    def _parts(self) -> ModelParts:
        parts = _imported_parts(self.name, self.parts)
        if set(parts.trainers) != set(self.stages):
            raise ValueError(f"model '{self.name}': every stage needs exactly one trainer "
                             f"(stages {', '.join(self.stages)}; trainers {', '.join(parts.trainers)})")
        return parts

    def trainer(self, stage: str) -> Callable:
        """The training function of `stage` (imported now)."""
        if stage not in self.stages:
            raise UserError(f"model '{self.name}' has no '{stage}' stage (its stages: {', '.join(self.stages)})")
        return self._parts().trainers[stage]

    def planned_updates(self, settings: dict, sequences: int) -> int | None:
        """The generator updates the model's stages make on `sequences` training sequences (None: unknown)."""
        plan = self._parts().planned_updates
        return None if plan is None else plan(self.settings.from_dict(settings), sequences)

    def load(self, ckpt: dict, device="cpu"):
        """Rebuild the model stored in a checkpoint dict of this model."""
        return self._parts().model_class.from_checkpoint(ckpt, device)


@functools.lru_cache(maxsize=None)
def _imported_parts(name: str, parts: Callable[[], ModelParts]) -> ModelParts:
    return parts()


_MODELS: dict[str, ModelSpec] = {}  # filled once at import (and by plugins); read-only after


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model (a plugin's entry point); registering the same name twice is an error."""
    if spec.name in _MODELS and _MODELS[spec.name] != spec:
        raise ValueError(f"a model named '{spec.name}' is already registered")
    if not spec.stages or len(set(spec.stages)) != len(spec.stages):
        raise ValueError(f"model '{spec.name}': give its training stages, each once")
    if spec.settings.block != spec.name:
        raise ValueError(f"model '{spec.name}': its settings are the '{spec.settings.block}' block")
    _MODELS[spec.name] = spec
    return spec


def _schema(name: str):
    return SCHEMA_DIR / f"{name}.schema.yaml"


# ---------------------------------------------------------------- the paper's models

def _mle_parts() -> ModelParts:
    from leakgan.models.mle import MLEGenerator
    from leakgan.train import mle

    return ModelParts(MLEGenerator, {"pretrain": mle.pretrain}, mle.planned_updates)


def _leakgan_parts() -> ModelParts:
    from leakgan.models.leakgan import LeakGANModel
    from leakgan.train import leakgan

    return ModelParts(LeakGANModel, {"pretrain": leakgan.pretrain, "adversarial": leakgan.adversarial},
                      leakgan.planned_updates)


def _seqgan_parts() -> ModelParts:
    from leakgan.models.mle import MLEGenerator
    from leakgan.train import seqgan

    return ModelParts(MLEGenerator, {"pretrain": seqgan.pretrain, "adversarial": seqgan.adversarial},
                      seqgan.planned_updates)


def _seqgan_rescaled_parts() -> ModelParts:
    from leakgan.models.mle import MLEGenerator
    from leakgan.train import seqgan

    return ModelParts(MLEGenerator, {"pretrain": seqgan.pretrain, "adversarial": seqgan.adversarial_rescaled},
                      seqgan.planned_updates)


def _rankgan_parts() -> ModelParts:
    from leakgan.models.mle import MLEGenerator
    from leakgan.train import rankgan, seqgan

    return ModelParts(MLEGenerator, {"pretrain": rankgan.pretrain, "adversarial": rankgan.adversarial},
                      seqgan.planned_updates)


_GAN = ("pretrain", "adversarial")
register(ModelSpec("mle", "MLE", settings_class("mle", _schema("mle")), ("pretrain",), _mle_parts, baseline=True))
register(ModelSpec("leakgan", "LeakGAN", settings_class("leakgan", _schema("leakgan")), _GAN, _leakgan_parts,
                   curve_at_model_temperature=True, reference=True))
register(ModelSpec("seqgan", "SeqGAN", settings_class("seqgan", _schema("seqgan")), _GAN, _seqgan_parts,
                   figure3_baseline=True))
register(ModelSpec("seqgan_rescaled", "SeqGAN (rescaled)", settings_class("seqgan_rescaled", _schema("seqgan_rescaled")),
                   _GAN, _seqgan_rescaled_parts, figure3_baseline=True))
register(ModelSpec("rankgan", "RankGAN", settings_class("rankgan", _schema("rankgan")), _GAN, _rankgan_parts,
                   figure3_baseline=True))


# ---------------------------------------------------------------- reading the registry

def _load_plugins() -> None:
    for name in _plugin_names(os.environ.get("LEAKGAN_PLUGINS", "")):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise UserError(f"LEAKGAN_PLUGINS names '{name}', which cannot be imported ({exc})") from None


def _plugin_names(value: str) -> tuple[str, ...]:
    return tuple(filter(None, (n.strip() for n in value.split(","))))


def models() -> dict[str, ModelSpec]:
    """Every registered model by name, in registration order (plugins imported first; importing twice is free)."""
    _load_plugins()
    return dict(_MODELS)


def names() -> list[str]:
    return list(models())


def get(name: str) -> ModelSpec:
    """The spec of a model; one clear line if none has that name."""
    known = models()
    if name not in known:
        raise UserError(f"unknown model '{name}' (registered: {', '.join(known)})")
    return known[name]


def _with_role(role: str) -> ModelSpec:
    found = [spec for spec in models().values() if getattr(spec, role)]
    if len(found) != 1:
        raise ValueError(f"exactly one registered model must have the role '{role}', found {len(found)}")
    return found[0]


def reference() -> ModelSpec:
    """The model every other one is tested against (the paper's LeakGAN)."""
    return _with_role("reference")


def baseline() -> ModelSpec:
    """The model whose NLL-test at α = 1 defines equal diversity (the MLE baseline)."""
    return _with_role("baseline")


def figure3_baselines() -> list[str]:
    """The models Figure 3 compares the reference with, in registration order."""
    return [name for name, spec in models().items() if spec.figure3_baseline]


def load_model(path, device="cpu"):
    """Rebuild the generator stored in a checkpoint file; it offers .sample(...) and .nll(...)."""
    return load_model_and_checkpoint(path, device)[0]


def load_model_and_checkpoint(path, device="cpu"):
    """(model, checkpoint dict) of a checkpoint file: the generator and what was saved beside it (e.g. `budget`)."""
    from leakgan.io import read_checkpoint

    ckpt = read_checkpoint(path)
    if ckpt["model"] not in models():
        raise UserError(f"{path}: a checkpoint of model '{ckpt['model']}', which is not registered "
                        f"(registered: {', '.join(models())}); delete it and re-run training")
    try:
        model = get(ckpt["model"]).load(ckpt, device)
    except UserError as exc:
        raise UserError(f"{path}: {exc}") from None
    check_finite_weights(model, path)
    return model, ckpt


def check_finite_weights(model, path) -> None:
    """One clear line when a model's weights hold NaN or ±inf (its training diverged): it would sample garbage."""
    parameters = getattr(model, "parameters", None)
    if callable(parameters) and not all(bool(p.isfinite().all()) for p in parameters()):
        raise UserError(f"{path}: the model's weights hold NaN or infinite values (its training diverged); "
                        "re-run training with a lower learning rate")
