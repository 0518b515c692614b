"""The effective configuration: scale overlay, your values, dataset defaults, validation, each stage's settings.

Where a setting's value comes from — one place each:
- the global blocks (`oracle`, every model's block, `evaluate`, `report`):
  `config.yaml`, which lists every key (their schemas require them all);
- dataset blocks (open-ended: a user adds their own): the `default:` values
  of `dataset_<type>.schema.yaml`, filled in here;
- a model key left `null`: the value its schema's `presets:` annotation gives
  for the block's training semantics, filled in here, once (`model_settings`).

The selected `scale` overlay (from `scales`) is merged on top of the base,
then the user's own values on top of that, so an explicit setting always
wins. The result is checked against the schemas (plus what no schema can
express, such as `min_len <= max_len`) before any job runs; a problem stops
the workflow with one line naming the key. Stages receive the resolved
settings they read (`stage_settings`) and never resolve them again.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Mapping

import yaml

from leakgan import registry
from leakgan.config.schema import (DEFAULT_CONFIG, SCHEMA_DIR, STAGE_ORDER, ConfigError, check, fill_presets,
                                   key_name, load_schema, non_finite, value_at)
from leakgan.config.yaml_files import check_size, read_yaml

DATASET_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
RESERVED_NAMES = ("real",)  # the oracle's own row of nll.json


def deep_merge(base: Mapping, overlay: Mapping) -> dict:
    """Return base updated recursively by overlay (dicts merge, everything else replaces)."""
    out = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# ---------------------------------------------------------------- models and arms

def arms(config: Mapping) -> dict:
    """The ablation arms of a config: name -> {of, label, settings}."""
    found = config.get("arms") or {}
    return dict(found) if isinstance(found, Mapping) else {}


def base_model(config: Mapping, name: str) -> str:
    """The registered model behind a model name: itself, or the model an arm varies."""
    arm = arms(config).get(name)
    return arm["of"] if arm else name


def model_spec(config: Mapping, name: str) -> registry.ModelSpec:
    """The registry entry of a model name or an arm (its stages, settings, ...)."""
    return registry.get(base_model(config, name))


def model_labels(config: Mapping) -> dict[str, str]:
    """How tables name every registered model and arm."""
    return {**{n: s.label for n, s in registry.models().items()},
            **{n: a["label"] for n, a in arms(config).items()}}


def model_schema(model: str) -> dict:
    """The schema of a registered model's config block, every key required (config.yaml lists them all)."""
    schema = copy.deepcopy(registry.get(model).schema)
    schema["required"] = list(schema.get("properties", {}))
    return schema


def resolve_block(block: Mapping, dataset_type: str, model: str) -> dict:
    """A model block with its null semantics keys filled from its schema's `presets:` (the one place they are)."""
    return fill_presets(block, dataset_type, registry.get(model).schema)


# ---------------------------------------------------------------- validation

def _models_enum(schema: dict, arm_names=()) -> None:
    """Fill the `models` lists' allowed names (registered models and arms) and a block per registered model."""
    names = registry.names()
    props = schema.setdefault("properties", {})
    if "models" in props:
        props["models"]["items"]["enum"] = names + list(arm_names)
    for name in names:
        props.setdefault(name, {"type": "object", "description": f"the {name} block; see {name}.schema.yaml"})


def _check_arms(config: Mapping) -> None:
    """Arms vary a registered model with an adversarial stage, never its architecture or its pretraining."""
    for name, arm in arms(config).items():
        key = f"arms.{name}"
        if name in registry.names():
            raise ConfigError(f"config key '{key}': '{name}' is a registered model; give the arm another name")
        if name in RESERVED_NAMES:
            raise ConfigError(f"config key '{key}': '{name}' is the name of the oracle's own row; give the arm "
                              "another name")
        if name.endswith("_matched"):
            raise ConfigError(f"config key '{key}': an arm's name may not end in '_matched' (the matched-α rows use it)")
        if arm["of"] not in registry.names():
            raise ConfigError(f"config key '{key}.of': '{arm['of']}' is not a registered model "
                              f"(registered: {', '.join(registry.names())})")
        if "adversarial" not in registry.get(arm["of"]).stages:
            raise ConfigError(f"config key '{key}.of': '{arm['of']}' has no adversarial stage for an arm to vary")
        _check_arm_keys(arm["of"], arm["settings"], f"{key}.settings")


