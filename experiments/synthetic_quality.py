"""Synthetic-20 quality on the standard oracle: MLE, SeqGAN, SeqGAN (rescaled), RankGAN and LeakGAN, with budgets.

Run (from the repository root; about 1.5-2 hours on 2 busy CPU cores, one torch thread; --skip-baselines: 45-60 min):
    python experiments/synthetic_quality.py > experiments/out/synthetic_quality.txt 2>&1
    python experiments/synthetic_quality.py --calibrate      # time each unit of work (a minute or two)
    python experiments/synthetic_quality.py --smoke          # every step at tiny sizes (seconds; numbers mean nothing)

Needs the standard oracle (SeqGAN / LeakGAN / Texygen `target_params.pkl`) at
../shared/data/oracle/target_params.pkl relative to the repository root (or
--oracle PATH; --smoke uses a seeded N(0, 1) oracle of the same shape when
it is absent). The data are drawn as the pipeline's oracle stage draws them
(10,000 train + 10,000 test sequences of 20 tokens, vocab 5,000, the
"oracle-train" / "oracle-test" streams of the seed). Training goes through the
library's trainers, as `leakgan pretrain` / `leakgan adversarial` run them: a
TrainingJob per model and stage handed to the registry's trainer of that stage
(`registry.get(name).trainer("pretrain")(job)`, then "adversarial" from the
pretrained checkpoint), at a reduced schedule printed at the top. The baselines get LeakGAN's budget: as many G MLE
epochs as LeakGAN's pretraining, as many critic pretraining steps (the same
reduced D), as many adversarial epochs, the same D steps per epoch. Every row's oracle NLL is
computed on the same number of samples, each drawn from the same named random
stream; NLL-test is on the whole test set (it does not depend on α).

Columns: oracle NLL (mean per-token −log p_oracle of the model's samples;
lower = samples the oracle finds likelier) and NLL-test (mean per-token −log
p_model of held-out oracle data; lower = better coverage of the real data).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leakgan import registry  # noqa: E402
from leakgan.config.resolve import base_block  # noqa: E402
from leakgan.data.synthetic import build_oracle  # noqa: E402
from leakgan.errors import UserError  # noqa: E402
from leakgan.io import save_torch  # noqa: E402
from leakgan.seeding import stage_seed, torch_generator  # noqa: E402
from leakgan.train.job import TrainingJob  # noqa: E402
from leakgan.train.leakgan import (LeakGANRun, adversarial_step, build_model, mle_epoch,  # noqa: E402
                                   train_discriminator)
from leakgan.train.mle import MLESchedule, train_mle  # noqa: E402

DEFAULT_ORACLE = ROOT.parent / "shared" / "data" / "oracle" / "target_params.pkl"
SEQ_LEN, VOCAB = 20, 5000
ALPHA_MLE, ALPHA_LEAKGAN = 1.0, 0.6667  # default evaluation temperatures (LeakGAN: logits × 1.5, as the authors)
PAPER = {"MLE": 9.038, "SeqGAN": 8.736, "RankGAN": 8.247, "LeakGAN": 7.038, "Real": 5.750}
BASELINES = (("seqgan", "SeqGAN"), ("seqgan_rescaled", "SeqGAN (rescaled)"), ("rankgan", "RankGAN"))  # Table 1, length 20 (10,000 samples, full schedule)

# Reduced D: fewer windows and filters than Table 7 (1..10, 15, 20; 1,720 features) for CPU time.
REDUCED_FILTER_SIZES = [1, 2, 3, 4, 5, 10, 15, 20]
REDUCED_NUM_FILTERS = [50, 50, 50, 50, 50, 50, 50, 50]

# --smoke: every step of the run at sizes that take seconds (explicit options still win).
# (64 training sequences: one generator batch per MLE epoch.)
SMOKE = dict(num_train=64, num_test=50, eval_samples=50, dis_emb_dim=16, num_filters_each=4, pretrain_rounds=1,
             pretrain_d_steps=1, pretrain_g_epochs=1, d_epochs=1, num_negatives=64, adversarial_epochs=1,
             rollout_num=2, mle_every=1, baseline_rollout_num=2)


def log(msg: str = "") -> None:
    """Print one line now (the run is long; progress must show up in a redirected file)."""
    print(msg, flush=True)


def parse_args():
    """The command line; --smoke replaces the defaults of the sizes by SMOKE's."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--oracle", default=str(DEFAULT_ORACLE), help="standard oracle pickle (target_params.pkl)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: shared machine)")
    p.add_argument("--num-train", type=int, default=10000, help="oracle sequences to train on")
    p.add_argument("--num-test", type=int, default=10000, help="oracle sequences for NLL-test")
    p.add_argument("--eval-samples", type=int, default=5000, help="samples per row for oracle NLL")
    p.add_argument("--table7-d", action="store_true", help="use Table 7's full discriminator (slow on CPU)")
    p.add_argument("--dis-emb-dim", type=int, default=64)
    p.add_argument("--num-filters-each", type=int, default=REDUCED_NUM_FILTERS[0],
                   help="filters per window of the reduced D")
    p.add_argument("--pretrain-rounds", type=int, default=3)
    p.add_argument("--pretrain-d-steps", type=int, default=2)
    p.add_argument("--pretrain-g-epochs", type=int, default=3)
    p.add_argument("--d-epochs", type=int, default=2)
    p.add_argument("--num-negatives", type=int, default=3000)
    p.add_argument("--adversarial-epochs", type=int, default=25)
    p.add_argument("--d-steps", type=int, default=1)
    p.add_argument("--rollout-num", type=int, default=4)
    p.add_argument("--mle-every", type=int, default=10)
    p.add_argument("--mle-epochs", type=int, default=None,
                   help="MLE baseline epochs (default: LeakGAN's generator MLE epochs in pretraining + adversarial)")
    p.add_argument("--baseline-rollout-num", type=int, default=16,
                   help="per-token rollouts of SeqGAN / RankGAN (their papers: 16)")
    p.add_argument("--skip-baselines", action="store_true", help="MLE and LeakGAN only")
    p.add_argument("--calibrate", action="store_true", help="time one unit of each kind of work and exit")
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes and schedule, to check that every step runs (the numbers mean nothing)")
    a = p.parse_args()
    if a.smoke:
        p.set_defaults(**SMOKE)
        a = p.parse_args()
    return a


