"""Corpus-stage throughput: `leakgan prepare` on a 2,000,000-line raw news file.

The file is built in a temporary folder by sampling news_sentences.txt with a
seed; the stage runs as a child process with the paper's WMT settings
(length 20..51, 200,000 / 10,000 sentences) except min_freq: the file repeats
10,000 sentences, so the threshold is 10 per 10,000 lines (2,000 for 2M
lines; it keeps about a third of the lines, like the paper's WMT), so its peak
memory (ru_maxrss of the child) is the stage's own. The same stage with the
Hugging Face pre-tokenizer (`engine: hf`) runs on a smaller slice for the ratio.

    .venv/bin/python benchmarks/prepare_throughput.py [--data ../shared/data] [--lines 2000000] [--hf-lines 200000]
    .venv/bin/python benchmarks/prepare_throughput.py --smoke    # 4,000 / 2,000 lines: both engines in seconds
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WMT = {"type": "text", "format": "text", "pre_tokenizer": "whitespace_split",
       "min_len": 20, "max_len": 51, "num_train": 200000, "num_test": 10000}
# --smoke: both engines at sizes that take seconds (explicit options still win).
SMOKE = dict(lines=4000, hf_lines=2000)


def build(source: Path, out: Path, lines: int, seed: int) -> None:
    """Write `lines` lines drawn with replacement from `source`."""
    with open(source, encoding="utf-8") as handle:
        pool = [line.rstrip("\n") for line in handle if line.strip()]
    rng = random.Random(seed)
    with open(out, "w", encoding="utf-8") as handle:
        for start in range(0, lines, 100000):
            handle.write("\n".join(rng.choices(pool, k=min(100000, lines - start))) + "\n")


def run_stage(source: Path, out_dir: Path, settings: dict, threads: int) -> tuple[float, float, float, dict]:
    """Run `leakgan prepare` in a child; return (seconds, CPU seconds, peak MiB of one process, stats)."""
    argv = [sys.executable, "-m", "leakgan.cli", "prepare", "--dataset", "bench", "--settings", json.dumps(settings),
            "--source", str(source), "--seed", "0", "--out-dir", str(out_dir), "--threads", str(threads), "--no-progress"]
    start = time.perf_counter()
    # A fresh interpreter per run so RUSAGE_CHILDREN's maximum is this run's alone.
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
             "u = resource.getrusage(resource.RUSAGE_CHILDREN); print(u.ru_maxrss, u.ru_utime + u.ru_stime)")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"leakgan prepare failed:\n{done.stderr}")
    seconds = time.perf_counter() - start
    # Linux reports KiB; with --threads > 1 this is the largest single process (main or a worker).
    maxrss, cpu = done.stdout.split()
    return seconds, float(cpu), int(maxrss) / 1024, json.loads((out_dir / "stats.json").read_text(encoding="utf-8"))


def main() -> int:
    """Run the stage with each engine on its own file and print the table and the ratio."""
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=root / ".." / "shared" / "data")
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--hf-lines", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="worker processes of the stage (default 2)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny files to check that every step runs; without the shared data, skip and exit 0")
    args = parser.parse_args()
    if args.smoke:
        parser.set_defaults(**SMOKE)
        args = parser.parse_args()
    news = args.data / "news" / "news_sentences.txt"
    if not news.is_file():
        if args.smoke:
            print("smoke: skipped, the shared data are absent (news/news_sentences.txt not found under --data)")
            return 0
        print("news/news_sentences.txt: not found; pass --data pointing at the shared data folder", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows = []
        for engine, lines in (("python", args.lines), ("hf", args.hf_lines)):
            raw = tmp / f"news-{lines}.txt"
            if not raw.exists():
                build(news, raw, lines, args.seed)
            settings = dict(WMT, engine=engine, min_freq=max(1, lines // 1000),
                            num_train=min(WMT["num_train"], lines // 20), num_test=min(WMT["num_test"], lines // 200))
            seconds, cpu, peak, stats = run_stage(raw, tmp / f"out-{engine}", settings, args.threads)
            rows.append((engine, lines, raw.stat().st_size / 2**20, seconds, lines / seconds, cpu, lines / cpu, peak,
                         stats["sentences"]["after_filters"], stats["vocabulary"]["size_with_pad"]))
    load = os.getloadavg()[0]
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"--threads {args.threads}, load average before the runs {load_before:.1f}, after {load:.1f}")
    # sent/s: lines of the raw file per wall-clock second; sent/cpu-s: per CPU second of all
    # processes (does not depend on what else the machine runs).
    print(f"{'engine':<8}{'lines':>10}{'MiB':>6}{'wall s':>8}{'sent/s':>10}{'cpu s':>8}{'sent/cpu-s':>12}"
          f"{'peak MiB':>10}{'kept':>10}{'vocab':>7}")
    for engine, lines, mib, seconds, rate, cpu, cpu_rate, peak, kept, vocab in rows:
        print(f"{engine:<8}{lines:>10,}{mib:>6.0f}{seconds:>8.1f}{rate:>10,.0f}{cpu:>8.1f}{cpu_rate:>12,.0f}"
              f"{peak:>10.0f}{kept:>10,}{vocab:>7,}")
    print(f"ratio python/hf: {rows[0][4] / rows[1][4]:.1f}x per wall second, {rows[0][6] / rows[1][6]:.1f}x per CPU second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
