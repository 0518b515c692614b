"""Training curves as TensorBoard scalars (the optional `tensorboard` extra: pip install ".[tensorboard]").

Every curve file under a dataset's results folder (results/<dataset>/seed<k>/<model>/<stage>.jsonl, the
finished ones and a running stage's `.part`) becomes one TensorBoard run, `<dataset>/seed<k>/<model>/<stage>`,
with one scalar per numeric field of its points (oracle_nll, nll_test, nll_valid, bleu2, losses, ...) at
step = the point's epoch. A training stage started with LEAKGAN_TENSORBOARD=DIR in its environment writes the
same scalars while it trains.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from leakgan.errors import UserError

ENV = "LEAKGAN_TENSORBOARD"  # a folder: training stages write their curve points there as they go
NOT_SCALARS = ("epoch", "round")


def summary_writer(folder: str | Path):
    """torch's SummaryWriter on `folder`, or one line saying how to install TensorBoard."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise UserError("TensorBoard is not installed; pip install \".[tensorboard]\" (or pip install tensorboard)") from None
    return SummaryWriter(log_dir=str(folder), flush_secs=10)


def scalars(point: dict) -> dict[str, float]:
    """The numeric fields of a curve point that TensorBoard can plot."""
    return {k: float(v) for k, v in point.items() if k not in NOT_SCALARS and isinstance(v, (int, float))
            and not isinstance(v, bool) and math.isfinite(v)}


def write_curve(writer, points: list[dict]) -> int:
    """Every point's scalars at step = its epoch; the number of scalars written."""
    count = 0
    for point in points:
        step = int(point.get("epoch", 0))
        for tag, value in scalars(point).items():
            writer.add_scalar(tag, value, step)
            count += 1
    return count


def curve_files(results: Path) -> list[tuple[str, Path]]:
    """(run name, curve file) of every training stage under a dataset's results folder (or results/ itself)."""
    found = []
    for path in sorted(results.rglob("*.jsonl*")):
        if not (path.name.endswith(".jsonl") or path.name.endswith(".jsonl.part")):
            continue
        relative = path.relative_to(results)
        if len(relative.parts) < 3 or not relative.parts[-3].startswith("seed"):
            continue
        stage = path.name.split(".jsonl")[0]
        if path.name.endswith(".part") and path.with_name(f"{stage}.jsonl").exists():
            continue  # a finished stage's curve supersedes a leftover live file
        dataset = results.name if len(relative.parts) == 3 else relative.parts[-4]
        found.append((f"{dataset}/{relative.parts[-3]}/{relative.parts[-2]}/{stage}", path))
    return found


def export(results: Path, out: Path) -> dict[str, int]:
    """Write every curve under `results` as TensorBoard event files in `out`; run name -> scalars written."""
    from leakgan.io import read_jsonl

    if not results.is_dir():
        raise UserError(f"{results}: no such results folder; give results/<dataset> (or results/)")
    runs = curve_files(results)
    if not runs:
        raise UserError(f"{results}: no training curves (seed<k>/<model>/<stage>.jsonl) in it; train a model first")
    written = {}
    for name, path in runs:
        writer = summary_writer(out / name)
        try:
            written[name] = write_curve(writer, read_jsonl(path))
        finally:
            writer.close()
    return written


class LiveCurve:
    """A training stage's curve points written to TensorBoard as they are recorded (LEAKGAN_TENSORBOARD)."""

    def __init__(self, metrics_path: str | Path):
        folder = os.environ.get(ENV)
        self.writer = None
        if folder:
            parts = Path(metrics_path).with_suffix("").parts[-4:]  # <dataset>/seed<k>/<model>/<stage>
            self.writer = summary_writer(Path(folder).joinpath(*parts))

    def point(self, point: dict) -> None:
        if self.writer is not None:
            write_curve(self.writer, [point])
            self.writer.flush()
