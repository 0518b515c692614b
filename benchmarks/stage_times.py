"""Per-stage times of every model at the paper's sizes: the inputs of benchmarks/study_cost.py.

Run from the repository root:
    python benchmarks/stage_times.py --threads 1 --readme --merge benchmarks/study_times.json   # what is committed
    python benchmarks/stage_times.py --device cuda --label h100 --merge my_times.json          # on a GPU
    python benchmarks/stage_times.py --smoke                                                   # tiny sizes (seconds)

For each dataset kind (synthetic-20, synthetic-40, coco, wmt: its length,
vocabulary and training-set size) it times the building blocks of a training
chain with the package's own code, then composes them into what
`study_cost.py` reads, per model: seconds per pretraining epoch, per D (or
ranker) step, per adversarial epoch and per evaluation. A D step is 10,000
fresh negatives plus `d_epochs` (3) epochs over them and as many real
sequences. Long loops are timed over their first `--batches` minibatches and
scaled to the full count (every minibatch of an epoch does the same
arithmetic); samplers and NLLs over 500 sequences, scaled to 10,000. Short
measurements are repeated and the least time kept (the one least disturbed
by other work on the machine). Each
GAN's generator step is timed whole at length 20 (after a warm-up step, which
compiles the Numba kernels) and scaled by (length / 20)² elsewhere; the steps
are timed last, because once the parallel Numba rollout kernels have run,
torch's CPU work in the same process takes several times longer (seen here:
an MLE minibatch 0.06 -> 0.4 CPU seconds, 2 -> 4 threads). Not
timed, so not in the numbers: BLEU-2 scoring of curve points on text, D's
accuracy in LeakGAN's evaluations, checkpoint writes, process start-up.

On a CPU it counts the CPU seconds of the process (`--clock process`), which
other jobs on a shared machine do not inflate the way they inflate wall time
(run with `--threads 1`, or the threads' spinning counts too). `--readme`
carries those times to the machine of the README's "Speed" tables, whose 2
CPU cores measured LeakGAN's sampler, generator steps and adversarial epoch:
the README's numbers where it has them, this machine's times × a calibration
factor elsewhere (`to_readme_cpu`), and adds an H200 block from the README's
H200 numbers (`h200_from_readme`). Every entry that is not a measurement is
marked `"estimate": true` with its `basis`.

`--json OUT` writes the device block(s); `--merge FILE` puts them into FILE
under `devices.<label>` (other devices' blocks are kept).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# torch and the package are imported where the timing happens: `compose` and KINDS load without them

# What each dataset kind looks like to the training code: length (tokens incl. padding), vocabulary, training
# sentences. Synthetic ones from config.yaml; text vocabularies are the paper's counts after its preprocessing
# (COCO 4,980 words, WMT News 5,742), lengths and training sizes the `coco` and `wmt` blocks of config.yaml.
KINDS = {
    "synthetic-20": dict(seq_len=20, vocab=5000, num_train=10000),
    "synthetic-40": dict(seq_len=40, vocab=5000, num_train=10000),
    "coco": dict(seq_len=32, vocab=4981, num_train=80000),
    "wmt": dict(seq_len=51, vocab=5743, num_train=200000),
}
SMOKE_KINDS = {"synthetic-20": dict(seq_len=8, vocab=50, num_train=300)}
MODELS = ("mle", "seqgan", "seqgan_rescaled", "rankgan", "leakgan")
SAMPLES = 10000          # negatives per D step, samples per evaluation (config: num_negatives, eval_samples)
VALIDATION = 0.05        # training.validation_fraction: held out of the training set


CLOCK = time.perf_counter  # main() picks the process's CPU time for CPU runs (see --clock)


def sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def seconds(fn, device, warm_below: float = 30.0) -> float:
    """Seconds of one call of fn(): when the first call (a warm-up) took under `warm_below` s, the least of
    two more (the least is the time least disturbed by other work on the machine)."""
    sync(device)
    t = CLOCK()
    fn()
    sync(device)
    first = CLOCK() - t
    if first >= warm_below:
        return first
    times = []
    for _ in range(2):
        t = CLOCK()
        fn()
        sync(device)
        times.append(CLOCK() - t)
    return min(times)


def per_batch(step, batches: int, device, groups: int = 4) -> float:
    """Seconds per step(i): after two warm-up calls, `batches` calls (at least `groups`) timed in
    `groups` groups; the least group mean."""
    step(0)
    step(1)
    sync(device)
    size = max(1, batches // groups)
    means = []
    for g in range(groups):
        t = CLOCK()
        for i in range(g * size, (g + 1) * size):
            step(i)
        sync(device)
        means.append((CLOCK() - t) / size)
    return min(means)


def measure_kind(kind: str, shape: dict, device, batches: int, smoke: bool, g_steps: bool = True,
                 blocks: bool = True) -> dict:
    """The building blocks' seconds for one dataset kind (keys named in `compose`): the generator steps
    (`g_steps`), the rest (`blocks`)."""
    import torch

    from leakgan.models.mle import MLEConfig, MLEGenerator
    from leakgan.models.oracle import Oracle
    from leakgan.train import seqgan
    from leakgan.train.discriminator import DiscriminatorStep, discriminator_config
    from leakgan import registry
    from leakgan.train.leakgan import LeakGANRun, adversarial_step, build_model, mle_step

    LeakGANSettings = registry.get("leakgan").settings

    T, V, N = shape["seq_len"], shape["vocab"], shape["num_train"]
    gen = torch.Generator().manual_seed(0)
    data = torch.randint(0, V, (max(2 * 64 * (batches + 2), 2000 if not smoke else 200), T), generator=gen)
    small = dict(filter_sizes=[1, 2, T], num_filters=[8, 8, 8], dis_emb_dim=8) if smoke else {}
    n_eval = 200 if smoke else 500  # sampled and scored, then scaled to SAMPLES
    parts: dict[str, float] = {}
    log = lambda key: print(f"  {kind:<13} {key:<22} {parts[key]:10.4f} s", flush=True)  # noqa: E731

    # MLE generator (the MLE baseline and every baseline's pretraining)
    torch.manual_seed(0)
    G = MLEGenerator(MLEConfig(vocab_size=V, seq_len=T, emb_dim=32, hidden_dim=32)).to(device)
    opt = torch.optim.Adam(G.parameters(), lr=0.01)

    def mle_batch(i):
        loss = G.loss(data[i * 64 % (len(data) - 64):][:64].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(G.parameters(), 5.0)
        opt.step()
        float(loss.detach())

    if blocks:
        parts["mle_batch"] = per_batch(mle_batch, batches * 4, device)
        log("mle_batch")
        rng = torch.Generator(device=device).manual_seed(0)
        parts["mle_sample"] = seconds(lambda: G.sample(n_eval, 1.0, rng, 1000), device) * SAMPLES / n_eval
        log("mle_sample")
        parts["mle_nll"] = seconds(lambda: G.nll(data[:n_eval], 1000), device) * SAMPLES / n_eval
        log("mle_nll")
        oracle = Oracle.random(V, 32, 32, 1.0, torch.Generator().manual_seed(2)).to(device)
        parts["oracle_nll"] = seconds(lambda: oracle.nll(data[:n_eval]), device) * SAMPLES / n_eval
        log("oracle_nll")

    # LeakGAN: its pretraining minibatch (WORKER MLE + MANAGER Eq. 10), sampler, NLL, generator step
    s = LeakGANSettings.defaults(gen_batch=10000 if device.type == "cuda" else 1000, **small)
    run = LeakGANRun(build_model(s, V, T, 0).to(device), s, data, data, seed=0)
    if blocks:
        parts["leakgan_batch"] = per_batch(lambda i: mle_step(run, data[i * 64 % (len(data) - 64):][:64]),
                                           batches, device)
        log("leakgan_batch")
        parts["leakgan_sample"] = seconds(
            lambda: run.model.sample(n_eval, s.temperature, run.sample_rng, s.gen_batch), device) * SAMPLES / n_eval
        log("leakgan_sample")
        parts["leakgan_nll"] = seconds(lambda: run.model.nll(data[:n_eval], s.gen_batch), device) * SAMPLES / n_eval
        log("leakgan_nll")
    if g_steps:  # after these, torch runs slower in this process (see main)
        run.model.train()
        parts["leakgan_g_step"] = seconds(lambda: adversarial_step(run), device)
        log("leakgan_g_step")

    # D's minibatch step (LeakGAN's D; SeqGAN's D is the same network with dropout, the same arithmetic)
    half = min(2000, len(data))
    tokens = torch.cat([data[:half], data[:half]]).to(device)
    labels = torch.cat([torch.ones(half, dtype=torch.long), torch.zeros(half, dtype=torch.long)]).to(device)
    span = len(tokens) - 64
    if device.type == "cuda":
        run.d_step = DiscriminatorStep(run)
        d_step = run.d_step
    else:
        d_step = DiscriminatorStep(run)
    run.model.discriminator.train()
    if blocks:
        parts["d_batch"] = per_batch(lambda i: d_step(tokens[i * 64 % span:][:64], labels[i * 64 % span:][:64]),
                                     batches * 2, device)
        log("d_batch")
    del run

    # the baselines' generator steps and the ranker's minibatch step
    for name in ("seqgan", "seqgan_rescaled", "rankgan"):
        bs = seqgan.SETTINGS[name].defaults(**small)
        torch.manual_seed(0)
        Gb = MLEGenerator(MLEConfig(V, T, bs.emb_dim, bs.hidden_dim)).to(device).eval()
        critic = seqgan.build_critic(name, discriminator_config(bs, V, T))
        critic.reset_parameters(torch.Generator().manual_seed(1))
        brun = seqgan.SeqGANRun(name, seqgan.GeneratorAndCritic(Gb, critic.to(device)), bs, data, data, 0)
        rollout_model = MLEGenerator(Gb.cfg).to(device).eval()
        rollout_model.load_state_dict(Gb.state_dict())
        if g_steps:
            parts[f"{name}_g_step"] = seconds(lambda: seqgan.adversarial_step(brun, rollout_model), device)
            log(f"{name}_g_step")
        if name == "rankgan" and blocks:
            ranker = brun.critic
            ranker.train()

            def ranker_batch(i):
                j = i * 64 % (len(data) - 128)
                loss = ranker.loss(data[j:j + 64].to(device), data[j + 64:j + 128].to(device),
                                   seqgan._real_subset(brun, bs.ref_size), bs.gamma)
                brun.dis_opt.zero_grad(set_to_none=True)
                loss.backward()
                brun.dis_opt.step()
                float(loss.detach())

            parts["ranker_batch"] = per_batch(ranker_batch, batches, device)
            log("ranker_batch")
    return parts


# The README's measurements ("Speed"), seconds: (a) sampling 10,000 with LeakGAN's sampler, (b) one LeakGAN
# generator step, (c) one paper-scale LeakGAN adversarial epoch (benchmarks/adversarial_speed.py), and one
# adversarial generator step of each GAN (benchmarks/baseline_speed.py, "Every GAN's adversarial step").
README = {
    "cpu-2core": {"label": "2 CPU cores", "a": 23.2, "b": 1.78, "c": 375.7,
                  "g_step": {"seqgan": 5.585, "seqgan_rescaled": 6.215, "rankgan": 5.829}},
    "h200": {"label": "NVIDIA H200", "a": 0.116, "b": 0.138, "c": 7.89,
             "g_step": {"seqgan": 0.187, "seqgan_rescaled": 0.188, "rankgan": 0.166}},
}
SPEED = "README Speed table (benchmarks/adversarial_speed.py)"
STEPS = "README 'Every GAN's adversarial step' table (benchmarks/baseline_speed.py)"
D_BATCHES = 3 * math.ceil(2 * SAMPLES / 64)        # a D step: d_epochs x (10,000 real + 10,000 fake) / 64
RANKER_BATCHES = 3 * math.ceil(SAMPLES / 64)       # a ranker step: d_epochs x pairs of 64 real + 64 fake
# which calibration anchor a building block follows (--readme): D's network, or the generators' loops
D_LIKE = ("d_batch", "ranker_batch", "leakgan_batch", "leakgan_nll")
GPU_MIN_BATCH = 0.002  # seconds: assumed least time of one training minibatch on a GPU (h200_from_readme)
G_STEPS = ("leakgan_g_step", "seqgan_g_step", "seqgan_rescaled_g_step", "rankgan_g_step")


def readme_d_batch(device: str) -> float:
    """Seconds of one D minibatch implied by the README: ((c) − (b)) / 5 D steps, less (a), over the minibatches."""
    r = README[device]
    return ((r["c"] - r["b"]) / 5 - r["a"]) / D_BATCHES


def entry(value: float, source: str, basis: list[str] | None = None) -> dict:
    out = {"seconds": round(value, 4), "source": source, "estimate": bool(basis)}
    if basis:
        out["basis"] = "; ".join(dict.fromkeys(basis))
    return out


def compose(kind: str, shape: dict, p: dict, where: str, basis: dict[str, str] | None = None) -> dict:
    """The per-model entries study_cost.py reads, from the building blocks `p` of one dataset kind.

    `basis` names the blocks that are not measurements (key -> how they were derived); an entry built
    from one of them is marked as an estimate and carries the reasons.
    """
    basis = basis or {}
    T, N = shape["seq_len"], shape["num_train"]
    train_batches = math.ceil(N * (1 - VALIDATION) / 64)            # one pass over the training set
    tag = f"{kind} (length {T}, vocabulary {shape['vocab']}, {N:,} training sentences)"
    synthetic = kind.startswith("synthetic")
    scoring = "oracle NLL" if synthetic else "BLEU-2 not timed"

    def make(terms: list[tuple[float, str]], what: str) -> dict:
        value = sum(coef * p[key] for coef, key in terms)
        reasons = [f"{key}: {basis[key]}" for _, key in terms if key in basis]
        return entry(value, f"{what}, {tag}; {where}", reasons)

    score = [(1.0, "oracle_nll")] if synthetic else []
    leak_d = [(1.0, "leakgan_sample"), (D_BATCHES, "d_batch")]
    mle_d = [(1.0, "mle_sample"), (D_BATCHES, "d_batch")]
    ranker_d = [(1.0, "mle_sample"), (RANKER_BATCHES, "ranker_batch")]
    out = {}
    for name in MODELS:
        m = {}
        if name == "leakgan":
            m["pretrain_epoch"] = make([(train_batches, "leakgan_batch")],
                                       f"{train_batches} LeakGAN pretraining minibatches (WORKER MLE + MANAGER)")
            m["d_step"] = make(leak_d, f"LeakGAN sampler 10,000 + {D_BATCHES} D minibatches")
            m["g_step"] = make([(1.0, "leakgan_g_step")], "one adversarial generator step (4 rollouts per segment)")
            m["adversarial_epoch"] = make([(1.0, "leakgan_g_step")] + [(5 * c, k) for c, k in leak_d],
                                          "generator step + 5 D steps")
            m["evaluation"] = make([(1.0, "leakgan_sample"), (1.05, "leakgan_nll")] + score,
                                   f"sample 10,000 + NLL of 10,500 (test + validation) + {scoring}")
        else:
            m["pretrain_epoch"] = make([(train_batches, "mle_batch")], f"{train_batches} MLE minibatches of 64")
            m["evaluation"] = make([(1.0, "mle_sample"), (1.05, "mle_nll")] + score,
                                   f"MLE sampler 10,000 + NLL of 10,500 + {scoring}")
            if name != "mle":
                critic = ranker_d if name == "rankgan" else mle_d
                what = (f"MLE sampler 10,000 + {RANKER_BATCHES} ranker minibatches (64 + 64 + 16 references)"
                        if name == "rankgan" else f"MLE sampler 10,000 + {D_BATCHES} D minibatches")
                m["d_step"] = make(critic, what)
                m["g_step"] = make([(1.0, f"{name}_g_step")], "one adversarial generator step (16 rollouts per token)")
                m["adversarial_epoch"] = make([(1.0, f"{name}_g_step")] + [(5 * c, k) for c, k in critic],
                                              "generator step + 5 critic steps")
        out[name] = m
    return out


def to_readme_cpu(raw: dict[str, dict], reference: str = "synthetic-20") -> tuple[dict, dict, dict]:
    """Blocks measured here, carried to the README's 2-core CPU: (parts by kind, basis by kind, calibration).

    At the reference kind the README's own numbers replace what it measured: LeakGAN's sampler (a), the
    generator steps, and D's minibatch implied by (a), (b), (c). Every other block is this machine's time
    × a factor: D's (d_batch, and the blocks dominated by D's network) × README D minibatch / ours, the
    generators' loops × README (a) / ours. Generator steps at other lengths: × (length / 20)², the number
    of rollout tokens (rollouts from every position or segment boundary, each up to the full length).
    """
    r, ref = README["cpu-2core"], raw[reference]
    c_d = readme_d_batch("cpu-2core") / ref["d_batch"]
    c_g = r["a"] / ref["leakgan_sample"]
    readme_steps = {"leakgan_g_step": r["b"], **{f"{m}_g_step": v for m, v in r["g_step"].items()}}
    parts, basis = {}, {}
    for kind, measured in raw.items():
        p, b = {}, {}
        T = KINDS[kind]["seq_len"]
        for key, value in measured.items():
            if key in G_STEPS:
                continue
            c = c_d if key in D_LIKE else c_g
            p[key] = value * c
            b[key] = (f"this machine's time x {c:.3g}, the README CPU's {'D minibatch' if key in D_LIKE else '(a)'}"
                      " over ours")
        for key, value in readme_steps.items():
            if kind == reference:
                p[key] = value
            else:
                p[key] = value * (T / 20) ** 2
                b[key] = "the README's length-20 step x (length/20)^2 (rollout tokens)"
        if kind == reference:
            p["leakgan_sample"], p["d_batch"] = r["a"], readme_d_batch("cpu-2core")
            b.pop("leakgan_sample", None)
            b.pop("d_batch", None)
        parts[kind], basis[kind] = p, b
    calibration = {"d_factor": c_d, "generator_factor": c_g,
                   "other_anchors": {k: readme_steps[k] / ref[k] for k in G_STEPS if k in ref},
                   "note": "README numbers / this machine's at synthetic-20 (its CPU seconds, 1 thread). The "
                           "generator steps are timed last, after the Numba rollout kernels have run, which slows "
                           "torch in the process several-fold: their ratios are not used, only shown"}
    return parts, basis, calibration


def h200_from_readme(cpu_raw: dict) -> tuple[dict, dict]:
    """H200 building blocks at length 20: the README's measurements where it has them, else its nearest
    measured H200 operation × the ratio of the two on the CPU (`cpu_raw`: the CPU blocks at length 20,
    as carried to the README's CPU by `to_readme_cpu`): estimates."""
    r = README["h200"]
    d_batch = readme_d_batch("h200")
    p = {"leakgan_sample": r["a"], "leakgan_g_step": r["b"], "d_batch": d_batch,
         **{f"{m}_g_step": v for m, v in r["g_step"].items()}}
    anchors = {  # block -> (measured H200 block it is scaled from)
        "leakgan_batch": "leakgan_g_step", "leakgan_nll": "leakgan_sample", "mle_sample": "leakgan_sample",
        "mle_nll": "leakgan_sample", "oracle_nll": "leakgan_sample", "mle_batch": "seqgan_g_step",
        "ranker_batch": "d_batch"}
    basis = {}
    for key, anchor in anchors.items():
        ratio = cpu_raw[key] / cpu_raw[anchor]
        p[key] = p[anchor] * ratio
        basis[key] = f"H200 {anchor} x {ratio:.3g} (the two's ratio on the CPU)"
        if key in ("mle_batch", "leakgan_batch") and p[key] < GPU_MIN_BATCH:
            # a GPU is launch-bound on small work: a training minibatch (dozens of kernels and the loss read
            # back to the host) takes about a millisecond or more, whatever the CPU ratio says
            p[key] = GPU_MIN_BATCH
            basis[key] += f", raised to the ASSUMED launch-bound floor of {GPU_MIN_BATCH * 1000:g} ms per minibatch"
    # The baselines' D optimizer is not capturable, so their D steps run eagerly (no CUDA graph); RankGAN's
    # ranker never uses the graph. Assumed: an eager minibatch takes twice the graph's (the README's
    # straightforward path, which also copies and syncs every batch, took ~5x).
    p["baseline_d_batch"] = 2 * d_batch
    basis["baseline_d_batch"] = ("ASSUMED 2x the graph-replayed D minibatch "
                                 "(eager: the baselines' Adam is not capturable)")
    p["ranker_batch"] *= 2
    basis["ranker_batch"] += ", then x 2 for the eager path, as the baselines' D"
    return p, basis


def h200_block(cpu_raw_20: dict) -> dict:
    """The committed H200 block: synthetic-20 only (study_cost.py scales the other kinds and marks them)."""
    p, basis = h200_from_readme(cpu_raw_20)
    where = f"{SPEED} and {STEPS} on an H200 where measured"
    entries = compose("synthetic-20", KINDS["synthetic-20"], p, where, basis)
    # the baselines' critics: the eager D minibatch instead of the graph's
    eager = dict(p, d_batch=p["baseline_d_batch"])
    eager_entries = compose("synthetic-20", KINDS["synthetic-20"], eager, where,
                            dict(basis, d_batch=basis["baseline_d_batch"]))
    for name in ("seqgan", "seqgan_rescaled"):
        entries[name] = eager_entries[name]
    lk = entries["leakgan"]
    lk["adversarial_epoch"] = entry(README["h200"]["c"], f"(c) adversarial epoch, {SPEED}, H200")
    lk["d_step"] = entry((README["h200"]["c"] - README["h200"]["b"]) / 5, f"((c) - (b)) / 5, {SPEED}, H200")
    lk["g_step"] = entry(README["h200"]["b"], f"(b) generator step, {SPEED}, H200")
    return {"label": "NVIDIA H200 (README measurements; the rest derived, marked estimate)",
            "models": {m: {"synthetic-20": e} for m, e in entries.items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated dataset kinds to time")
    ap.add_argument("--batches", type=int, default=10, help="minibatches timed per per-batch measurement")
    ap.add_argument("--clock", default=None, choices=["process", "wall"],
                    help="what a CPU run times (default: process, the CPU seconds this process used, which other "
                         "jobs on a shared machine do not inflate; run it with --threads 1); CUDA runs use wall")
    ap.add_argument("--label", default=None, help="device key in the JSON (default cpu-<threads>core or cuda)")
    ap.add_argument("--readme", action="store_true",
                    help="CPU only: carry the times to the README's 2-core CPU (its numbers where it has them, "
                         "this machine's × a calibration factor elsewhere) and add the H200 block derived from "
                         "the README's H200 numbers (see to_readme_cpu, h200_from_readme)")
    ap.add_argument("--from-raw", default=None, metavar="JSON",
                    help="measure nothing: compose from the raw_parts of a block this script wrote before")
    ap.add_argument("--json", default=None, help="write the device block(s) here")
    ap.add_argument("--merge", default=None, help="put the device block(s) into this study_times JSON")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one kind: checks that every part runs")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    global CLOCK
    clock = args.clock or ("process" if device.type == "cpu" else "wall")
    CLOCK = time.process_time if clock == "process" else time.perf_counter
    if device.type == "cuda" and not torch.cuda.is_available():
        print("CUDA: torch sees no GPU")
        return 1
    kinds = SMOKE_KINDS if args.smoke else {k: KINDS[k] for k in args.kinds.split(",")}
    if args.readme and (device.type != "cpu" or "synthetic-20" not in kinds):
        ap.error("--readme needs --device cpu and the synthetic-20 kind (its anchor)")
    batches = 2 if args.smoke else args.batches
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    label = args.label or (f"cpu-{args.threads}core" if device.type == "cpu" else "cuda")
    where = f"benchmarks/stage_times.py on {name} ({clock} time), {time.strftime('%Y-%m-%d')}"
    print(f"device: {name}; torch {torch.__version__}" + ("  [SMOKE: times mean nothing]" if args.smoke else ""))
    raw = {}
    if args.from_raw:
        saved = next(b for b in json.loads(Path(args.from_raw).read_text())["devices"].values() if "raw_parts" in b)
        raw = {k: v for k, v in saved["raw_parts"].items() if k in kinds}
        where = saved.get("measured", f"benchmarks/stage_times.py on CPU, 1 threads (process time), "
                                      f"{time.strftime('%Y-%m-%d')}")
        kinds = {k: kinds[k] for k in raw}
        print(f"composing from {args.from_raw} ({where})")
    for kind, shape in kinds.items():
        if args.from_raw:
            break
        raw[kind] = measure_kind(kind, shape, device, batches, args.smoke, g_steps=False)
    # The generator steps last, at the reference length only (the rest scale, see to_readme_cpu): once a
    # parallel Numba kernel (the rollout scores) has run, this process's torch work on the CPU takes several
    # times longer (more threads competing), which would leak into every block timed after it.
    if "synthetic-20" in kinds and not args.from_raw:
        steps = measure_kind("synthetic-20", kinds["synthetic-20"], device, batches, args.smoke, blocks=False)
        raw["synthetic-20"].update({k: steps[k] for k in G_STEPS})
    blocks, measured = {}, where
    if args.readme:
        parts, basis, calibration = to_readme_cpu(raw)
        where = f"{where} (carried to the README's CPU: see calibration); {SPEED}; {STEPS}"
        block = {"label": "2 CPU cores (README's machine; blocks measured here carried over, see calibration)",
                 "calibration": calibration, "measured": measured, "raw_parts": raw,
                 "models": {m: {} for m in MODELS}}
        for kind in kinds:
            for model, entries in compose(kind, KINDS[kind], parts[kind], where, basis[kind]).items():
                block["models"][model][kind] = entries
        lk = block["models"]["leakgan"]["synthetic-20"]
        lk["adversarial_epoch"] = entry(README["cpu-2core"]["c"], f"(c) adversarial epoch, {SPEED}, 2 CPU cores")
        blocks["cpu-2core"], blocks["h200"] = block, h200_block(parts["synthetic-20"])
        print(f"calibration: D blocks x {calibration['d_factor']:.3g}, generator blocks x "
              f"{calibration['generator_factor']:.3g}; generator steps README/ours: "
              + ", ".join(f"{k} {v:.3g}" for k, v in calibration["other_anchors"].items()))
    else:
        missing = [k for k in G_STEPS if k not in raw.get("synthetic-20", {})]
        basis = {k: "not timed" for k in missing}
        block = {"label": name, "measured": measured, "raw_parts": raw, "models": {m: {} for m in MODELS}}
        for kind in kinds:
            p = {**{k: 0.0 for k in missing}, **raw[kind]}
            if kind != "synthetic-20" and "synthetic-20" in raw:
                for key in G_STEPS:
                    p[key] = raw["synthetic-20"][key] * (KINDS[kind]["seq_len"] / 20) ** 2
                    basis[key] = "the synthetic-20 step x (length/20)^2"
            for model, entries in compose(kind, kinds[kind], p, where, basis).items():
                block["models"][model][kind] = entries
        blocks[label] = block
    print()
    print(f"{'device':<10} {'model':<16} {'kind':<13} {'pretrain ep s':>14} {'D step s':>9} {'adv epoch s':>12} "
          f"{'eval s':>8}")
    for dev, blk in blocks.items():
        for model, by_kind in blk["models"].items():
            for kind, e in by_kind.items():
                cells = [f"{e[k]['seconds']:.2f}{'*' if e[k]['estimate'] else ' '}" if k in e else "- "
                         for k in ("pretrain_epoch", "d_step", "adversarial_epoch", "evaluation")]
                print(f"{dev:<10} {model:<16} {kind:<13} {cells[0]:>14} {cells[1]:>9} {cells[2]:>12} {cells[3]:>8}")
    print("* estimate (see each entry's basis in the JSON)")
    if args.json:
        Path(args.json).write_text(json.dumps({"devices": blocks}, indent=1) + "\n")
    if args.merge:
        path = Path(args.merge)
        doc = json.loads(path.read_text()) if path.exists() else {"devices": {}}
        doc.setdefault("devices", {}).update(blocks)
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"merged into {path}: devices {', '.join(blocks)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