def leakgan_settings(a):
    """config.yaml's `leakgan` block with this run's D and schedule (typed, its semantics' keys resolved)."""
    s = registry.get("leakgan").settings.defaults(
        dis_emb_dim=a.dis_emb_dim,
        filter_sizes=None if a.table7_d else REDUCED_FILTER_SIZES,
        num_filters=None if a.table7_d else [a.num_filters_each] * len(REDUCED_FILTER_SIZES),
        pretrain_rounds=a.pretrain_rounds, pretrain_d_steps=a.pretrain_d_steps,
        pretrain_g_epochs=a.pretrain_g_epochs, d_epochs=a.d_epochs, num_negatives=a.num_negatives,
        adversarial_epochs=a.adversarial_epochs, d_steps=a.d_steps, rollout_num=a.rollout_num,
        mle_every=a.mle_every, checkpoint_every=10 ** 9,
        # The library's in-training evaluation: only at the last epoch of each stage, on few samples
        # (its numbers are not the table's; the table's come from `score` below).
        eval_every=10 ** 9, eval_samples=min(500, a.eval_samples),
    )
    return s


def mle_settings(epochs: int) -> dict:
    """The pipeline's `mle` block (config.yaml), `epochs` reduced; no curve (evaluated at the last epoch only)."""
    return {**base_block("mle"), "epochs": epochs, "eval_every": 10 ** 9, "curve_samples": 500,
            "temperature": ALPHA_MLE}


def shown(path: Path) -> str:
    """`path` as the README names it: relative to the repository's parent folder, else its file name."""
    try:
        return str(Path("..") / path.resolve().relative_to(ROOT.parent))
    except ValueError:
        return path.name


def load_data(a):
    """The oracle, what it is, and its train and test draws, as the pipeline's oracle stage makes them."""
    path = Path(a.oracle)
    dataset = {"oracle_params": str(path), "vocab_size": VOCAB, "seq_len": SEQ_LEN}
    what = "standard oracle"
    if not path.exists():
        if not a.smoke:
            sys.exit(f"synthetic_quality: the standard oracle is missing: {shown(path)}\n"
                     "Put the SeqGAN/LeakGAN/Texygen target_params.pkl there, or pass --oracle PATH.")
        log(f"smoke: skipped the standard oracle ({shown(path)} is absent); "
            "using a seeded N(0, 1) oracle of the same shape instead")
        dataset["oracle_params"], what = None, "seeded N(0, 1) oracle"
    torch.manual_seed(stage_seed(a.seed, "oracle-global"))
    try:
        oracle = build_oracle(dataset, base_block("oracle"), a.seed)
    except UserError as exc:
        sys.exit(f"synthetic_quality: {exc}")
    train = oracle.sample(a.num_train, SEQ_LEN, torch_generator(a.seed, "oracle-train"))
    test = oracle.sample(a.num_test, SEQ_LEN, torch_generator(a.seed, "oracle-test"))
    return oracle, what, train, test


