"""Configuration: resolve (scale overlay, user values), apply defaults, validate, and hand each stage its settings.

Where defaults live — one place per setting:
- the global blocks (`oracle`, every model's block, `evaluate`, `report`):
  `config.yaml`, which must list every key (their schemas require them all);
- dataset blocks (open-ended: a user adds their own): the `default:` values
  of `dataset_<type>.schema.yaml`, filled in here.
Typed settings (`Settings` subclasses) have no defaults of their own.

The selected `scale` overlay (from `scales`) is merged on top of the base,
then the user's own values on top of that, so an explicit setting always
wins. The result is checked against the JSON schemas in `workflow/schemas/`
(plus the checks no schema can express, such as `min_len <= max_len`) before
any job runs; a problem stops the workflow with one line naming the key.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import math
import re
from pathlib import Path
from typing import Any, ClassVar, Mapping

import yaml

from leakgan import semantics
from leakgan.errors import UserError
from leakgan.models import registry

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "workflow" / "schemas"
CONFIG_FILE = ROOT / "config.yaml"
# Stages in pipeline order; a model setting's schema may say which stage first reads it (`stage:`).
STAGE_ORDER = ("pretrain", "adversarial", "sample")
DATASET_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class ConfigError(UserError):
    """A config value that does not match the schema."""


def deep_merge(base: Mapping, overlay: Mapping) -> dict:
    """Return base updated recursively by overlay (dicts merge, everything else replaces)."""
    out = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@functools.lru_cache(maxsize=None)
def _schema_file(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_schema(name: str, schema_dir: Path = SCHEMA_DIR) -> dict:
    """A schema of workflow/schemas/ (a copy: callers may change it)."""
    return copy.deepcopy(_schema_file(str(schema_dir / name)))


def _models_enum(schema: dict, arm_names=()) -> None:
    """Fill the `models` lists' allowed names (registered models and arms) and the per-model blocks."""
    names = registry.names()
    props = schema.setdefault("properties", {})
    if "models" in props:
        props["models"]["items"]["enum"] = names + list(arm_names)
    for name in names + list(arm_names):
        props.setdefault(name, {"type": "object", "description": f"the {name} block; see {name}.schema.yaml"})


def arms(config: Mapping) -> dict:
    """The ablation arms of a config: name -> {of, label, settings}."""
    return dict(config.get("arms") or {})


def base_model(config: Mapping, name: str) -> str:
    """The registered model behind a model name: itself, or the model an arm varies."""
    arm = arms(config).get(name)
    return arm["of"] if arm else name


def model_spec(config: Mapping, name: str) -> registry.ModelSpec:
    """The registry entry of a model name or an arm (its stages, checkpoint class, ...)."""
    return registry.get(base_model(config, name))


def model_label(config: Mapping, name: str) -> str:
    """How tables name a model or an arm."""
    arm = arms(config).get(name)
    return arm["label"] if arm else registry.get(name).label


def _check_arms(config: Mapping) -> None:
    """Arms vary a registered model with an adversarial stage, and never its architecture."""
    for name, arm in arms(config).items():
        key = f"arms.{name}"
        if name in registry.names():
            raise ConfigError(f"config key '{key}': '{name}' is a registered model; give the arm another name")
        if name.endswith("_matched"):
            raise ConfigError(f"config key '{key}': an arm's name may not end in '_matched' (the matched-α rows use it)")
        if arm["of"] not in registry.names():
            raise ConfigError(f"config key '{key}.of': '{arm['of']}' is not a registered model "
                              f"(registered: {', '.join(registry.names())})")
        if "adversarial" not in registry.get(arm["of"]).stages:
            raise ConfigError(f"config key '{key}.of': '{arm['of']}' has no adversarial stage for an arm to vary")
        props = _schema_file(str(registry.get(arm["of"]).schema)).get("properties", {})
        for setting in arm["settings"]:
            if props.get(setting, {}).get("architecture"):
                raise ConfigError(f"config key '{key}.settings.{setting}': an arm shares the pretrained model of "
                                  f"'{arm['of']}', so it cannot change its architecture; make it a dataset-level "
                                  "setting instead")


