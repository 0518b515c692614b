"""The paper's Figures 3, 4 and 5, drawn from trained models: the data behind each figure and its PNG.

- Figure 3: LeakGAN's relative BLEU gain over each baseline as a function of
  the generated sentence's length (`bleu_gain_by_length`, `plot_bleu_gain`).
- Figure 4: D's leaked feature f_t along sentences sampled by each model,
  projected on the two principal components of the features of complete real
  sentences (`feature_traces`, `plot_feature_traces`).
- Figure 5: the dimension-wise product of the WORKER's output row of each
  chosen token and the MANAGER's goal embedding along one LeakGAN sentence
  (`worker_manager_product`, `plot_worker_manager`).

The computations return plain data (numbers and numpy arrays) so that they can
be checked without drawing; the plotting functions take that data and write
a PNG atomically, titled with the dataset, the seed and the models.
"""
from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from leakgan.errors import UserError
from leakgan.eval.bleu import ReferenceSet, sentence_bleu_scores
from leakgan import registry
from leakgan.report.plots import pyplot, save
from leakgan.report.render import plain_table

# The automatic bucket width aims at about this many length buckets over the observed lengths.
TARGET_BUCKETS = 8
# How the printed table of Figure 3's numbers begins (experiments/text_tables.py finds it in the figure's log).
GAIN_TABLE_START = "Figure 3 ("


def paper_figures(models: Sequence[str], text: bool) -> list[int]:
    """The figures (3-5) that a dataset with these models can show: 4 and 5 need LeakGAN (its D and its
    WORKER and MANAGER); 3 also needs real text and a baseline's samples."""
    reference, baselines = registry.reference().name, registry.figure3_baselines()
    if reference not in models:
        return []
    return ([3] if text and any(m in baselines for m in models) else []) + [4, 5]


def figure_models(models: Sequence[str], n: int, text: bool) -> list[str]:
    """The models whose samples Figure n reads: 3 LeakGAN and the baselines, 4 all of them, 5 LeakGAN.

    One clear line when the figure cannot be drawn with these models (and real text or not).
    """
    if n not in paper_figures(models, text):
        reference = registry.reference().label
        needs = (f"real text and samples of {reference} and of {' or '.join(registry.figure3_baselines())}"
                 if n == 3 else reference)
        raise UserError(f"Figure {n} needs {needs}; got {'text' if text else 'synthetic'} data and models "
                        f"{', '.join(models) or 'none'}")
    reference = registry.reference().name
    if n == 3:
        return [m for m in models if m == reference or m in registry.figure3_baselines()]
    return list(models) if n == 4 else [reference]


def model_label(name: str, labels: dict[str, str] | None = None) -> str:
    """'seqgan' -> 'SeqGAN': the given labels' (arms included), else the registry's, else the name itself."""
    if labels and name in labels:
        return labels[name]
    spec = registry.models().get(name)
    return spec.label if spec is not None else name


def pick_indices(total: int, k: int, seed: int, stream: str) -> list[int]:
    """k of range(total) drawn without replacement by a seeded generator, ascending (all when total <= k).

    A str seed is hashed with SHA-512 by `random`, so the draw is the same on every run and machine.
    """
    if total <= k:
        return list(range(total))
    return sorted(random.Random(f"{seed}:{stream}").sample(range(total), k))


# ---------------------------------------------------------------- Figure 3

