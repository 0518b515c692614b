"""The full study's cost on paper: wall time of every training chain on 2 CPU cores, on one GPU, on N GPUs.

Run from the repository root:
    python benchmarks/study_cost.py                        # benchmarks/study_times.json, 3 seeds
    python benchmarks/study_cost.py --times my_gpu.json --gpu h100 --chain-speedup 1=1,2=1.7,4=2.6,8=3.1
    python benchmarks/study_cost.py --smoke                # the same table (nothing here is slow)

The study: Table 1 at lengths 20 and 40 (synthetic-20, synthetic-40) and the
text experiments on COCO and WMT News (`coco`, `wmt`), each with the five
models (mle, seqgan, seqgan_rescaled, rankgan, leakgan) and 3 seeds: 60
chains. A chain is one (dataset, model, seed): its pretraining, adversarial
training and evaluation, which run one after the other.

Inputs. `--times` (JSON) holds measured seconds per device (`devices.<name>`)
and model and dataset kind: per pretraining epoch (one pass of G over the
training set), per D step (10,000 fresh negatives + 3 epochs of D, or of
RankGAN's ranker), per adversarial epoch (generator step + 5 D steps) and per
evaluation (10,000 samples drawn and scored), each with the `source` it was
measured with; entries that are not measurements carry `"estimate": true` and
say how they were derived. `benchmarks/stage_times.py` writes such blocks.
The schedule (how many of each) comes from config.yaml at the paper's scale.

Where a dataset kind has no entry, it is derived from the model's
synthetic-20 entry and marked as an estimate: a pretraining epoch scales with
the training tokens (training sentences × length, relative to 10,000 × 20);
D steps, adversarial epochs and evaluations work on a fixed 10,000 sequences
and scale with the length alone (so length 40 is 2× length 20, and News'
pretraining epoch 51× synthetic-20's). Every number printed with `*` rests
on at least one such estimate.

Totals. 2 CPU cores run one chain at a time (the sum). A GPU running K chains
at once delivers `--chain-speedup` K times the work of one chain (aggregate
throughput; the default table is an assumption until measured, and says so);
N GPUs × K chains are N·K slots, each running at speed(K)/K, filled
longest chain first, so the wall time never falls below the longest chain.
Not counted: data preparation (oracle, corpus passes, downloads), start-up of
each job, checkpoint writes, the report.
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leakgan import registry  # noqa: E402  (imports nothing heavy)
from leakgan.config.schema import fill_presets  # noqa: E402

DATASETS = ("synthetic-20", "synthetic-40", "coco", "wmt")
MODELS = ("mle", "seqgan", "seqgan_rescaled", "rankgan", "leakgan")
REFERENCE = "synthetic-20"
ASSUMED_SPEEDUP = {1: 1.0, 2: 1.6, 4: 2.4, 8: 3.0}
QUANTITIES = ("pretrain_epoch", "d_step", "adversarial_epoch", "evaluation")


def points(epochs: int, every: int) -> int:
    """Evaluations in epochs 1..`epochs`: every `every`-th epoch and the last."""
    if epochs <= 0:
        return 0
    return len({e for e in range(1, epochs + 1) if (every and e % every == 0) or e == epochs})


def dataset_shape(config: dict, name: str) -> dict:
    """Length, training sentences and type of a dataset block of config.yaml."""
    block = config["datasets"][name]
    seq_len = block["seq_len"] if block["type"] == "synthetic" else block["max_len"]
    num_train = block["num_train"]
    if num_train == "all":
        raise SystemExit(f"study_cost: dataset {name}: num_train 'all' has no size on paper; give a number")
    return {"type": block["type"], "seq_len": int(seq_len), "num_train": int(num_train)}


def schedule(config: dict, dataset: str, model: str) -> dict:
    """How many of each unit one chain of `model` on `dataset` runs, from config.yaml (paper scale)."""
    kind = config["datasets"][dataset]["type"]
    block = {**config[model], **(config["datasets"][dataset].get(model) or {})}
    final = 1 + len(config["evaluate"]["temperatures"])  # the model's own samples + the frontier's α
    if model == "mle":
        return {"pretrain_epochs": block["epochs"], "d_steps": 0, "adversarial_epochs": 0,
                "evaluations": 1 + points(block["epochs"], block["eval_every"]) + final}
    if model == "leakgan":
        block = fill_presets(block, kind, registry.get(model).schema)
        if float(block["temperature"]) != float(config["evaluate"]["matched_temperature"]):
            final += 1  # the *_matched samples
        pre = block["pretrain_rounds"] * block["pretrain_g_epochs"]
        adv = block["adversarial_epochs"]
        interleaved = adv // block["mle_every"] if block["mle_every"] else 0
        return {"pretrain_epochs": pre + interleaved, "d_steps": block["pretrain_rounds"] * block["pretrain_d_steps"],
                "adversarial_epochs": adv,
                "evaluations": points(pre, block["eval_every"]) + points(adv, block["eval_every"]) + final}
    pre, adv = block["pretrain_epochs"], block["adversarial_epochs"]
    return {"pretrain_epochs": pre, "d_steps": block["pretrain_d_steps"], "adversarial_epochs": adv,
            "evaluations": 1 + points(pre, block["eval_every"]) + points(adv, block["eval_every"]) + final}


def unit_times(times: dict, device: str, model: str, dataset: str, shapes: dict) -> tuple[dict, list[str]]:
    """Seconds of each unit for (device, model, dataset) and the notes on estimates; scaled from the
    reference kind when the dataset has no entry of its own."""
    try:
        by_kind = times["devices"][device]["models"][model]
    except KeyError:
        raise SystemExit(f"study_cost: the times file has no entries for device {device!r}, model {model!r}") from None
    notes = []
    if dataset in by_kind:
        entries, factors = by_kind[dataset], {q: 1.0 for q in QUANTITIES}
    elif REFERENCE in by_kind:
        entries = by_kind[REFERENCE]
        ref, shape = shapes[REFERENCE], shapes[dataset]
        tokens = shape["num_train"] * shape["seq_len"] / (ref["num_train"] * ref["seq_len"])
        length = shape["seq_len"] / ref["seq_len"]
        factors = {"pretrain_epoch": tokens, "d_step": length, "adversarial_epoch": length, "evaluation": length}
        notes.append(f"{dataset} scaled from {REFERENCE}: pretraining epoch × {tokens:.3g} (training tokens), "
                     f"the rest × {length:.3g} (length)")
    else:
        raise SystemExit(f"study_cost: no {dataset} or {REFERENCE} entry for {device}/{model}")
    out = {}
    for q in QUANTITIES:
        if q not in entries:
            out[q] = 0.0
            continue
        entry = entries[q]
        out[q] = float(entry["seconds"]) * factors[q]
        if entry.get("estimate"):
            notes += (entry.get("basis") or entry.get("source") or f"{q}: no source given").split("; ")
    return out, notes


def chain_seconds(units: dict, sched: dict) -> float:
    return (sched["pretrain_epochs"] * units["pretrain_epoch"] + sched["d_steps"] * units["d_step"]
            + sched["adversarial_epochs"] * units["adversarial_epoch"] + sched["evaluations"] * units["evaluation"])


def makespan(chains: list[float], slots: int, slot_speed: float) -> float:
    """Wall time of `chains` (seconds at full speed) on `slots` slots each running at `slot_speed`:
    longest chain first onto the least-loaded slot."""
    loads = [0.0] * max(1, slots)
    heapq.heapify(loads)
    for t in sorted(chains, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + t / slot_speed)
    return max(loads)


def parse_speedup(text: str) -> dict[int, float]:
    table = {}
    for item in text.split(","):
        k, _, v = item.partition("=")
        table[int(k)] = float(v)
    if 1 not in table:
        table[1] = 1.0
    return dict(sorted(table.items()))


def fmt_hours(hours: float) -> str:
    return f"{hours:,.1f} h" + (f" ({hours / 24:,.1f} days)" if hours >= 48 else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--times", default=str(ROOT / "benchmarks" / "study_times.json"))
    ap.add_argument("--config", default=str(ROOT / "config.yaml"))
    ap.add_argument("--cpu", default="cpu-2core", help="device key of the CPU times")
    ap.add_argument("--gpu", default="h200", help="device key of the GPU times")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--seeds", type=int, default=3, help="training chains per (dataset, model)")
    ap.add_argument("--chain-speedup", default=None,
                    help="K=throughput of K chains on one GPU relative to one, e.g. 1=1,2=1.6,4=2.4,8=3.0 "
                         "(default: the times file's measured table for the GPU, else that assumption)")
    ap.add_argument("--gpus", default="1,2,4,8", help="GPU counts N for the N-GPU totals")
    ap.add_argument("--json", default=None, help="write the numbers here")
    ap.add_argument("--smoke", action="store_true", help="the same table: this script measures nothing")
    a = ap.parse_args(argv)

    times = json.loads(Path(a.times).read_text())
    config = yaml.safe_load(Path(a.config).read_text())
    datasets, models = a.datasets.split(","), a.models.split(",")
    shapes = {name: dataset_shape(config, name) for name in {*datasets, REFERENCE}}
    measured = times.get("devices", {}).get(a.gpu, {}).get("chain_speedup")
    if a.chain_speedup:
        speedup, speedup_note = parse_speedup(a.chain_speedup), "given with --chain-speedup"
    elif measured:
        speedup = {int(k): float(v) for k, v in measured["table"].items()}
        speedup_note = f"measured: {measured['source']}"
    else:
        speedup = dict(ASSUMED_SPEEDUP)
        speedup_note = "ASSUMED, not measured (no chain_speedup in the times file); give --chain-speedup"
    gpu_counts = [int(n) for n in a.gpus.split(",")]
    labels = {dev: times["devices"][dev].get("label", dev) for dev in (a.cpu, a.gpu) if dev in times["devices"]}

    rows, notes = [], {}  # device -> reason -> the building blocks and the rows it applies to
    for dataset in datasets:
        for model in models:
            sched = schedule(config, dataset, model)
            row = {"dataset": dataset, "model": model, "seeds": a.seeds, "schedule": sched}
            for dev, key in ((a.cpu, "cpu"), (a.gpu, "gpu")):
                units, why = unit_times(times, dev, model, dataset, shapes)
                row[f"{key}_units"] = units
                row[f"{key}_hours"] = chain_seconds(units, sched) / 3600
                row[f"{key}_estimate"] = bool(why)
                row[f"{key}_estimate_reasons"] = why
                for reason in why:
                    block, sep, text = reason.partition(": ")
                    if not sep or not block.isidentifier():
                        block, text = "", reason
                    note = notes.setdefault(dev, {}).setdefault(text, {"blocks": [], "rows": []})
                    note["blocks"] += [block] if block and block not in note["blocks"] else []
                    note["rows"] += [f"{dataset}/{model}"] if f"{dataset}/{model}" not in note["rows"] else []
            rows.append(row)

    cpu_chains = [r["cpu_hours"] for r in rows for _ in range(r["seeds"])]
    gpu_chains = [r["gpu_hours"] for r in rows for _ in range(r["seeds"])]
    totals = {"chains": len(cpu_chains), "cpu_one_at_a_time_hours": sum(cpu_chains),
              "gpu_longest_chain_hours": max(gpu_chains), "gpu": {}}
    for n in gpu_counts:
        for k, s in speedup.items():
            totals["gpu"][f"{n}x{k}"] = makespan(gpu_chains, n * k, s / k)

    star = lambda flag: "*" if flag else " "  # noqa: E731
    cpu_label, gpu_label = labels.get(a.cpu, a.cpu), labels.get(a.gpu, a.gpu)
    if a.smoke:
        print("smoke: the same computation as a full run (it reads times, it measures nothing)")
    print(f"The full study: {len(datasets)} datasets × {len(models)} models × {a.seeds} seeds = "
          f"{len(cpu_chains)} chains (times: {a.times})")
    print(f"CPU: {a.cpu} ({cpu_label}); GPU: {a.gpu} ({gpu_label})")
    print()
    head = (f"{'dataset':<13} {'model':<16} {'pre ep':>6} {'D pre':>5} {'adv ep':>6} {'evals':>5} "
            f"{'CPU h/chain':>12} {'GPU h/chain':>12} {'CPU h, all seeds':>17}")
    print(head)
    print("-" * len(head))
    for r in rows:
        s = r["schedule"]
        print(f"{r['dataset']:<13} {r['model']:<16} {s['pretrain_epochs']:>6} {s['d_steps']:>5} "
              f"{s['adversarial_epochs']:>6} {s['evaluations']:>5} "
              f"{r['cpu_hours']:>11.1f}{star(r['cpu_estimate'])} {r['gpu_hours']:>11.2f}{star(r['gpu_estimate'])} "
              f"{r['cpu_hours'] * r['seeds']:>16.1f}{star(r['cpu_estimate'])}")
    print("-" * len(head))
    print("* rests on at least one estimate (see the notes below); pre ep: pretraining epochs (LeakGAN: incl. its "
          "interleaved MLE epochs), D pre: D pretraining steps, evals: evaluations incl. the final ones")
    print()
    print(f"Wall time of the whole study ({len(cpu_chains)} chains):")
    print(f"  {'2 CPU cores, one chain at a time:':<44}{fmt_hours(totals['cpu_one_at_a_time_hours'])}")
    for k, s in speedup.items():
        label = f"1 GPU, {k} chain{'s' if k > 1 else ''} at once (x{s:g} throughput):"
        print(f"  {label:<44}{fmt_hours(totals['gpu'][f'1x{k}'])}")
    print()
    print(f"  N GPUs × K chains per GPU, wall hours (longest single chain {totals['gpu_longest_chain_hours']:.2f} h):")
    print("  " + "N \\ K".rjust(6) + "".join(f"{k:>10}" for k in speedup))
    for n in gpu_counts:
        print("  " + f"{n:>6}" + "".join(f"{totals['gpu'][f'{n}x{k}']:>10.1f}" for k in speedup))
    print()
    print("each of K chains on a GPU runs at speed(K)/K of a lone chain, also when fewer are left at the end "
          "(a pessimistic tail)")
    print(f"chains per GPU: throughput multiplier {', '.join(f'K={k}: {s:g}' for k, s in speedup.items())} "
          f"({speedup_note})")
    print("length 40 and the text datasets: a missing entry is scaled from synthetic-20 (pretraining epoch by "
          "training tokens, the rest by length); measured entries are used as they are")
    for dev, reasons in notes.items():
        print(f"estimates in the {dev} numbers (reason: rows):")
        for reason, note in reasons.items():
            where = note["rows"]
            shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
            blocks = f" [{', '.join(note['blocks'])}]" if note["blocks"] else ""
            print(f"  - {reason}{blocks}: {shown}")
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "totals": totals, "chain_speedup": speedup,
                                            "chain_speedup_source": speedup_note, "notes": notes},
                                           indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
