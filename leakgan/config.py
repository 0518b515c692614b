"""Configuration: the `scale` overlays, per-dataset model settings and validation.

`config.yaml` holds the paper's values. Its `scales` block holds overlays: the
selected `scale` (paper, demo or smoke) is merged on top of the base, then the
user's own `--config` values on top of that, so an explicit setting always
wins. The result is checked against the JSON schemas in `workflow/schemas/`
before any job runs; a problem stops the workflow with one line naming the key.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

import yaml

from leakgan.errors import UserError

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "workflow" / "schemas"
MODEL_SECTIONS = ("mle", "leakgan")


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


def load_schema(name: str, schema_dir: Path = SCHEMA_DIR) -> dict:
    path = schema_dir / name
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _check(instance: Any, schema: dict, prefix: tuple) -> None:
    import jsonschema

    validator = jsonschema.Draft7Validator(schema)
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
    hint = err.schema.get("description", "").strip()
    raise ConfigError(f"config key '{_key(path)}': {err.message}" + (f" [{hint}]" if hint else ""))


def validate(config: Mapping, schema_dir: Path = SCHEMA_DIR) -> None:
    """Raise ConfigError naming the first bad key of an effective (merged) config."""
    _check(config, load_schema("config.schema.yaml", schema_dir), ())
    model_schemas = {name: load_schema(f"{name}.schema.yaml", schema_dir) for name in MODEL_SECTIONS}
    for name in MODEL_SECTIONS:
        if name in config:
            _check(config[name], model_schemas[name], (name,))
    for ds_name, ds in config.get("datasets", {}).items():
        dtype = ds.get("type")
        _check(ds, load_schema(f"dataset_{dtype}.schema.yaml", schema_dir), ("datasets", ds_name))
        for name in MODEL_SECTIONS:
            if name in ds:
                merged = deep_merge(config.get(name, {}), ds[name])
                _check(merged, model_schemas[name], ("datasets", ds_name, name))


def _typed(value):
    """Numbers, booleans and null given as strings (Snakemake passes nested --config values so) get their type."""
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


def resolve(config: Mapping, overrides: Mapping | None = None, schema_dir: Path = SCHEMA_DIR) -> dict:
    """Apply the selected scale overlay and then `overrides` (the user's --config); validate."""
    overrides = _typed(dict(overrides or {}))
    config = deep_merge(config, overrides)
    base = deep_merge(config, overrides)
    scale = base.get("scale", "paper")
    scales = base.get("scales", {}) or {}
    if scale not in scales and scale != "paper":
        raise ConfigError(f"config key 'scale': '{scale}' is not one of: paper, {', '.join(sorted(scales))}")
    effective = deep_merge(deep_merge(config, scales.get(scale, {})), overrides)
    validate(effective, schema_dir)
    # Check every overlay, not only the selected one, so a broken smoke or demo
    # block is caught by whoever edits config.yaml.
    for name, overlay in scales.items():
        if not isinstance(overlay, Mapping):
            raise ConfigError(f"config key 'scales.{name}': must be a mapping of config keys")
        try:
            validate(deep_merge(deep_merge(config, overlay), overrides), schema_dir)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (in scales.{name})") from None
    return effective


def load(path: str | Path, overrides: Mapping | None = None) -> dict:
    """Load a config file, apply scale and overrides, and validate."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise UserError(f"{path}: config file not found") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})") from None
    return resolve(raw, overrides)


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


def model_settings(config: Mapping, name: str, model: str) -> dict:
    """Global settings of `model`, updated by the dataset's own block for it."""
    return deep_merge(config.get(model, {}), dataset(config, name).get(model, {}))