def score(name, model, alpha, oracle, test, a, rows, note="", nll_test=None, budget=""):
    """One table row: oracle NLL of eval_samples samples at α (fixed stream), NLL-test on the whole test set.

    NLL-test does not depend on α: pass the previous row's value to skip recomputing it."""
    t0 = time.time()
    model.eval()
    with torch.no_grad():
        if model is oracle:
            samples = oracle.sample(a.eval_samples, SEQ_LEN, torch_generator(a.seed, "bench-eval"))
            nll_test = oracle.nll(test)
        else:
            samples = model.sample(a.eval_samples, alpha, torch_generator(a.seed, "bench-eval"), a.gen_batch)
            if nll_test is None:
                nll_test = model.nll(test, a.gen_batch)
    row = {"name": name, "alpha": alpha, "oracle_nll": oracle.nll(samples), "nll_test": nll_test, "note": note,
           "budget": budget}
    rows.append(row)
    log(f"  scored {name:<28} α={'-' if alpha is None else f'{alpha:.4f}'}  oracle NLL {row['oracle_nll']:.3f}  "
        f"NLL-test {row['nll_test']:.3f}  ({time.time() - t0:.0f} s)")


def calibrate(a, oracle, train, test):
    """Time one unit of each kind of work the full run repeats."""
    s = leakgan_settings(a)
    log("calibration (one unit of each; seconds):")
    t = time.time()
    m = mle_settings(1)
    schedule = MLESchedule(**{k: m[k] for k in MLESchedule.__dataclass_fields__})
    train_mle(job("mle", m, train, test, a, oracle), schedule)
    log(f"  MLE baseline epoch (incl. NLL-test)         {time.time() - t:7.1f}")
    model = build_model(s, VOCAB, SEQ_LEN, a.seed)
    run = LeakGANRun(model, s, train, test, a.seed, oracle)
    unit = min(1000, a.num_train)
    t = time.time()
    model.sample(unit, s.temperature, torch_generator(a.seed, "cal"), s.gen_batch)
    log(f"  {f'LeakGAN sample {unit:,}':<42}  {time.time() - t:7.1f}")
    t = time.time()
    s_one = dataclasses.replace(s, d_epochs=1, num_negatives=unit)
    run.settings = s_one
    train_discriminator(run, 1)
    log(f"  {f'D step: {unit:,} negatives, 1 epoch on {2 * unit:,}':<42}  {time.time() - t:7.1f}")
    run.settings = s
    t = time.time()
    mle_epoch(run)
    log(f"  {f'LeakGAN G MLE epoch ({a.num_train:,})':<42}  {time.time() - t:7.1f}")
    t = time.time()
    model.train()
    for _ in range(3):
        adversarial_step(run)
    log(f"  LeakGAN adversarial G step (x1)             {(time.time() - t) / 3:7.1f}")
    t = time.time()
    model.nll(test, s.gen_batch)
    log(f"  {f'LeakGAN NLL-test ({a.num_test:,})':<42}  {time.time() - t:7.1f}")
    t = time.time()
    oracle.nll(test[:a.eval_samples])
    log(f"  {f'oracle NLL ({len(test[:a.eval_samples]):,})':<42}  {time.time() - t:7.1f}")


def baseline_settings(name, a, s, pre_g_epochs):
    """config.yaml's block of a baseline with LeakGAN's reduced D and budget."""
    return registry.get(name).settings.defaults(
        pretrain_epochs=pre_g_epochs, dis_emb_dim=a.dis_emb_dim, filter_sizes=s.filter_sizes,
        num_filters=s.num_filters, pretrain_d_steps=s.pretrain_rounds * s.pretrain_d_steps, d_epochs=s.d_epochs,
        num_negatives=s.num_negatives, adversarial_epochs=s.adversarial_epochs, d_steps=s.d_steps,
        rollout_num=a.baseline_rollout_num, checkpoint_every=10 ** 9, eval_every=10 ** 9,
        eval_samples=min(500, a.eval_samples))


