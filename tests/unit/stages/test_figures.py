"""`leakgan figures`: the paper's Figures 3-5 of one seed's files, skipped or refused with one line."""
from __future__ import annotations

import math

import numpy as np
import torch

from leakgan.cli import main
from leakgan.io import save_torch, write_tokens, write_vocab
from leakgan.models.leakgan import LeakGANModel
from leakgan.report import paper_figures as figures
from tests.unit.report.test_paper_figures import C, T, V, tiny

torch.set_num_threads(1)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEED = 7


def make_run(root, text: bool = True):
    """results/<dataset>/ with data, a LeakGAN checkpoint and every model's samples of seed SEED."""
    dataset = root / ("tiny-text" if text else "tiny-synthetic")
    gen = torch.Generator().manual_seed(11)

    def sentences(n):
        ids = torch.randint(1, V, (n, T), generator=gen)
        if text:  # each row: 2..T words, then padding (id 0)
            lengths = torch.randint(2, T + 1, (n,), generator=gen)
            ids[torch.arange(T)[None, :] >= lengths[:, None]] = 0
        return ids

    words = ["<pad>"] + [f"w{i}" for i in range(1, V)]
    write_vocab(dataset / "data" / "vocab.json", V, words if text else None, 0 if text else None, T)
    write_tokens(dataset / "data" / "test.txt", sentences(40).tolist())
    save_torch(dataset / f"seed{SEED}" / "leakgan" / "adversarial.pt", tiny().checkpoint("leakgan", {}, 0 if text else None))
    for model in ("mle", "seqgan", "rankgan", "leakgan"):
        write_tokens(dataset / f"seed{SEED}" / model / "samples.ids.txt", sentences(120).tolist())
    (dataset / "seed3").mkdir()  # a lower seed without LeakGAN: not the default
    return dataset


def spy(monkeypatch, name: str) -> list:
    """Record the data each call of figures.<name> gets, and still draw."""
    calls, real = [], getattr(figures, name)

    def record(data, path, dataset, seed, *labels):
        calls.append((data, path, dataset, seed))
        real(data, path, dataset, seed, *labels)

    monkeypatch.setattr(figures, name, record)
    return calls


def test_cli_draws_the_three_figures_of_a_text_run(tmp_path, monkeypatch, capsys):
    dataset = make_run(tmp_path)
    calls = {n: spy(monkeypatch, n) for n in ("plot_bleu_gain", "plot_feature_traces", "plot_worker_manager")}
    out = tmp_path / "report"
    assert main(["figures", str(dataset), "--out", str(out), "--min-count", "5", "--bleu-n", "2"]) == 0
    for n in (3, 4, 5):
        assert (out / f"figure{n}.png").read_bytes()[:8] == PNG_MAGIC
    assert not list(out.glob(".*.part"))  # nothing half-written left beside them

    (gain, _, name, seed), = calls["plot_bleu_gain"]
    assert (name, seed) == ("tiny-text", SEED)
    # the figure's numbers on stderr (the workflow's log of the figure)
    assert capsys.readouterr().err.splitlines() == figures.gain_table(gain, "tiny-text", SEED).splitlines()
    assert list(gain.curves) == ["seqgan", "rankgan"] and gain.n == 2 and gain.min_count == 5
    assert gain.counts == {"leakgan": 120, "seqgan": 120, "rankgan": 120}
    assert all(b.leakgan_count >= 5 and b.baseline_count >= 5 for bs in gain.curves.values() for b in bs)
    assert all(math.isfinite(b.gain) for bs in gain.curves.values() for b in bs)

    (traces, _, _, _), = calls["plot_feature_traces"]
    assert list(traces.traces) == ["mle", "seqgan", "rankgan", "leakgan"]  # LeakGAN last, drawn on top
    assert all(t.shape == (3, T, 2) for t in traces.traces.values()) and traces.real.shape == (40, 2)

    (product, _, _, _), = calls["plot_worker_manager"]
    row = (dataset / f"seed{SEED}" / "leakgan" / "samples.ids.txt").read_text().splitlines()[product.row]
    ids = [int(t) for t in row.split()]
    length = ids.index(0) if 0 in ids else T
    assert product.tokens == [f"w{i}" for i in ids[:length]] and product.step_size == C
    model = LeakGANModel.from_checkpoint(torch.load(dataset / f"seed{SEED}" / "leakgan" / "adversarial.pt"))
    assert np.allclose(product.values, figures.worker_manager_product(model, torch.tensor(ids))[:length])

    # the same draw twice: the same bytes
    again = tmp_path / "again"
    assert main(["figures", str(dataset), "--out", str(again), "--min-count", "5", "--bleu-n", "2"]) == 0
    assert all((again / f"figure{n}.png").read_bytes() == (out / f"figure{n}.png").read_bytes() for n in (3, 4, 5))


def test_cli_skips_figure_3_on_synthetic_data_with_one_line(tmp_path, capsys):
    dataset = make_run(tmp_path, text=False)
    out = tmp_path / "report"
    assert main(["figures", str(dataset), "--out", str(out), "--traces", "2"]) == 0
    err = capsys.readouterr().err
    assert err == "leakgan figures: Figure 3 skipped: tiny-synthetic is synthetic; Figure 3 needs real text\n"
    assert not (out / "figure3.png").exists()
    assert (out / "figure4.png").read_bytes()[:8] == PNG_MAGIC
    assert (out / "figure5.png").read_bytes()[:8] == PNG_MAGIC
    assert main(["figures", str(dataset), "--figure", "3", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        "leakgan figures: error: Figure 3 needs real text and samples of LeakGAN and of seqgan or seqgan_rescaled or "
        "rankgan; got synthetic data and models mle, leakgan, seqgan, rankgan\n")


def test_cli_skips_figure_3_without_a_baseline(tmp_path, capsys):
    dataset = make_run(tmp_path)
    out = tmp_path / "report"
    assert main(["figures", str(dataset), "--models", "mle,leakgan", "--out", str(out), "--traces", "1"]) == 0
    assert capsys.readouterr().err == (
        "leakgan figures: Figure 3 skipped: Figure 3 needs the samples of LeakGAN and of a baseline "
        f"(seqgan, seqgan_rescaled, rankgan) in {dataset / f'seed{SEED}'}\n")
    assert sorted(p.name for p in out.iterdir()) == ["figure4.png", "figure5.png"]


def test_cli_names_a_missing_file_and_its_target(tmp_path, capsys):
    dataset = make_run(tmp_path)
    missing = dataset / f"seed{SEED}" / "rankgan" / "samples.ids.txt"
    missing.unlink()
    code = main(["figures", str(dataset), "--figure", "4", "--models", "mle,rankgan,leakgan",
                 "--out", str(tmp_path / "o")])
    assert code == 2
    assert capsys.readouterr().err == (
        f"leakgan figures: error: {missing}: not found; make it with "
        f"`snakemake --cores 1 -- results/tiny-text/seed{SEED}/rankgan/samples.ids.txt`\n")
    (dataset / f"seed{SEED}" / "leakgan" / "adversarial.pt").unlink()
    assert main(["figures", str(dataset), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == (
        f"leakgan figures: error: {dataset}: no seed<k> folder holds leakgan/adversarial.pt; make it with "
        "`snakemake --cores 1 -- results/tiny-text/seed<k>/leakgan/adversarial.pt` (or give --seed)\n")
    assert not (tmp_path / "o").exists()
