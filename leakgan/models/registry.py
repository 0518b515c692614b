"""THE list of models. Rules, config validation, checkpoints, results and the report all read it.

A model is one entry: its name (the config block, the result folder and the
checkpoint's `model` field), the paper's label, the class that rebuilds it
from a checkpoint, the training function of each of its stages, and the
schema of its config block. Import paths are strings, resolved only when
used, so reading the registry (the Snakefile does, at every start) never
imports torch.

Adding a model: a module under `leakgan/models/`, its training under
`leakgan/train/`, its block in `config.yaml` with a schema in
`workflow/schemas/<name>.schema.yaml`, and one `ModelSpec` below. Extra
models can also be registered from outside the package: every module named
in the environment variable `LEAKGAN_PLUGINS` (comma-separated) is imported
when the registry is first read, and may call `register(...)`.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from leakgan.errors import UserError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "workflow" / "schemas"


@dataclass(frozen=True)
class ModelSpec:
    """One registered model."""

    name: str  # config block, result folder (results/<dataset>/<name>/), checkpoint["model"]
    label: str  # how the paper's tables name it
    model_class: str  # "module:Class" with from_checkpoint(ckpt, device) -> object offering sample() and nll()
    settings_class: str  # "module:Class", a leakgan.config.Settings: the typed config block
    stages: tuple[str, ...]  # training stages in order; the last one's checkpoint is the model that is evaluated
    trainers: dict  # stage -> "module:function" (see leakgan.stages.pretrain / adversarial for the signatures)
    schema: Path  # JSON schema of the config block; properties may name the stage that reads them (`stage:`)
    curve_at_model_temperature: bool = False  # training curves sample at the model's own α (else at α = 1)

    @property
    def final_stage(self) -> str:
        return self.stages[-1]

    def trainer(self, stage: str):
        """The training function of `stage` (imported now)."""
        if stage not in self.trainers:
            raise UserError(f"model '{self.name}' has no '{stage}' stage (its stages: {', '.join(self.stages)})")
        return resolve(self.trainers[stage])

    def load(self, ckpt: dict, device="cpu"):
        """Rebuild the model stored in a checkpoint dict of this model."""
        return resolve(self.model_class + ".from_checkpoint")(ckpt, device)


_MODELS: dict[str, ModelSpec] = {}
_PLUGINS_LOADED = False


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model (a plugin's entry point); registering the same name twice is an error."""
    if spec.name in _MODELS and _MODELS[spec.name] != spec:
        raise ValueError(f"a model named '{spec.name}' is already registered")
    if not spec.stages or set(spec.trainers) != set(spec.stages):
        raise ValueError(f"model '{spec.name}': every stage needs exactly one trainer")
    _MODELS[spec.name] = spec
    return spec


register(ModelSpec(
    name="mle", label="MLE", model_class="leakgan.models.mle:MLEGenerator",
    settings_class="leakgan.train.mle:MLESettings", stages=("pretrain",),
    trainers={"pretrain": "leakgan.train.mle:pretrain"}, schema=SCHEMA_DIR / "mle.schema.yaml"))
register(ModelSpec(
    name="leakgan", label="LeakGAN", model_class="leakgan.models.leakgan:LeakGANModel",
    settings_class="leakgan.train.leakgan:LeakGANSettings",
    stages=("pretrain", "adversarial"),
    trainers={"pretrain": "leakgan.train.leakgan:pretrain_model",
              "adversarial": "leakgan.train.leakgan:adversarial_model"},
    schema=SCHEMA_DIR / "leakgan.schema.yaml", curve_at_model_temperature=True))


for _name, _label in (("seqgan", "SeqGAN"), ("seqgan_rescaled", "SeqGAN (rescaled)"), ("rankgan", "RankGAN")):
    register(ModelSpec(
        name=_name, label=_label, model_class="leakgan.models.mle:MLEGenerator",
        settings_class=f"leakgan.train.seqgan:{ {'seqgan': 'SeqGAN', 'seqgan_rescaled': 'SeqGANRescaled', 'rankgan': 'RankGAN'}[_name]}Settings",
        stages=("pretrain", "adversarial"),
        trainers={"pretrain": f"leakgan.train.seqgan:pretrain_{_name}",
                  "adversarial": f"leakgan.train.seqgan:adversarial_{_name}"},
        schema=SCHEMA_DIR / f"{_name}.schema.yaml"))


def _load_plugins() -> None:
    global _PLUGINS_LOADED
    if _PLUGINS_LOADED:
        return
    _PLUGINS_LOADED = True
    for name in filter(None, (n.strip() for n in os.environ.get("LEAKGAN_PLUGINS", "").split(","))):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise UserError(f"LEAKGAN_PLUGINS names '{name}', which cannot be imported ({exc})") from None


def models() -> dict[str, ModelSpec]:
    """Every registered model by name, in registration order."""
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


def resolve(path: str):
    """'package.module:attr.attr' -> the object."""
    module_name, _, attrs = path.partition(":")
    obj = importlib.import_module(module_name)
    for attr in attrs.split("."):
        obj = getattr(obj, attr)
    return obj


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
        return get(ckpt["model"]).load(ckpt, device), ckpt
    except UserError as exc:
        raise UserError(f"{path}: {exc}") from None