def model_schema(model: str) -> dict:
    """The schema of a model's config block (from the registry)."""
    return copy.deepcopy(_schema_file(str(registry.get(model).schema)))


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _is_integer(_, value) -> bool:
    # draft-7 counts 42.0 as an integer; a setting that is an integer must be written as one
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(_, value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@functools.lru_cache(maxsize=None)
def _validator_class():
    import jsonschema

    checker = jsonschema.Draft7Validator.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number})
    return jsonschema.validators.extend(jsonschema.Draft7Validator, type_checker=checker)


def _check(instance: Any, schema: dict, prefix: tuple) -> None:
    validator = _validator_class()(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    err = errors[0]
    path = prefix + tuple(err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed))
        raise ConfigError(
            f"config key '{_key(path + (extra[0],))}' is not known; known keys there: {', '.join(allowed)}"
        )
    if err.validator == "required":
        raise ConfigError(f"config key '{_key(path)}': {err.message}")
    if err.validator == "type" and isinstance(err.instance, float):
        if not math.isfinite(err.instance):
            raise ConfigError(f"config key '{_key(path)}': {err.instance} is not a finite number")
        if err.validator_value == "integer" or "integer" in err.validator_value:
            raise ConfigError(f"config key '{_key(path)}': {err.instance!r} is not an integer (write it without '.0')")
    hint = err.schema.get("description", "").strip() if isinstance(err.schema, dict) else ""
    raise ConfigError(f"config key '{_key(path)}': {err.message}" + (f" [{hint}]" if hint else ""))


def check_block(block: Mapping, schema: str, key: str) -> None:
    """Check one block (a stage's JSON argument) against a dataset schema file or a top-level key's schema."""
    if schema.endswith(".yaml"):
        found = load_schema(schema)
    else:
        found = load_schema("config.schema.yaml")["properties"][schema]
    bad = _non_finite(block)
    if bad is not None:
        raise ConfigError(f"config key '{_key((key,) + bad)}': {_get(block, bad)} is not a finite number")
    _check(block, found, (key,))


def _non_finite(value, path=()) -> tuple | None:
    """The path of the first NaN or infinite number anywhere in value."""
    if isinstance(value, float) and not math.isfinite(value):
        return path
    if isinstance(value, Mapping):
        for k, v in value.items():
            found = _non_finite(v, path + (k,))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _non_finite(v, path + (i,))
            if found is not None:
                return found
    return None


def apply_dataset_defaults(config: dict, schema_dir: Path = SCHEMA_DIR) -> None:
    """Fill every dataset block's missing keys from its schema's `default:` values (in place)."""
    for block in (config.get("datasets") or {}).values():
        if not isinstance(block, dict) or block.get("type") not in ("synthetic", "text"):
            continue
        for key, prop in load_schema(f"dataset_{block['type']}.schema.yaml", schema_dir)["properties"].items():
            if key not in block and "default" in prop:
                block[key] = copy.deepcopy(prop["default"])


def validate(config: Mapping, schema_dir: Path = SCHEMA_DIR) -> None:
    """Raise ConfigError naming the first bad key of an effective (merged) config."""
    bad = _non_finite(config)
    if bad is not None:
        raise ConfigError(f"config key '{_key(bad)}': {_get(config, bad)} is not a finite number")
    for name in config.get("datasets") or {}:
        if not isinstance(name, str) or not re.fullmatch(DATASET_NAME, name):
            raise ConfigError(f"config key 'datasets': name {name!r} is not allowed: use letters, digits, '.', '_' "
                              "and '-' only, starting with a letter or digit (it becomes a folder name)")
    top = load_schema("config.schema.yaml", schema_dir)
    arm_names = list(config.get("arms") or {}) if isinstance(config.get("arms"), Mapping) else []
    _models_enum(top, arm_names)
    _check(config, top, ())
    _check_arms(config)
    models = registry.names()
    for name in models:
        if name in config:
            _check(config[name], model_schema(name), (name,))
    for name, arm in arms(config).items():
        _check(deep_merge(config.get(arm["of"], {}), arm["settings"]), model_schema(arm["of"]), ("arms", name, "settings"))
    for ds_name, ds in config.get("datasets", {}).items():
        schema = load_schema(f"dataset_{ds.get('type')}.schema.yaml", schema_dir)
        _models_enum(schema, arm_names)
        _check(ds, schema, ("datasets", ds_name))
        for name in models + arm_names:
            if name in ds:
                merged = _merged_block(config, ds_name, name)
                _check(merged, model_schema(base_model(config, name)), ("datasets", ds_name, name))
        _check_dataset(ds_name, ds, config)
    training = config.get("training", {})
    if training.get("select") == "best_validation" and training.get("validation_fraction") == 0:
        raise ConfigError("config key 'training.select': best_validation needs a validation split; set "
                          "training.validation_fraction above 0 or training.select to last")
    unknown = [n for n in config.get("report", {}).get("datasets", []) if n not in config.get("datasets", {})]
    if unknown:
        raise ConfigError(f"config key 'report.datasets': {', '.join(unknown)} not in 'datasets'")