def job(name: str, settings: dict, train, test, a, oracle, **extra) -> TrainingJob:
    """The inputs of one training stage of model `name`, as `leakgan pretrain` / `leakgan adversarial` build them
    (no validation split: every model trains on all of `train` and reports its last epoch)."""
    return TrainingJob(spec=registry.get(name), settings=settings, vocab={"size": VOCAB, "pad_id": None}, train=train,
                       test=test, seed=a.seed, device=torch.device("cpu"), oracle=oracle, **extra)


def train_stages(name: str, settings: dict, train, test, oracle, a, folder: Path, on_point=None):
    """Every training stage of a registered model through its trainers, each stage from the previous one's checkpoint
    (saved in `folder`, as the workflow passes it); the model after each stage, the last stage's curve, the seconds
    each stage took."""
    spec = registry.get(name)
    models, seconds, ckpt, path, curve = [], [], None, None, []
    for stage in spec.stages:
        stage_job = job(name, settings, train, test, a, oracle, pretrained=ckpt, pretrained_path=path,
                        checkpoint_dir=folder / f"{name}-{stage}-ckpt", on_point=on_point)
        t = time.time()
        ckpt, curve = spec.trainer(stage)(stage_job)
        seconds.append(time.time() - t)
        path = folder / f"{name}-{stage}.pt"
        save_torch(path, ckpt)
        models.append(spec.load(ckpt))
    return models, curve, seconds


def last_point(curve: list[dict]) -> str:
    return json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in curve[-1].items()})


def train_baseline(name, settings, train, test, oracle, a, folder: Path):
    """Both stages of a baseline as `leakgan pretrain` / `leakgan adversarial` run them; the trained G and timings."""
    (pre, adv), metrics, (t_pre, t_adv) = train_stages(name, settings.to_dict(), train, test, oracle, a, folder)
    log(f"  pretrained in {t_pre:.0f} s, adversarial in {t_adv:.0f} s; last: {last_point(metrics)}")
    return pre, adv, t_pre, t_adv