@dataclass(frozen=True)
class LengthBucket:
    """One length bucket of Figure 3: sentences of lo..hi tokens (inclusive) of LeakGAN and of one baseline."""

    lo: int
    hi: int
    leakgan_bleu: float  # mean sentence-level BLEU-n of LeakGAN's sentences in the bucket
    baseline_bleu: float
    leakgan_count: int  # sentences of each model in the bucket
    baseline_count: int

    @property
    def gain(self) -> float:
        """(BLEU_leakgan − BLEU_baseline) / BLEU_baseline."""
        return (self.leakgan_bleu - self.baseline_bleu) / self.baseline_bleu

    @property
    def label(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


@dataclass
class GainFigure:
    """Everything Figure 3 shows: per baseline, the kept buckets; and what was merged or dropped."""

    n: int  # BLEU order
    width: int  # tokens per length bucket
    min_count: int  # a bucket is kept only if each of the two models has at least this many sentences in it
    curves: dict[str, list[LengthBucket]]  # baseline -> kept buckets, by length
    dropped: dict[str, list[tuple[int, int]]]  # baseline -> (lo, hi) of the buckets left out
    counts: dict[str, int]  # model -> non-empty sentences scored


def auto_width(lengths: Sequence[int], target: int = TARGET_BUCKETS) -> int:
    """A bucket width that splits the range of `lengths` into about `target` buckets (at least 1 token)."""
    if not lengths:
        return 1
    return max(1, math.ceil((max(lengths) - min(lengths) + 1) / target))


def bleu_by_length(sentences: Sequence[Sequence], references: ReferenceSet, n: int = 4, smoothing: str = "none",
                   width: int = 1, origin: int = 1) -> dict[int, tuple[float, int]]:
    """Mean sentence-level BLEU-n per length bucket: {bucket start: (mean, count)}.

    A sentence of L tokens falls in the bucket starting at origin + ⌊(L − origin) / width⌋·width;
    each sentence is scored against the whole reference set (the project's BLEU, as `leakgan evaluate`).
    """
    if width < 1:
        raise UserError(f"the length bucket width must be at least 1 token, got {width}")
    scores = sentence_bleu_scores(sentences, references, max_n=n, smoothing=smoothing)
    sums: dict[int, list[float]] = {}
    for sentence, score in zip(sentences, scores):
        start = origin + (len(sentence) - origin) // width * width
        sums.setdefault(start, []).append(score[n])
    return {start: (math.fsum(values) / len(values), len(values)) for start, values in sorted(sums.items())}


def bleu_floor(n: int) -> float:
    """A mean sentence BLEU-n at or below this has no sentence with a match of every order 1..n (smoothing none).

    Unsmoothed, a zero precision of some order enters the geometric mean as `sys.float_info.min`, so such a
    sentence scores at most float_info.min ** (1 / n) (about 1e-77 for BLEU-4), while a sentence matching every
    order scores at least its brevity penalty over its length. The square root of the first bound separates the two
    by dozens of orders of magnitude; a relative gain over a mean below it would be a ratio of rounding floors.
    """
    return sys.float_info.min ** (1 / (2 * n))


def relative_gains(leakgan: dict[int, tuple[float, int]], baseline: dict[int, tuple[float, int]], width: int,
                   min_count: int, floor: float = 0.0) -> tuple[list[LengthBucket], list[tuple[int, int]]]:
    """(kept buckets, dropped (lo, hi)) of LeakGAN's relative gain over one baseline, bucket by bucket.

    A bucket is kept when both models have at least `min_count` sentences in it and the baseline's
    mean BLEU is above `floor` (the gain is undefined otherwise); every other bucket either model has is dropped.
    """
    kept, dropped = [], []
    for start in sorted(set(leakgan) | set(baseline)):
        lo, hi = start, start + width - 1
        (leak, n_leak), (base, n_base) = leakgan.get(start, (0.0, 0)), baseline.get(start, (0.0, 0))
        if n_leak >= min_count and n_base >= min_count and base > floor:
            kept.append(LengthBucket(lo, hi, leak, base, n_leak, n_base))
        else:
            dropped.append((lo, hi))
    return kept, dropped


def bleu_gain_by_length(samples: dict[str, Sequence[Sequence]], references: Sequence[Sequence], n: int = 4,
                        smoothing: str = "none", width: int | None = None, min_count: int = 20) -> GainFigure:
    """Figure 3's data: LeakGAN's relative BLEU-n gain over each baseline in `samples`, per sentence length.

    `samples` maps model names to decoded sentences and must hold the reference model's (LeakGAN) and at
    least one Figure 3 baseline's; `references` is the test set. Empty sentences are left out (no BLEU).
    `width` None picks `auto_width` over the lengths of every model's sentences.
    """
    reference, known = registry.reference(), registry.figure3_baselines()
    if reference.name not in samples:
        raise UserError(f"Figure 3 needs {reference.label}'s samples")
    baselines = [b for b in known if b in samples]
    if not baselines:
        raise UserError(f"Figure 3 needs the samples of a baseline ({', '.join(known)}) besides {reference.label}'s")
    if min_count < 1:
        raise UserError(f"the minimum sentences per bucket must be at least 1, got {min_count}")
    sentences = {m: [s for s in samples[m] if len(s)] for m in [reference.name, *baselines]}
    lengths = [len(s) for group in sentences.values() for s in group]
    if not lengths:
        raise UserError("Figure 3: every sample is empty")
    width = auto_width(lengths) if width is None else width
    refs = ReferenceSet([r for r in references if len(r)], n)
    origin = min(lengths)
    means = {m: bleu_by_length(group, refs, n, smoothing, width, origin) for m, group in sentences.items()}
    curves, dropped = {}, {}
    for base in baselines:
        curves[base], dropped[base] = relative_gains(means[reference.name], means[base], width, min_count,
                                                     bleu_floor(n))
    return GainFigure(n, width, min_count, curves, dropped, {m: len(g) for m, g in sentences.items()})


def gain_table(data: GainFigure, dataset: str, seed: int, labels: dict[str, str] | None = None) -> str:
    """Figure 3's numbers as plain text: per baseline and kept bucket, both mean BLEU-n, the gain, the counts."""
    header = ["baseline", "length", "LeakGAN", "baseline BLEU", "gain", "sentences"]
    rows = [[model_label(base, labels), b.label, f"{b.leakgan_bleu:.3g}", f"{b.baseline_bleu:.3g}",
             f"{100 * b.gain:+.3g}%", f"{b.leakgan_count}/{b.baseline_count}"]
            for base, buckets in data.curves.items() for b in buckets]
    title = (f"{GAIN_TABLE_START}{dataset}, seed {seed}): mean sentence BLEU-{data.n} by length, buckets of "
             f"{data.width} tokens with at least {data.min_count} sentences of each model (sentences: LeakGAN/baseline)")
    left_out = [f"{model_label(base, labels)}: left out "
                + ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in spans)
                + " (too few sentences, or no baseline sentence matching every order)"
                for base, spans in data.dropped.items() if spans]
    return "\n".join([title, *plain_table(header, rows, left=2), *left_out])



