"""The shapes of the result files `leakgan collect`, `aggregate` and `table` read, checked before any is used.

A file of the wrong shape (a hand edit, a stage of another version, a
truncated copy) stops with one line naming the file and the key path inside
it (`models.mle.curve[3].train_loss`) and what to do; a non-finite number
(Python writes NaN and Infinity into JSON) is refused where it would be
averaged, so a mean over seeds never silently leaves a seed out.

    scores        one model's scores.json: an object of numbers, strings, true/false, null and nested objects
                  (the training budget); `temperature`, when there, a number above 0
    curve         a training curve: a list of objects (points) of numbers, strings, true/false and null
    frontier      `leakgan frontier`'s output: {"points": [scores with a temperature, ...]}
    seed result   one seed's nll.json / bleu.json (`leakgan collect`): {"models": {name: scores (+ "curve")},
                  "frontier": {model: [points]}}
    table result  what `leakgan table` prints: an object with a "models" object of objects, "seeds" a list
"""
from __future__ import annotations

import math

from leakgan.errors import UserError
from leakgan.io import type_name

FIX_EVALUATION = "re-run that model's evaluation"
FIX_SEED = "re-run that seed's evaluation"
FIX_TRAINING = "re-run that seed's training"
FIX_COLLECT = "re-run `leakgan collect` for that seed (it writes one seed's nll.json or bleu.json)"


def _number_text(value: float) -> str:
    """NaN, Infinity, -Infinity: as JSON (and Python's json module) writes them."""
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _describe(value) -> str:
    """A bad value in a message: short, with its kind."""
    if isinstance(value, (dict, list)):
        return f"a {type_name(value)}"
    text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return f"{text[:40]}{'...' if len(text) > 40 else ''} (a {type_name(value)})"


def _where(path: str, key: str) -> str:
    return f"{path}: {key}" if key else f"{path}: the file"


def _join(key: str, name) -> str:
    return f"{key}.{name}" if key else str(name)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_finite(value, path: str, key: str, fix: str) -> None:
    """Every number in `value` (nested objects and lists too) finite; one line naming the first that is not."""
    if isinstance(value, float) and not math.isfinite(value):
        raise UserError(f"{path}: {key} is {_number_text(value)}; {fix}")
    if isinstance(value, dict):
        for name, item in value.items():
            check_finite(item, path, _join(key, name), fix)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_finite(item, path, f"{key}[{index}]", fix)


def expect_object(value, path: str, key: str, what: str, fix: str) -> dict:
    if not isinstance(value, dict):
        raise UserError(f"{_where(path, key)} is {_describe(value)}, expected an object ({what}); {fix}")
    return value


def expect_list(value, path: str, key: str, what: str, fix: str) -> list:
    if not isinstance(value, list):
        raise UserError(f"{_where(path, key)} is {_describe(value)}, expected a list ({what}); {fix}")
    return value


def _temperature(point: dict, path: str, key: str, fix: str, required: bool) -> None:
    if "temperature" not in point:
        if required:
            raise UserError(f"{_where(path, key)} has no 'temperature' (the α it was sampled at); {fix}")
        return
    value = point["temperature"]
    if not _is_number(value) or not value > 0:  # also refuses NaN
        raise UserError(f"{path}: {_join(key, 'temperature')} is {_describe(value)}, expected a number above 0; "
                        f"{fix}")


def _flat_values(entry: dict, path: str, key: str, fix: str, nested: tuple[str, ...] = ()) -> None:
    """An object whose values are numbers, strings, true/false or null (objects only under the keys `nested`)."""
    for name, value in entry.items():
        if isinstance(value, dict) and name in nested:
            continue
        if isinstance(value, (dict, list)):
            raise UserError(f"{path}: {_join(key, name)} is {_describe(value)}, expected a number, string, true/false "
                            f"or null; {fix}")


def check_curve(curve, path: str, key: str = "", fix: str = FIX_SEED) -> list[dict]:
    """A training curve: a list of points, each an object of plain values, every number finite."""
    expect_list(curve, path, key, "a training curve of points", fix)
    for index, point in enumerate(curve):
        where = f"{key}[{index}]"
        expect_object(point, path, where, "a curve point", fix)
        _flat_values(point, path, where, fix)
    check_finite(curve, path, key, fix)
    return curve


def check_scores(entry, path: str, key: str = "", fix: str = FIX_EVALUATION, with_curve: bool = False) -> dict:
    """One model's scores (scores.json, or a model's entry of a seed result): every number finite."""
    expect_object(entry, path, key, "a model's scores", fix)
    _flat_values({k: v for k, v in entry.items() if not (with_curve and k == "curve")}, path, key, fix,
                 nested=("budget",))
    if with_curve and "curve" in entry:
        check_curve(entry["curve"], path, _join(key, "curve"), FIX_TRAINING)
    _temperature(entry, path, key, fix, required=False)
    check_finite({k: v for k, v in entry.items() if k != "curve"}, path, key, fix)
    return entry


def check_frontier_points(points, path: str, key: str, fix: str) -> list[dict]:
    """Frontier points: a list of scores, each with its temperature."""
    expect_list(points, path, key, "frontier points, one per α", fix)
    for index, point in enumerate(points):
        where = f"{key}[{index}]"
        expect_object(point, path, where, "a frontier point", fix)
        _flat_values(point, path, where, fix)
        _temperature(point, path, where, fix, required=True)
    check_finite(points, path, key, fix)
    return points


def check_frontier_file(doc, path: str) -> list[dict]:
    """The output of `leakgan frontier`: its points."""
    fix = "re-run `leakgan frontier` for that model"
    expect_object(doc, path, "", "the output of `leakgan frontier`", fix)
    if "points" not in doc:
        raise UserError(f"{path}: no 'points', so not the output of `leakgan frontier`; {fix}")
    return check_frontier_points(doc["points"], path, "points", fix)


def check_seed_result(result, path: str) -> dict:
    """One seed's nll.json / bleu.json as `leakgan aggregate` reads it: shapes, and every number finite."""
    expect_object(result, path, "", "one seed's results", FIX_COLLECT)
    if "models" not in result:
        raise UserError(f"{path}: no 'models' scores; {FIX_COLLECT}")
    expect_object(result["models"], path, "models", "model name -> scores", FIX_COLLECT)
    for name, entry in result["models"].items():
        check_scores(entry, path, f"models.{name}", FIX_SEED, with_curve=True)
    if "frontier" in result:
        frontier = expect_object(result["frontier"], path, "frontier", "model -> frontier points", FIX_COLLECT)
        for model, points in frontier.items():
            check_frontier_points(points, path, f"frontier.{model}", FIX_SEED)
    return result


def check_table_result(result, path: str) -> dict:
    """An nll.json / bleu.json (one seed's or aggregated) as `leakgan table` prints it."""
    fix = "give an nll.json or bleu.json written by `leakgan collect` or `leakgan aggregate`"
    expect_object(result, path, "", "an nll.json or bleu.json", fix)
    if "models" not in result:
        raise UserError(f"{path}: no 'models' scores; {fix}")
    models = expect_object(result["models"], path, "models", "model name -> scores", fix)
    for name, entry in models.items():
        expect_object(entry, path, f"models.{name}", "a model's scores", fix)
    if result.get("seeds") is not None:
        seeds = expect_list(result["seeds"], path, "seeds", "the seeds", fix)
        if not seeds:
            raise UserError(f"{path}: seeds is an empty list; {fix}")
    return result