def _get(config, path):
    for p in path:
        config = config[p]
    return config


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


def _typed(value):
    """Numbers, booleans and null given as strings (Snakemake passes --config values so) get their type."""
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
    overrides = deep_merge(dict(overrides or {}), _typed(dict(typed or {})))
    base = deep_merge(config, overrides)
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


def read_yaml(path: str | Path) -> dict:
    """A YAML config file as a mapping, or one clear line."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except FileNotFoundError:
        raise UserError(f"{path}: config file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid YAML ({exc})") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping of config keys at the top level")
    return raw


def load(path: str | Path = CONFIG_FILE, overrides: Mapping | None = None) -> dict:
    """Load a config file, apply scale and overrides (coerced like --config values), and validate."""
    return resolve(read_yaml(path), typed=overrides)


def base_block(name: str) -> dict:
    """A global block of config.yaml as written (the paper's values): where the defaults live."""
    block = read_yaml(CONFIG_FILE).get(name)
    if not isinstance(block, dict):
        raise ConfigError(f"{CONFIG_FILE.name}: has no '{name}' block")
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
    return list(ds.get("models", config.get("models", ["mle"])))


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
    the keys left null filled from its training semantics (leakgan.semantics)."""
    return semantics.resolve(_merged_block(config, name, model), dataset(config, name)["type"])


def setting_stage(model: str, key: str) -> str:
    """The first stage that reads a model setting (schema annotation `stage:`; default the first training stage)."""
    # read-only: the cached schema itself, not a copy per key
    prop = _schema_file(str(registry.get(model).schema)).get("properties", {}).get(key, {})
    return prop.get("stage", registry.get(model).stages[0])


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


class Settings:
    """Typed view of one config block. Fields have no defaults: the block in config.yaml holds them."""

    block: ClassVar[str]  # the config block these settings come from

    @classmethod
    def from_dict(cls, values: Mapping, stage: str | None = None) -> "Settings":
        """Typed settings from a config block; an unknown or missing key is one clear line.

        With `stage`, the block may lack the keys that only later stages read
        (what `stage_settings` leaves out); they are None.
        """
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise UserError(f"config key '{cls.block}.{unknown[0]}' is not known; known keys: {', '.join(sorted(known))}")
        limit = STAGE_ORDER.index(stage) if stage else len(STAGE_ORDER)
        later = {k for k in known if stage and STAGE_ORDER.index(setting_stage(cls.block, k)) > limit}
        missing = [k for k in known if k not in values and k not in later]
        if missing:
            raise UserError(f"config key '{cls.block}.{missing[0]}' is missing; every key of the block must be set "
                            "(config.yaml lists them all)")
        return cls(**{**{k: None for k in later}, **values})

    @classmethod
    def defaults(cls, dataset_type: str = "synthetic", **overrides) -> "Settings":
        """The block of config.yaml (the paper's values) with `overrides`, its null keys filled from its semantics."""
        return cls.from_dict(semantics.resolve({**base_block(cls.block), **overrides}, dataset_type))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