def plot_bleu_gain(data: GainFigure, path: str | Path, dataset: str, seed: int,
                   labels: dict[str, str] | None = None) -> None:
    """Figure 3: one curve per baseline of LeakGAN's relative BLEU-n gain against the length bucket."""
    plt = pyplot()
    if not any(data.curves.values()):
        raise UserError(f"{dataset}: no length bucket holds {data.min_count} sentences of LeakGAN and of a baseline "
                        f"with a BLEU-{data.n} match; lower --min-count, widen --bucket-width or lower --bleu-n")
    fig, ax = plt.subplots(figsize=(7, 4.4), dpi=120)
    for base, buckets in data.curves.items():
        if not buckets:
            continue
        xs = [(b.lo + b.hi) / 2 for b in buckets]
        ax.plot(xs, [100 * b.gain for b in buckets], marker="o", markersize=4, linewidth=1.5,
                label=f"over {model_label(base, labels)}")
    ax.axhline(0, color="black", linewidth=0.8)
    spans = {(b.lo, b.hi): b.label for buckets in data.curves.values() for b in buckets}
    ax.set_xticks([(lo + hi) / 2 for lo, hi in sorted(spans)], [spans[k] for k in sorted(spans)], fontsize=8)
    ax.set_xlabel(f"length of the generated sentence (tokens; buckets of {data.width})")
    ax.set_ylabel(f"relative BLEU-{data.n} gain of LeakGAN (%)")
    names = ", ".join(model_label(b, labels) for b in data.curves)
    ax.set_title(f"{dataset}, seed {seed}: LeakGAN's relative BLEU-{data.n} gain by length (cf. Figure 3)\n"
                 f"over {names}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    dropped = sorted({lo for spans in data.dropped.values() for lo, _ in spans})
    note = (f"mean sentence BLEU-{data.n} per bucket against the test set; buckets with fewer than "
            f"{data.min_count} sentences of either model, or no baseline sentence matching every n-gram order, left out"
            + (f" (starting at {', '.join(str(lo) for lo in dropped)})" if dropped else ""))
    fig.text(0.01, 0.01, note, fontsize=7, color="#555", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    save(fig, path)


# ---------------------------------------------------------------- Figure 4

def pca_2d(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean [F], components [2, F], share of the variance of each component [2]) of points [N, F].

    Centred SVD; each component's sign is fixed so that its largest-magnitude entry is positive (the
    same data always gives the same picture). With fewer than two directions of spread the missing
    components are zero.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[0] == 0:
        raise UserError("PCA needs a non-empty [N, F] array of features")
    mean = points.mean(axis=0)
    _, singular, vt = np.linalg.svd(points - mean, full_matrices=False)
    components = np.zeros((2, points.shape[1]))
    share = np.zeros(2)
    total = float(np.sum(singular ** 2))
    for i in range(min(2, vt.shape[0])):
        if singular[i] <= 1e-12 * max(1.0, singular[0]):
            break
        row = vt[i]
        components[i] = row if row[np.argmax(np.abs(row))] >= 0 else -row
        share[i] = singular[i] ** 2 / total
    return mean, components, share


def project(points: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Coordinates [..., 2] of points [..., F] on the principal components."""
    return (np.asarray(points, dtype=np.float64) - mean) @ components.T


@dataclass
class FeatureTraces:
    """Figure 4's data: real endpoints and each model's traces on D's two principal components."""

    real: np.ndarray  # [N, 2]: f_T of real sentences
    traces: dict[str, np.ndarray]  # model -> [k, T, 2]: f_1..f_T of k of its sentences
    explained: np.ndarray  # [2]: share of the real features' variance on each axis


def final_features(model, tokens, batch_size: int = 256) -> np.ndarray:
    """D's feature f_T [N, F] of whole sequences [N, T] (dropout off), a batch at a time."""
    import torch

    out = []
    with torch.no_grad(), model.discriminator_eval() as D:
        for start in range(0, tokens.shape[0], batch_size):
            out.append(D.feature(tokens[start:start + batch_size]).double().numpy())
    return np.concatenate(out)


def feature_traces(model, real, samples: dict) -> FeatureTraces:
    """Project f_1..f_T of sampled sentences on the principal plane of the real sentences' final features.

    `model` is a LeakGANModel whose discriminator D gives every feature (of every model's sentences, as in
    the paper); `real` [N, T] are test sentences and `samples` maps model names to sentences [k, T] to trace.
    """
    import torch

    real_features = final_features(model, torch.as_tensor(real, dtype=torch.long))
    mean, components, share = pca_2d(real_features)
    traces = {}
    for name, tokens in samples.items():
        feats = model.leaked_features(torch.as_tensor(tokens, dtype=torch.long)).double().numpy()  # [k, T+1, F]
        traces[name] = project(feats[:, 1:], mean, components)
    return FeatureTraces(project(real_features, mean, components), traces, share)


def plot_feature_traces(data: FeatureTraces, path: str | Path, dataset: str, seed: int,
                        labels: dict[str, str] | None = None) -> None:
    """Figure 4: real endpoints as a light scatter, each model's traces as lines with the endpoint emphasised."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 5.2), dpi=120)
    ax.scatter(data.real[:, 0], data.real[:, 1], s=5, color="#bbbbbb", alpha=0.5, linewidths=0,
               label=f"real data (f_T of {len(data.real)} test sentences)")
    colors = plt.get_cmap("tab10").colors
    for i, (name, traces) in enumerate(data.traces.items()):
        color = colors[i % len(colors)]
        for j, trace in enumerate(traces):
            ax.plot(trace[:, 0], trace[:, 1], color=color, marker="o", markersize=2.5, linewidth=1, alpha=0.85,
                    label=model_label(name, labels) if j == 0 else None)
            ax.scatter(trace[-1, 0], trace[-1, 1], s=60, color=color, edgecolors="black", linewidths=0.8, zorder=3)
    ax.set_xlabel(f"PCA-x ({100 * data.explained[0]:.0f}% of the real features' variance)")
    ax.set_ylabel(f"PCA-y ({100 * data.explained[1]:.0f}%)")
    names = ", ".join(model_label(n, labels) for n in data.traces)
    ax.set_title(f"{dataset}, seed {seed}: feature traces f_1..f_T by LeakGAN's D (cf. Figure 4)\n"
                 f"samples of {names}; PCA of real sentences' f_T", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title="large dots: f_T of the whole sentence", title_fontsize=7)
    fig.tight_layout()
    save(fig, path)


# ---------------------------------------------------------------- Figure 5

@dataclass
class WorkerManagerProduct:
    """Figure 5's data: the product along one LeakGAN sentence."""

    values: np.ndarray  # [T, k]: O_t[x_t] ⊙ w_t at step t
    tokens: list[str]  # the T tokens x_t (words, or ids for synthetic data)
    row: int  # which row (0-based) of LeakGAN's samples it is
    step_size: int  # c: tokens per goal segment


def worker_manager_product(model, tokens) -> np.ndarray:
    """O_t[x_t] ⊙ w_t [T, k] along one sequence tokens [T] of a LeakGANModel, recomputed teacher-forced.

    Indexing (0-based, as in leakgan.models.leakgan): row t is the step that emits x_t.
    - O_t = Worker.output(h_t) [V, k], h_t the WORKER's state after reading x_{t-1} (x_{-1} = the start
      token); O_t[x_t] is its row of the chosen token (k values).
    - w_t = goal_embedding(G_s) [k] with s = ⌊t / c⌋: G_0 the learned initial goal, G_s for s ≥ 1 the sum of
      the MANAGER's sub-goals g_{(s−1)c+1} .. g_{sc}, g_j read from D's feature f_j of the prefix x[:j].
    - Row t is O_t[x_t] · w_t dimension-wise; it sums to the logit of x_t before the division by α.
    Running G along a sampled sentence is exact: each step's distribution depends only on the prefix.
    """
    import torch

    from leakgan.models.leakgan import segment_goals
    from leakgan.models.sampling import START_TOKEN

    x = torch.as_tensor(tokens, dtype=torch.long).reshape(1, -1)
    T, c = x.shape[1], model.cfg.step_size
    with torch.no_grad():
        features = model.leaked_features(x)  # [1, T+1, F]: f_0..f_T
        sub_goals, _ = model.manager(model.manager_features(x, features))  # g_0..g_{T-1}
        goals = segment_goals(sub_goals, model.initial_goals(1), c, -(-T // c))  # [1, S, F]
        w = model.goal_embedding(goals.repeat_interleave(c, dim=1)[:, :T])  # [1, T, k]
        hidden, _ = model.worker(torch.cat([torch.full_like(x[:, :1], START_TOKEN), x[:, :-1]], dim=1))
        chosen = model.worker.output(hidden)[0, torch.arange(T), x[0]]  # [T, k]: O_t[x_t]
        return (chosen * w[0]).double().numpy()


def plot_worker_manager(data: WorkerManagerProduct, path: str | Path, dataset: str, seed: int) -> None:
    """Figure 5: a heatmap of the k dimensions × T steps, the tokens along the x axis, goal segments marked."""
    plt = pyplot()
    T, k = data.values.shape
    fig, ax = plt.subplots(figsize=(max(7.5, 0.3 * T + 2.0), 4.2), dpi=120)
    bound = float(np.max(np.abs(data.values))) or 1.0
    image = ax.imshow(data.values.T, aspect="auto", cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")
    for boundary in range(data.step_size, T, data.step_size):
        ax.axvline(boundary - 0.5, color="black", linewidth=0.6, linestyle="--")
    ax.set_xticks(range(T))
    ax.set_xticklabels(data.tokens, rotation=90, fontsize=7)
    ax.set_yticks(range(k))
    ax.set_yticklabels([str(j + 1) for j in range(k)], fontsize=7)
    ax.set_xlabel(f"generated token x_t (dashed: goal segments of {data.step_size} steps)")
    ax.set_ylabel("goal dimension")
    fig.colorbar(image, ax=ax, label="O_t[x_t] ⊙ w_t")
    ax.set_title(f"{dataset}, seed {seed}: WORKER ⊙ MANAGER along a LeakGAN sample (cf. Figure 5)\n"
                 f"line {data.row + 1} of its samples, {T} tokens, k = {k}", fontsize=9)
    fig.tight_layout()
    save(fig, path)


# ---------------------------------------------------------------- drawing from one seed's files

@dataclass
class FigureOptions:
    """What `leakgan figures` lets a user choose (its defaults are the command's)."""

    bleu_n: int = 4
    smoothing: str = "none"
    bucket_width: int | None = None
    min_count: int = 20
    traces: int = 3
    num_real: int = 1000
    draw_seed: int = 42  # the config's default `seed`, which the workflow passes


class SeedFiles:
    """One seed's files under a dataset's results folder (leakgan.layout); a missing one is one clear line."""

    def __init__(self, results: Path, dataset: str, seed: int):
        self.results, self.dataset, self.seed = results, dataset, seed

    @property
    def folder(self) -> Path:
        return self.results / f"seed{self.seed}"

    def need(self, template: str, **fields) -> Path:
        from leakgan import layout

        path = layout.under(self.folder if "{seed}" in template else self.results, template, **fields)
        if not path.is_file():
            target = layout.path(template, dataset=self.dataset, seed=self.seed, **fields)
            raise UserError(f"{path}: not found; make it with `snakemake --cores 1 -- {target}`")
        return path

    def data(self, name: str) -> Path:
        from leakgan import layout

        return self.need(layout.DATA_FILE, name=name)

    def samples(self, model: str) -> Path:
        from leakgan import layout

        return self.need(layout.SAMPLE_IDS, model=model, variant="")

    def has_samples(self, model: str) -> bool:
        from leakgan import layout

        return layout.under(self.folder, layout.SAMPLE_IDS, model=model, variant="").is_file()

    def reference_model(self):
        """The reference model's (LeakGAN's) final model of the seed: its D gives every feature of Figure 4."""
        from leakgan import layout
        from leakgan.registry import load_model_and_checkpoint

        spec = registry.reference()
        path = self.need(layout.CHECKPOINT, model=spec.name, stage=spec.final_stage)
        model, ckpt = load_model_and_checkpoint(path)
        if ckpt["model"] != spec.name:
            raise UserError(f"{path}: a checkpoint of model '{ckpt['model']}', not {spec.label}'s; re-run its training")
        return model


def read_ids(path: Path, vocab: dict, seq_len: int | None = None):
    """A token file as a LongTensor, checked against the vocabulary (and the model's length when given)."""
    import torch

    from leakgan.io import read_tokens

    tokens = torch.from_numpy(read_tokens(path, vocab["size"]))
    if seq_len is not None and tokens.shape[1] != seq_len:
        raise UserError(f"{path}: sequences of {tokens.shape[1]} tokens, but the reference model makes {seq_len}")
    return tokens


def reference_last(models: list[str]) -> list[str]:
    """The models with the reference model last (drawn on top of the others)."""
    reference = registry.reference().name
    return [m for m in models if m != reference] + [m for m in models if m == reference]


def draw_figure3(files: SeedFiles, vocab: dict, vocab_path: Path, models: list[str], options: FigureOptions,
                 path: Path, labels: dict) -> None:
    from leakgan.eval.scores import decode

    samples = {m: decode(read_ids(files.samples(m), vocab), vocab, str(vocab_path)) for m in models}
    references = decode(read_ids(files.data("test.txt"), vocab), vocab, str(vocab_path))
    data = bleu_gain_by_length(samples, references, options.bleu_n, options.smoothing, options.bucket_width,
                               options.min_count)
    print(gain_table(data, files.dataset, files.seed, labels), file=sys.stderr)  # first: also when nothing is drawn
    plot_bleu_gain(data, path, files.dataset, files.seed, labels)


def draw_figure4(files: SeedFiles, vocab: dict, model, models: list[str], options: FigureOptions, path: Path,
                 labels: dict) -> None:
    seq_len = model.cfg.seq_len
    real = read_ids(files.data("test.txt"), vocab, seq_len)
    if options.num_real:
        real = real[pick_indices(len(real), options.num_real, options.draw_seed, "figure4/real")]
    samples = {}
    for name in reference_last(models):
        tokens = read_ids(files.samples(name), vocab, seq_len)
        samples[name] = tokens[pick_indices(len(tokens), options.traces, options.draw_seed, f"figure4/{name}")]
    plot_feature_traces(feature_traces(model, real, samples), path, files.dataset, files.seed, labels)


def draw_figure5(files: SeedFiles, vocab: dict, model, options: FigureOptions, path: Path) -> None:
    """One seeded sample of the reference model (non-empty on real text), cut at its first padding token."""
    from leakgan.eval.scores import sentence_ids

    samples_path = files.samples(registry.reference().name)
    tokens = read_ids(samples_path, vocab, model.cfg.seq_len)
    words, pad = vocab.get("tokens"), vocab.get("pad_id")
    candidates = [i for i, row in enumerate(tokens.tolist()) if pad is None or row[0] != pad]
    if not candidates:
        raise UserError(f"{samples_path}: every sample is empty; Figure 5 needs a sentence")
    row = candidates[pick_indices(len(candidates), 1, options.draw_seed, "figure5")[0]]
    ids = sentence_ids(tokens[row].tolist(), pad)
    values = worker_manager_product(model, tokens[row])[:len(ids)]
    labels = [words[t] if words else str(t) for t in ids]
    plot_worker_manager(WorkerManagerProduct(values, labels, row, model.cfg.step_size), path, files.dataset,
                        files.seed)


def draw(files: SeedFiles, figures: list[str], models: list[str], options: FigureOptions, out: Path,
         labels: dict) -> None:
    """Figures `figures` ("3", "4", "5") of one seed as out/figure<n>.png."""
    from leakgan.io import read_vocab

    vocab_path = files.data("vocab.json")
    vocab = read_vocab(vocab_path)
    text = bool(vocab.get("tokens"))
    model = None
    for figure in figures:
        path = out / f"figure{figure}.png"
        drawn = figure_models(models, int(figure), text)
        if figure == "3":
            draw_figure3(files, vocab, vocab_path, drawn, options, path, labels)
            continue
        model = model if model is not None else files.reference_model()
        if figure == "4":
            draw_figure4(files, vocab, model, drawn, options, path, labels)
        else:
            draw_figure5(files, vocab, model, options, path)