def main():
    """Train and score every row, then print the table."""
    a = parse_args()
    torch.set_num_threads(a.threads)
    a.gen_batch = base_block("leakgan")["gen_batch"]
    start = time.time()
    oracle, what, train, test = load_data(a)
    log(f"data: {what}{f' {shown(Path(a.oracle))}' if what == 'standard oracle' else ''}; {a.num_train} train + "
        f"{a.num_test} test sequences, length {SEQ_LEN}, vocab {VOCAB} (drawn in {time.time() - start:.0f} s)")
    if a.calibrate:
        calibrate(a, oracle, train, test)
        return
    s = leakgan_settings(a)
    pre_g_epochs = s.pretrain_rounds * s.pretrain_g_epochs
    adv_mle_epochs = s.adversarial_epochs // s.mle_every
    mle_epochs = a.mle_epochs if a.mle_epochs is not None else pre_g_epochs + adv_mle_epochs
    dis = ("Table 7 (windows 1..10,15,20; 1,720 filters)" if a.table7_d else
           f"REDUCED vs Table 7: windows {s.filter_sizes}, filters {s.num_filters} "
           f"({sum(s.num_filters)} features; Table 7 has 12 windows, 1,720)")
    m = mle_settings(mle_epochs)

    log("=" * 100)
    log(f"synthetic-20, {what} — MLE, SeqGAN, SeqGAN (rescaled), RankGAN and LeakGAN (reduced schedule; NOT the "
        "paper's full schedule)"
        + ("  [SMOKE: tiny sizes, the numbers mean nothing]" if a.smoke else ""))
    log(f"seed {a.seed} (every stage's stream derived from it); torch threads {torch.get_num_threads()}; device cpu")
    log(f"oracle NLL on {a.eval_samples:,} samples per row (paper: 10,000), same stream 'bench-eval' for every row; "
        f"NLL-test on all {a.num_test:,} test sequences")
    log(f"MLE baseline: emb {m['emb_dim']}, hidden {m['hidden_dim']}, batch {m['batch_size']}, Adam lr {m['lr']}, "
        f"clip {m['grad_clip']}; {mle_epochs} epochs (config.yaml: {base_block('mle')['epochs']}); "
        f"sampled at α = {ALPHA_MLE}")
    log(f"LeakGAN G: emb {s.emb_dim}, hidden {s.hidden_dim}, goal k {s.goal_size}, c {s.step_size}, batch {s.batch_size}, "
        f"Adam lr {s.lr}, clip {s.grad_clip}; train α {s.train_temperature}, negatives/eval α {s.temperature}")
    log(f"LeakGAN D: emb {s.dis_emb_dim}, {dis}; dropout {s.dropout}, L2 {s.l2_reg}, batch {s.dis_batch_size}, "
        f"Adam lr {s.dis_lr}")
    log(f"pretraining: {s.pretrain_rounds} rounds × (D: {s.pretrain_d_steps} × {s.num_negatives:,} fresh negatives × "
        f"{s.d_epochs} epochs; G: {s.pretrain_g_epochs} MLE epochs)  = {pre_g_epochs} G MLE epochs  "
        f"(authors: 10 × (5 × 10,000 × 3; 8) = 80)")
    log(f"adversarial: {s.adversarial_epochs} epochs × (G: {s.g_steps} step, {s.rollout_num} rollouts, δ {s.delta}; "
        f"D: {s.d_steps} × {s.num_negatives:,} negatives × {s.d_epochs} epochs), one MLE epoch every {s.mle_every} "
        f"(= {adv_mle_epochs} more G MLE epochs)  (authors: 800 epochs, D 5 × 10,000 × 3)")
    log(f"generator MLE epochs: LeakGAN {pre_g_epochs} (pretraining) + {adv_mle_epochs} (interleaved) = "
        f"{pre_g_epochs + adv_mle_epochs}; MLE baseline {mle_epochs}")
    if not a.skip_baselines:
        log(f"baselines (SeqGAN, SeqGAN rescaled δ 12, RankGAN γ 1): the MLE LSTM (emb {m['emb_dim']}, hidden "
            f"{m['hidden_dim']}), {pre_g_epochs} MLE epochs, critic = the same reduced D; {s.pretrain_rounds * s.pretrain_d_steps}"
            f" critic pretraining steps; {s.adversarial_epochs} adversarial epochs × (1 REINFORCE step with "
            f"{a.baseline_rollout_num} rollouts per token; {s.d_steps} critic steps); papers: 120 MLE epochs, 50 critic "
            "steps, 200 epochs × (1; 5)")
    log("=" * 100)

    import math
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="synthetic-quality-"))
    steps_per_epoch = math.ceil(a.num_train / base_block("mle")["batch_size"])
    rows: list[dict] = []
    log("\n[1/7] real data (oracle samples)")
    score("Real (oracle samples)", oracle, None, oracle, test, a, rows)

    log(f"\n[2/7] MLE baseline: {mle_epochs} epochs")
    t = time.time()
    (mle_model,), _, _ = train_stages("mle", m, train, test, oracle, a, folder)
    wall = time.time() - t
    log(f"  trained in {wall:.0f} s")
    budget = f"{mle_epochs} ep, {mle_epochs * steps_per_epoch} upd, {wall:.0f} s"
    score("MLE", mle_model, ALPHA_MLE, oracle, test, a, rows, "default", budget=budget)
    score("MLE", mle_model, ALPHA_LEAKGAN, oracle, test, a, rows, "matched", rows[-1]["nll_test"])
    del mle_model

    if not a.skip_baselines:
        for i, (name, label) in enumerate(BASELINES, start=3):
            log(f"\n[{i}/7] {label}: {pre_g_epochs} MLE epochs, then {s.adversarial_epochs} adversarial epochs")
            settings = baseline_settings(name, a, s, pre_g_epochs)
            pre, adv, t_pre, t_adv = train_baseline(name, settings, train, test, oracle, a, folder)
            updates = pre_g_epochs * steps_per_epoch + settings.adversarial_epochs * settings.g_steps
            score(f"{label} after pretraining", pre, ALPHA_MLE, oracle, test, a, rows, "default",
                  budget=f"{pre_g_epochs} ep, {pre_g_epochs * steps_per_epoch} upd, {t_pre:.0f} s")
            score(label, adv, ALPHA_MLE, oracle, test, a, rows, "default",
                  budget=f"{pre_g_epochs}+{settings.adversarial_epochs} ep, {updates} upd, {t_pre + t_adv:.0f} s")
            score(label, adv, ALPHA_LEAKGAN, oracle, test, a, rows, "matched", rows[-1]["nll_test"])

    log(f"\n[{6 if not a.skip_baselines else 3}/7] LeakGAN pretraining: {pre_g_epochs} G epochs, then "
        f"[{7 if not a.skip_baselines else 4}/7] adversarial training: {s.adversarial_epochs} epochs")
    t = time.time()

    def progress(point: dict) -> None:
        """A line every 10 adversarial epochs and after the last."""
        epoch = point["epoch"]
        if point.get("phase") == "adversarial" and (epoch % 10 == 0 or epoch == s.adversarial_epochs):
            log(f"  epoch {epoch:4d}  mean reward {point['mean_reward']:.3f}  D loss {point['d_loss']:.3f}  "
                f"({time.time() - t:.0f} s)")

    # As `leakgan pretrain --model leakgan`, then `leakgan adversarial` from its checkpoint (D's Adam carries over).
    (pretrained, model), adv_metrics, (t_pre, t_adv) = train_stages("leakgan", s.to_dict(), train, test, oracle, a,
                                                                     folder, on_point=progress)
    log(f"  pretrained in {t_pre:.0f} s, adversarial training in {t_adv:.0f} s; last: {last_point(adv_metrics)}")
    score("LeakGAN after pretraining", pretrained, ALPHA_LEAKGAN, oracle, test, a, rows, "default",
          budget=f"{pre_g_epochs} ep, {pre_g_epochs * steps_per_epoch} upd, {t_pre:.0f} s")
    score("LeakGAN after pretraining", pretrained, ALPHA_MLE, oracle, test, a, rows, "matched", rows[-1]["nll_test"])
    updates = (pre_g_epochs + adv_mle_epochs) * steps_per_epoch + s.adversarial_epochs * s.g_steps
    score("LeakGAN after adversarial", model, ALPHA_LEAKGAN, oracle, test, a, rows, "default",
          budget=f"{pre_g_epochs}+{s.adversarial_epochs} ep, {updates} upd, {t_pre + t_adv:.0f} s")
    score("LeakGAN after adversarial", model, ALPHA_MLE, oracle, test, a, rows, "matched", rows[-1]["nll_test"])

    # ------------------------------------------------------------------ table
    log("\n" + "=" * 100)
    log(f"RESULTS  synthetic-20, {what}, seed {a.seed}; oracle NLL on {a.eval_samples:,} samples/row; "
        f"NLL-test on {a.num_test:,} test sequences")
    log(f"{'model':<30}{'α':>8}{'setting':>10}{'oracle NLL':>13}{'NLL-test':>11}{'paper (T1)':>12}  budget (G)")
    log("-" * 120)
    for r in rows:
        alpha = "-" if r["alpha"] is None else f"{r['alpha']:.4f}"
        paper = ""
        if r["note"] == "default" or r["alpha"] is None:
            key = "Real" if r["alpha"] is None else ("LeakGAN" if r["name"] == "LeakGAN after adversarial"
                                                      else r["name"] if r["name"] in PAPER else None)
            paper = f"{PAPER[key]:.3f}" if key else ""
        log(f"{r['name']:<30}{alpha:>8}{r['note']:>10}{r['oracle_nll']:>13.3f}{r['nll_test']:>11.3f}{paper:>12}"
            f"  {r.get('budget', '')}")
    log("-" * 120)
    log("default: each model at its own α (MLE and the baselines 1.0, LeakGAN 0.6667 = logits × 1.5). matched: the")
    log("other α, so that every model is compared at α = 1.0 and at α = 0.6667. NLL-test does not depend on α (α = 1).")
    log("budget (G): generator epochs (MLE + adversarial), generator updates (MLE steps + policy-gradient steps),")
    log("wall time of the model's training (pretraining + adversarial; D steps included).")
    by = {(r["name"], r["alpha"]): r["oracle_nll"] for r in rows}
    log("\nmatched comparisons (oracle NLL):")
    for alpha in (ALPHA_MLE, ALPHA_LEAKGAN):
        parts = [f"MLE {by[('MLE', alpha)]:.3f}"]
        parts += [f"{label} {by[(label, alpha)]:.3f}" for _, label in BASELINES if (label, alpha) in by]
        parts += [f"LeakGAN pretrained {by[('LeakGAN after pretraining', alpha)]:.3f}",
                  f"LeakGAN adversarial {by[('LeakGAN after adversarial', alpha)]:.3f}"]
        log(f"  α = {alpha:.4f}:  " + "   ".join(parts))
    log(f"\ntotal wall time: {time.time() - start:.0f} s ({(time.time() - start) / 60:.1f} min)")


if __name__ == "__main__":
    main()
