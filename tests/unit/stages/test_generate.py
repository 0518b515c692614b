"""`leakgan generate`: sentences from any trained model, seeded, at a temperature, with a forced prefix; clear errors."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from leakgan import registry
from leakgan.cli import main
from leakgan.eval.scores import format_lines
from leakgan.io import save_torch, write_tokens, write_vocab
from leakgan.seeding import torch_generator
from leakgan.train.leakgan import build_model
from leakgan.train.mle import train_mle
from tests.unit.helpers import mle_schedule, training_job

RUN = "seed42"  # the results folder of the default training seed

WORDS = ["<pad>", "a", "man", "dog", "runs", "the", "sits", "cat", "on", "mat"]
V, T = len(WORDS), 6
SYN_V, SYN_T = 12, 5
MLE_SETTINGS = {"emb_dim": 8, "hidden_dim": 8, "batch_size": 16, "lr": 0.02, "epochs": 1, "eval_every": 1,
                "curve_samples": 4, "grad_clip": 5.0, "temperature": 1.0}
LEAKGAN_TINY = dict(emb_dim=4, hidden_dim=4, goal_size=2, step_size=2, dis_emb_dim=4, filter_sizes=[1, 2],
                    num_filters=[2, 2])


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """results/txt (words; mle, rankgan and leakgan checkpoints) and results/syn (ids; mle) with tiny models."""
    root = tmp_path_factory.mktemp("generate") / "results"
    gen = torch.Generator().manual_seed(0)
    text = torch.randint(1, V, (48, T), generator=gen)
    text[::3, 4:] = 0  # some sentences are padded at the end
    model, _ = train_mle(training_job("mle", text, text, V, seed=0), mle_schedule(MLE_SETTINGS))
    ckpt = model.checkpoint("mle", MLE_SETTINGS, 0)
    save_torch(root / "txt" / RUN / "mle" / "pretrain.pt", ckpt)
    save_torch(root / "txt" / RUN / "rankgan" / "adversarial.pt", {**ckpt, "model": "rankgan"})  # another LSTM model
    settings = registry.get("leakgan").settings.defaults(**LEAKGAN_TINY)
    leakgan = build_model(settings, V, T, seed=0)
    save_torch(root / "txt" / RUN / "leakgan" / "adversarial.pt", leakgan.checkpoint("leakgan", settings.to_dict(), 0))
    write_vocab(root / "txt" / "data" / "vocab.json", V, WORDS, 0, T)

    synthetic = torch.randint(0, SYN_V, (48, SYN_T), generator=gen)
    model, _ = train_mle(training_job("mle", synthetic, synthetic, SYN_V, seed=0), mle_schedule(MLE_SETTINGS))
    save_torch(root / "syn" / RUN / "mle" / "pretrain.pt", model.checkpoint("mle", MLE_SETTINGS, None))
    write_vocab(root / "syn" / "data" / "vocab.json", SYN_V, None, None, SYN_T, source="oracle")
    write_tokens(root / "syn" / RUN / "mle" / "samples.ids.txt", synthetic[:7].numpy())
    return root


def generate(capsys, *argv) -> tuple[int, str, str]:
    code = main(["generate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def lines(capsys, *argv) -> list[str]:
    code, out, err = generate(capsys, *argv)
    assert code == 0, err
    assert out.endswith("\n")
    return out[:-1].split("\n")


def test_text_sentences_are_vocabulary_words_one_per_line(results, capsys):
    got = lines(capsys, results / "txt", "--model", "mle", "-n", 25)
    assert len(got) == 25
    words = {w for line in got for w in line.split()}
    assert words and words <= set(WORDS[1:])  # the padding word never shows


def test_lines_are_the_models_samples_at_alpha_decoded_and_cut_at_the_first_pad(results, capsys):
    # Exactly model.sample from the "generate" stream of the seed: α and the seed are what was asked.
    from leakgan.registry import load_model

    model = load_model(results / "txt" / RUN / "mle" / "pretrain.pt")
    for alpha, seed in ((0.7, 3), (2.0, 4)):
        tokens = model.sample(40, alpha, torch_generator(seed, "generate"))
        expected = []
        for row in tokens.tolist():
            row = row[:row.index(0)] if 0 in row else row
            expected.append(" ".join(WORDS[t] for t in row))
        got = lines(capsys, results / "txt", "--model", "mle", "-n", 40, "--temperature", alpha, "--seed", seed)
        assert got == expected
    assert format_lines([[1, 2, 0, 3, 0, 0], [0, 4, 0, 0, 0, 0]], {"tokens": WORDS, "pad_id": 0}) == "a man\n\n"


def test_a_small_temperature_lowers_diversity(results, capsys):
    hot = lines(capsys, results / "txt", "--model", "mle", "-n", 60, "--temperature", 1.0)
    cold = lines(capsys, results / "txt", "--model", "mle", "-n", 60, "--temperature", 0.05)
    # (the barely trained model's near-ties still vary at α = 0.05, the lowest allowed, but far less)
    assert len(set(cold)) < 0.6 * len(set(hot)), (len(set(cold)), len(set(hot)))
    # the untrained LeakGAN's logits are near-uniform, so ×20 barely narrows them: α still reaches its sampler
    hot = lines(capsys, results / "txt", "--model", "leakgan", "-n", 60, "--temperature", 1.0)
    cold = lines(capsys, results / "txt", "--model", "leakgan", "-n", 60, "--temperature", 0.05)
    assert sum(a != b for a, b in zip(hot, cold)) > 30


@pytest.mark.parametrize("model", ["mle", "leakgan"])
def test_same_seed_same_lines_other_seed_other_lines(results, model, capsys):
    a = lines(capsys, results / "txt", "--model", model, "-n", 20, "--seed", 7)
    b = lines(capsys, results / "txt", "--model", model, "-n", 20, "--seed", 7)
    c = lines(capsys, results / "txt", "--model", model, "-n", 20, "--seed", 8)
    assert a == b != c


def test_a_results_folder_defaults_to_leakgan(results, capsys):
    folder = lines(capsys, results / "txt", "-n", 10)
    checkpoint = lines(capsys, results / "txt" / RUN / "leakgan" / "adversarial.pt", "-n", 10)
    assert folder == checkpoint
    assert folder != lines(capsys, results / "txt", "--model", "mle", "-n", 10)


@pytest.mark.parametrize("model", ["mle", "rankgan", "leakgan"])
def test_every_sentence_starts_with_the_prefix(results, model, capsys):
    got = lines(capsys, results / "txt", "--model", model, "-n", 30, "--prefix", "the cat", "--seed", 1)
    assert len(got) == 30
    assert all(line.split()[:2] == ["the", "cat"] for line in got), got
    assert len(set(got)) > 1  # the rest is still sampled
    # A prefix as long as the sentence is the whole sentence.
    whole = lines(capsys, results / "txt", "--model", model, "-n", 3, "--prefix", "a man runs on the mat")
    assert whole == ["a man runs on the mat"] * 3


def test_synthetic_data_prints_ids_and_takes_an_id_prefix(results, capsys):
    got = lines(capsys, results / "syn", "--model", "mle", "-n", 12)
    rows = [[int(t) for t in line.split()] for line in got]
    assert len(rows) == 12 and all(len(r) == SYN_T and all(0 <= t < SYN_V for t in r) for r in rows)
    prefixed = lines(capsys, results / "syn" / RUN / "mle" / "pretrain.pt", "-n", 12, "--prefix", "11 0 4")
    assert all(line.split()[:3] == ["11", "0", "4"] for line in prefixed)


def test_a_synthetic_checkpoint_needs_no_vocab_a_text_one_does(results, tmp_path, capsys):
    shutil.copy(results / "syn" / RUN / "mle" / "pretrain.pt", tmp_path / "syn.pt")
    assert len(lines(capsys, tmp_path / "syn.pt", "-n", 4)) == 4
    shutil.copy(results / "txt" / RUN / "mle" / "pretrain.pt", tmp_path / "txt.pt")
    code, out, err = generate(capsys, tmp_path / "txt.pt", "-n", 4)
    assert (code, out) == (2, "")
    assert err == (f"leakgan generate: error: {tmp_path / 'txt.pt'}: a text model, but "
                   f"{tmp_path.parent / 'data' / 'vocab.json'} is not there; pass --vocab PATH "
                   "(results/<dataset>/data/vocab.json of the data it was trained on)\n")
    beside = lines(capsys, results / "txt" / RUN / "mle" / "pretrain.pt", "-n", 4)
    assert lines(capsys, tmp_path / "txt.pt", "-n", 4, "--vocab", results / "txt" / "data" / "vocab.json") == beside


def test_out_writes_the_file_and_prints_nothing(results, tmp_path, capsys):
    expected = lines(capsys, results / "txt", "-n", 5, "--model", "mle")
    code, out, err = generate(capsys, results / "txt", "-n", 5, "--model", "mle", "--out", tmp_path / "s" / "g.txt")
    assert (code, out) == (0, "")
    assert (tmp_path / "s" / "g.txt").read_text() == "\n".join(expected) + "\n"
    assert [p.name for p in (tmp_path / "s").iterdir()] == ["g.txt"]  # no temporary file left


@dataclass
class Unigram:
    """A registered model type with no way to force a prefix."""

    seq_len: int

    def sample(self, num, temperature, generator, batch_size=1000):
        return torch.randint(1, V, (num, self.seq_len), generator=generator)

    @classmethod
    def from_checkpoint(cls, ckpt, device="cpu"):
        return cls(ckpt["seq_len"])


def test_any_registered_model_samples_and_one_without_prefix_support_refuses(results, tmp_path, monkeypatch, capsys):
    spec = registry.ModelSpec(name="unigram_test", label="U", settings=None, stages=("pretrain",),
                              parts=lambda: registry.ModelParts(Unigram, {"pretrain": lambda job: None}))
    monkeypatch.setitem(registry._MODELS, spec.name, spec)
    save_torch(results / "txt" / RUN / "unigram_test" / "pretrain.pt", {"model": "unigram_test", "seq_len": T, "pad_id": 0})
    try:
        assert len(lines(capsys, results / "txt", "--model", "unigram_test", "-n", 6)) == 6
        code, out, err = generate(capsys, results / "txt", "--model", "unigram_test", "-n", 6, "--prefix", "a",
                                  "--out", tmp_path / "x.txt")
    finally:
        shutil.rmtree(results / "txt" / RUN / "unigram_test")
    assert (code, out) == (2, "")
    assert err == ("leakgan generate: error: --prefix: model 'unigram_test' cannot start sentences "
                   "with given words; leave --prefix out\n")
    assert not (tmp_path / "x.txt").exists()


def error_cases(results: Path, tmp: Path):
    txt, vocab = results / "txt", results / "txt" / "data" / "vocab.json"
    return [
        ([txt, "-n", 0], "-n N is required: how many sentences to generate, 1 to 1,000,000 (got 0)"),
        ([txt], "-n N is required: how many sentences to generate, 1 to 1,000,000"),
        ([txt, "-n", 3, "--temperature", 0], "--temperature must be at least 0.05 (lower is argmax in float32), not 0.0"),
        ([txt, "-n", 3, "--temperature", -1], "--temperature must be at least 0.05 (lower is argmax in float32), not -1.0"),
        ([txt, "-n", 3, "--prefix", "a zebra"], f"--prefix: 'zebra' is not in the vocabulary ({vocab})"),
        ([txt, "-n", 3, "--prefix", "<pad>"], f"--prefix: '<pad>' is not in the vocabulary ({vocab})"),
        ([txt, "-n", 3, "--prefix", "a a a a a a a"], "--prefix has 7 tokens, more than the model's sequence length 6"),
        ([results / "syn", "--model", "mle", "-n", 3, "--prefix", "12"],
         "--prefix: token id 12 is outside the vocabulary (0..11)"),
        ([results / "syn", "--model", "mle", "-n", 3, "--prefix", "a"],
         "--prefix: synthetic data takes token ids (integers), not 'a'"),
        ([txt, "--model", "seqgan", "-n", 3],
         f"{txt / RUN / 'seqgan' / 'adversarial.pt'}: no trained 'seqgan' model in {txt} "
         "(trained there: leakgan, mle, rankgan); pass --model NAME"),
        # not a registered model: an arm's name is found in the results, so the message says what is there
        ([txt, "--model", "gpt", "-n", 3],
         f"{txt / RUN / 'gpt' / 'pretrain.pt'}: no trained 'gpt' model in {txt} "
         "(trained there: leakgan, mle, rankgan); pass --model NAME"),
        ([tmp / "nowhere", "-n", 3], f"{tmp / 'nowhere'}: not found (expected a results/<dataset> folder or a checkpoint file)"),
        ([txt / RUN / "mle" / "pretrain.pt", "--model", "leakgan", "-n", 3],
         f"{txt / RUN / 'mle' / 'pretrain.pt'}: a checkpoint of model 'mle', not 'leakgan'; "
         "leave --model out or give the right checkpoint"),
        ([txt, "-n", 3, "--vocab", tmp / "missing.json"], f"{tmp / 'missing.json'}: JSON file not found"),
        ([txt, "-n", 3, "--vocab", results / "syn" / "data" / "vocab.json"],
         f"{results / 'syn' / 'data' / 'vocab.json'}: a vocabulary of 12 tokens, but "
         f"{txt / RUN / 'leakgan' / 'adversarial.pt'} was trained on 10; pass the vocab.json of its dataset with --vocab"),
        (["-n", 3], "give a results folder (results/<dataset>) or a checkpoint file, or --from-ids FILE"),
        (["--from-ids", results / "syn" / RUN / "mle" / "samples.ids.txt", "-n", 3],
         "--from-ids decodes FILE as it is; leave out -n (for sampling a model)"),
        ([txt, "--from-ids", results / "syn" / RUN / "mle" / "samples.ids.txt"],
         "give either RESULTS_DIR_OR_CHECKPOINT (sample a model) or --from-ids FILE, not both"),
    ]


def test_each_user_error_is_one_line_exit_2_and_nothing_written(results, tmp_path, capsys):
    for argv, message in error_cases(results, tmp_path):
        out_file = tmp_path / "out.txt"
        code, out, err = generate(capsys, *argv, "--out", out_file)
        assert (code, out, err) == (2, "", f"leakgan generate: error: {message}\n"), argv
        assert not out_file.exists()


def test_from_ids_decodes_an_existing_sample_file(results, tmp_path, capsys):
    ids = results / "syn" / RUN / "mle" / "samples.ids.txt"
    assert lines(capsys, "--from-ids", ids) == ids.read_text().splitlines()  # synthetic: the ids as they are
    text_ids = tmp_path / "txt" / "m" / "samples.ids.txt"
    write_tokens(text_ids, [[1, 2, 4, 0, 0, 0], [5, 7, 6, 8, 5, 9]])
    vocab = results / "txt" / "data" / "vocab.json"
    assert lines(capsys, "--from-ids", text_ids, "--vocab", vocab) == ["a man runs", "the cat sits on the mat"]

