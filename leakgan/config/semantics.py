"""LeakGAN's training semantics: the paper's equations, or what the authors' released code computes.

The authors' TensorFlow code (CR-Gjx/LeakGAN, `Synthetic Data/LeakGANModel.py`
and `Main.py`) trains differently from the paper in these points, each a key
of the `leakgan` block that is `null` by default and then takes the value of
the chosen `semantics`:

| key                        | paper         | authors                                   |
|----------------------------|---------------|-------------------------------------------|
| `loss_reduction`           | `per_segment` | `scalar`: `tf.losses.cosine_distance` reduces to one number, so the MANAGER's loss is −ΣQ · mean cos / (B·S) and the WORKER's is −(mean intrinsic cos) · mean log G(x_t) |
| `first_tokens_temperature` | none          | 0.6667: the first two tokens of the samples G learns from are drawn with logits × 1.5 |
| `positives`                | `train`       | `fresh_oracle` (synthetic data: D's real examples are new oracle samples at every D step; the COCO script uses the training data, so text stays `train`) |
| `lr`                       | 0.001         | 0.0015 (their length-20 script; a dataset block may set its own, as synthetic-40 does) |
| `delta`                    | 12            | 16                                        |
| `divide_by_rollouts`       | false         | true: the rescaled rewards are divided by `rollout_num` |
| `l2_reg`                   | 0.2           | 0 (D's L2 coefficient is never passed, so it is 0) |
| `mle_every`                | 15            | 0 on synthetic data (the synthetic script has no interleaved MLE); 15 on text (the COCO script has it) |
| `optimizer_states`         | `shared`      | `separate`: interleaved MLE epochs use their own Adam pair, apart from the policy-gradient updates' |
| `intrinsic_reward`         | `eq9`         | `authors`: the WORKER's r_t is one cosine, cos(f_{t+1} − f_{sc}, G_s) for the token t of segment s (`Worker_Reward` from `all_sub_features` / `all_sub_goals` in `LeakGANModel.__init__`'s `preTrain` loop) |
| `goal_alignment`           | `paper`       | `authors`: their sampler (`_g_recurrence`) gives segment s the sub-goals g_{(s−1)c} .. g_{sc−1}, their teacher-forced loss (`preTrain`) g_{(s−1)c+1} .. g_{sc}; their rollouts (`rollout`) mix the two (see `leakgan.models.generation`) |
| `initial_goal`             | `shared`      | `per_row`: one learned initial goal per batch row (`goal_init`, [batch_size, F]); an architecture key |
| `mle_epoch_fraction`       | 1             | 0.05 on text (the COCO script's `pre_train_epoch` runs `num_batch/20` batches); 1 on synthetic data |
| `rescale_with_real`        | 0             | 64 on text (the COCO script's `get_reward` ranks `pos_num` = min(64, epoch/2) real sentences with the rollouts); 0 on synthetic data |
| `dropout`                  | 0.25          | 0 (their `dis_dropout_keep_prob = 1.0`); the paper: keep probability 0.75 |

Not reproduced: the authors rank rewards in dictionary order rather than by
value (a bug); ranks here are always by value. Their COCO pretraining schedule
(16 rounds of 5 D steps and 12 such 1/20 epochs) is not a preset: the
schedule keys stay explicit (README "What does the leak do?").

The block's evaluation α (`temperature`: 0.6667, the authors' logits × 1.5)
is the same under both semantics. Explicit values always win over the preset.
This module imports nothing heavy: the config layer resolves with it, once (`leakgan.config.resolve`).
"""
from __future__ import annotations

from typing import Mapping

SEMANTICS = ("paper", "authors")

# key -> value under each semantics; a callable takes the dataset type ("synthetic" | "text")
_PRESETS: dict[str, dict] = {
    "loss_reduction": {"paper": "per_segment", "authors": "scalar"},
    "first_tokens_temperature": {"paper": None, "authors": 0.6667},
    "positives": {"paper": "train", "authors": lambda kind: "fresh_oracle" if kind == "synthetic" else "train"},
    "lr": {"paper": 0.001, "authors": 0.0015},
    "delta": {"paper": 12.0, "authors": 16.0},
    "divide_by_rollouts": {"paper": False, "authors": True},
    "l2_reg": {"paper": 0.2, "authors": 0.0},
    "mle_every": {"paper": 15, "authors": lambda kind: 0 if kind == "synthetic" else 15},
    "optimizer_states": {"paper": "shared", "authors": "separate"},
    "intrinsic_reward": {"paper": "eq9", "authors": "authors"},
    "goal_alignment": {"paper": "paper", "authors": "authors"},
    "initial_goal": {"paper": "shared", "authors": "per_row"},
    "mle_epoch_fraction": {"paper": 1.0, "authors": lambda kind: 1.0 if kind == "synthetic" else 0.05},
    "rescale_with_real": {"paper": 0, "authors": lambda kind: 0 if kind == "synthetic" else 64},
    "dropout": {"paper": 0.25, "authors": 0.0},
}

# How many leading tokens `first_tokens_temperature` applies to (the authors' `i > 1` test).
FIRST_TOKENS = 2

PRESET_KEYS = tuple(_PRESETS)


def preset(semantics: str, dataset_type: str) -> dict:
    """Every preset key's value under `semantics` for a dataset of `dataset_type`."""
    if semantics not in SEMANTICS:
        raise ValueError(f"unknown semantics {semantics!r}")
    values = {}
    for key, options in _PRESETS.items():
        value = options[semantics]
        values[key] = value(dataset_type) if callable(value) else value
    return values


def unresolved(settings: Mapping) -> list[str]:
    """The preset keys of a block that are still null although its semantics gives them a value."""
    if "semantics" not in settings or settings["semantics"] not in SEMANTICS:
        return []
    values = {kind: preset(settings["semantics"], kind) for kind in ("synthetic", "text")}
    return [k for k in PRESET_KEYS if k in settings and settings[k] is None
            and any(v[k] is not None for v in values.values())]


def resolve(settings: Mapping, dataset_type: str) -> dict:
    """`settings` with every preset key that is null (or absent) filled from its `semantics`.

    A block without a `semantics` key (another model's) is returned unchanged.
    """
    if "semantics" not in settings:
        return dict(settings)
    values = preset(settings["semantics"], dataset_type)
    return {**settings, **{k: values[k] for k in PRESET_KEYS if settings.get(k) is None}}