def _check_arm_keys(base: str, settings: Mapping, key: str) -> None:
    """An arm's own keys may not change what it shares with its base model's pretrained checkpoint."""
    props = registry.get(base).schema.get("properties", {})
    for setting in settings:
        prop = props.get(setting, {})
        if prop.get("architecture"):
            raise ConfigError(f"config key '{key}.{setting}': an arm shares the pretrained model of '{base}', so it "
                              "cannot change its architecture; make it a dataset-level setting instead")
        if prop.get("pretrain_only"):
            raise ConfigError(f"config key '{key}.{setting}': only pretraining reads it, and an arm continues the "
                              f"pretrained model of '{base}'; set it in the '{base}' block instead")


def _check_top_level_blocks(config: Mapping) -> None:
    """A top-level block named after an arm would be ignored: say where its settings go."""
    for name in arms(config):
        if name in config and name not in registry.names():  # a registered model's block is its own (_check_arms)
            raise ConfigError(f"config key '{name}': '{name}' is an arm; put its settings under "
                              f"arms.{name}.settings (a top-level block of that name would do nothing)")


def validate(config: Mapping, schema_dir: Path = SCHEMA_DIR) -> None:
    """Raise ConfigError naming the first bad key of an effective (merged) config."""
    check_size(config, "the config")
    bad = non_finite(config)
    if bad is not None:
        raise ConfigError(f"config key '{key_name(bad)}': {value_at(config, bad)} is not a finite number")
    for name in config.get("datasets") or {}:
        if not isinstance(name, str) or not re.fullmatch(DATASET_NAME, name):
            raise ConfigError(f"config key 'datasets': name {name!r} is not allowed: use letters, digits, '.', '_' "
                              "and '-' only, starting with a letter or digit (it becomes a folder name)")
    top = load_schema("config.schema.yaml", schema_dir)
    arm_names = list(arms(config))
    _check_top_level_blocks(config)
    _models_enum(top, arm_names)
    check(config, top, ())
    _check_arms(config)
    models = registry.names()
    for name in models:
        if name in config:
            check(config[name], model_schema(name), (name,))
    for name, arm in arms(config).items():
        check(deep_merge(config.get(arm["of"], {}), arm["settings"]), model_schema(arm["of"]),
              ("arms", name, "settings"))
    for ds_name, ds in config.get("datasets", {}).items():
        schema = load_schema(f"dataset_{ds.get('type')}.schema.yaml", schema_dir)
        _models_enum(schema, arm_names)
        for arm in arm_names:
            schema["properties"].setdefault(arm, {"type": "object"})
        check(ds, schema, ("datasets", ds_name))
        for name in models + arm_names:
            if name in ds:
                if name in arm_names:
                    _check_arm_keys(base_model(config, name), ds[name], f"datasets.{ds_name}.{name}")
                merged = _merged_block(config, ds_name, name)
                check(merged, model_schema(base_model(config, name)), ("datasets", ds_name, name))
        _check_dataset(ds_name, ds, config)
    training = config.get("training", {})
    if training.get("select") == "best_validation" and training.get("validation_fraction") == 0:
        raise ConfigError("config key 'training.select': best_validation needs a validation split; set "
                          "training.validation_fraction above 0 or training.select to last")
    unknown = [n for n in config.get("report", {}).get("datasets") or [] if n not in config.get("datasets", {})]
    if unknown:
        raise ConfigError(f"config key 'report.datasets': {', '.join(unknown)} not in 'datasets'")


def _check_dataset(name: str, ds: Mapping, config: Mapping) -> None:
    """What a schema cannot say: ranges between keys and D's windows against the sequence length."""
    key = f"datasets.{name}"
    if ds["type"] == "text" and ds.get("min_len", 1) > ds["max_len"]:
        raise ConfigError(f"config key '{key}.min_len': {ds['min_len']} is above {key}.max_len ({ds['max_len']}); "
                          "no sentence could pass")
    length = ds["seq_len"] if ds["type"] == "synthetic" else ds["max_len"]
    for model in models_for(config, name):
        if base_model(config, model) not in registry.names():
            continue
        s = model_settings(config, name, model)
        if s.get("positives") == "fresh_oracle" and ds["type"] != "synthetic":
            raise ConfigError(f"config key '{model} (for {key}).positives': fresh_oracle needs an oracle, and "
                              f"{name} is real text; use train")
        where = f"{model} (for {key})"
        if "filter_sizes" in s:
            sizes, counts = s.get("filter_sizes"), s.get("num_filters")
            if (sizes is None) != (counts is None):
                raise ConfigError(f"config key '{where}.filter_sizes': filter_sizes and num_filters must both be set "
                                  "or both be null")
            if sizes is not None and len(sizes) != len(counts):
                raise ConfigError(f"config key '{where}.num_filters': {len(counts)} entries but filter_sizes has "
                                  f"{len(sizes)}; give one filter count per window size")
            if sizes is not None and max(sizes) > length:
                raise ConfigError(f"config key '{where}.filter_sizes': a window of {max(sizes)} tokens does not fit "
                                  f"sequences of {length}; drop the windows above {length}")
        if "step_size" in s and s["step_size"] >= length:
            raise ConfigError(f"config key '{where}.step_size': {s['step_size']} leaves no segment boundary in "
                              f"sequences of {length}")


# ---------------------------------------------------------------- resolving

def apply_dataset_defaults(config: dict, schema_dir: Path = SCHEMA_DIR) -> None:
    """Fill every dataset block's missing keys from its schema's `default:` values (in place)."""
    for block in (config.get("datasets") or {}).values():
        if isinstance(block, dict) and "type" not in block and "source" in block:
            block["type"] = "text"  # a dataset with a source is a text corpus
        if not isinstance(block, dict) or block.get("type") not in ("synthetic", "text"):
            continue
        for key, prop in load_schema(f"dataset_{block['type']}.schema.yaml", schema_dir)["properties"].items():
            if key not in block and "default" in prop:
                block[key] = copy.deepcopy(prop["default"])


def _typed(value):
    """Numbers, booleans and null given as strings (Snakemake passes --config values so) get their type.

    YAML 1.1 reads `1e-3` (no dot) as a string; such a value is read as the number it spells.
    """
    if isinstance(value, Mapping):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, str):
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        if parsed is None or isinstance(parsed, (bool, int, float)):
            return parsed
        return _float_spelling(value)
    return value


# YAML 1.1 reads 1.5e-3 and 12 as numbers but leaves a mantissa without a dot (1e-3) as a string
_FLOAT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+")


def _float_spelling(text: str):
    """'1e-3' -> 0.001: a number YAML 1.1 leaves as a string for want of a dot; anything else unchanged."""
    return float(text) if _FLOAT.fullmatch(text.strip()) else text


def numbers_spelled_as_strings(value):
    """A config read from a file with every `1e-3`-style string turned into its number (YAML 1.1 misses them)."""
    if isinstance(value, Mapping):
        return {k: numbers_spelled_as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [numbers_spelled_as_strings(v) for v in value]
    if isinstance(value, str):
        return _float_spelling(value)
    return value


def _check_overlays(scales) -> None:
    if not isinstance(scales, Mapping):
        raise ConfigError("config key 'scales': must be a mapping of scale names to overlays")
    for name, overlay in scales.items():
        if not isinstance(overlay, Mapping):
            raise ConfigError(f"config key 'scales.{name}': must be a mapping of config keys, not {overlay!r}")


def resolve(config: Mapping, overrides: Mapping | None = None, schema_dir: Path = SCHEMA_DIR,
            typed: Mapping | None = None) -> dict:
    """Apply the selected scale overlay, then `overrides` (taken as they are) and `typed` (--config strings,
    coerced to numbers/booleans/null where they read as such); fill dataset defaults; validate."""
    check_size(dict(config), "the config")
    check_size(dict(overrides or {}), "--configfile")
    check_size(dict(typed or {}), "--config")
    overrides = deep_merge(numbers_spelled_as_strings(dict(overrides or {})), _typed(dict(typed or {})))
    base = deep_merge(numbers_spelled_as_strings(config), overrides)
    scale = base.get("scale", "paper")
    scales = base.get("scales", {}) or {}
    _check_overlays(scales)
    if scale not in scales and scale != "paper":
        raise ConfigError(f"config key 'scale': '{scale}' is not one of: paper, {', '.join(sorted(scales))}")
    effective = deep_merge(deep_merge(base, scales.get(scale, {})), overrides)
    apply_dataset_defaults(effective, schema_dir)
    validate(effective, schema_dir)
    # Check every overlay, not only the selected one, so a broken smoke or demo
    # block is caught by whoever edits config.yaml.
    for name, overlay in scales.items():
        other = deep_merge(deep_merge(base, overlay), overrides)
        apply_dataset_defaults(other, schema_dir)
        try:
            validate(other, schema_dir)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (in scales.{name})") from None
    return effective


def load(path: str | Path = DEFAULT_CONFIG, overrides: Mapping | None = None) -> dict:
    """Load a config file, apply scale and overrides (coerced like --config values), and validate."""
    return resolve(read_yaml(path), typed=overrides)


def base_block(name: str) -> dict:
    """A global block of the default config.yaml as written (the paper's values): where the defaults live."""
    block = read_yaml(DEFAULT_CONFIG).get(name)
    if not isinstance(block, dict):
        raise ConfigError(f"{DEFAULT_CONFIG.name}: has no '{name}' block")
    return block


def dataset(config: Mapping, name: str) -> dict:
    """The settings of one dataset; a clear error if it is not configured."""
    datasets = config.get("datasets", {})
    if name not in datasets:
        raise ConfigError(f"dataset '{name}' is not in config.yaml 'datasets' (have: {', '.join(sorted(datasets))})")
    return datasets[name]


def models_for(config: Mapping, name: str) -> list[str]:
    """The models a dataset trains and evaluates: its own `models` list or the global one."""
    ds = dataset(config, name)
    return list(ds.get("models", config["models"]))


def seeds_for(config: Mapping, name: str) -> list[int]:
    """The training seeds of a dataset: its own `seeds` list or the global one."""
    ds = dataset(config, name)
    return list(ds.get("seeds", config.get("seeds", [config.get("seed", 42)])))


def _merged_block(config: Mapping, name: str, model: str) -> dict:
    """A model's block as written: global, then the dataset's; an arm adds its settings and its own dataset block."""
    ds = dataset(config, name)
    arm = arms(config).get(model)
    if arm is None:
        return deep_merge(config.get(model, {}), ds.get(model, {}))
    block = deep_merge(config.get(arm["of"], {}), ds.get(arm["of"], {}))
    return deep_merge(deep_merge(block, arm["settings"]), ds.get(model, {}))


def model_settings(config: Mapping, name: str, model: str) -> dict:
    """The effective settings of `model` (or an arm) on dataset `name`: its block merged as written, with
    the keys left null filled from its training semantics.

    An arm shares its base model's pretrained weights, so its architecture keys are the base model's even
    where its own semantics would fill them otherwise (`semantics: authors` fills `initial_goal: per_row`,
    but the arm continues the base model's shared initial goal).
    """
    kind = dataset(config, name)["type"]
    base = base_model(config, model)
    if base not in registry.names():
        return _merged_block(config, name, model)
    settings = resolve_block(_merged_block(config, name, model), kind, base)
    if base != model:
        own = resolve_block(_merged_block(config, name, base), kind, base)
        for key in registry.get(base).settings.architecture_keys():
            if key in own:
                settings[key] = own[key]
    return settings


def setting_stage(model: str, key: str) -> str:
    """The first stage that reads a model setting (schema annotation `stage:`; default the first training stage)."""
    return registry.get(model).settings.stage_of(key)


def stage_settings(config: Mapping, name: str, model: str, stage: str) -> dict:
    """The settings of `model` that its `stage` reads: those first read by that stage or an earlier one.

    A rule's params hold exactly these, so changing a setting re-runs the
    first stage that reads it and what follows, never an earlier stage.
    """
    if stage not in STAGE_ORDER:
        raise ValueError(f"unknown stage {stage!r}")
    limit = STAGE_ORDER.index(stage)
    settings = model_settings(config, name, model)
    base = base_model(config, model)
    return {k: v for k, v in settings.items() if STAGE_ORDER.index(setting_stage(base, k)) <= limit}


def data_settings(config: Mapping, name: str) -> dict:
    """The dataset block without the keys that only concern models (so they don't re-trigger data stages)."""
    models = set(registry.names()) | set(arms(config)) | {"models", "seeds"}
    return {k: v for k, v in dataset(config, name).items() if k not in models}
