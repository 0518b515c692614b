"""BLEU, self-BLEU and corpus BLEU against the implementations peers use (nltk, sacrebleu)."""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

nltk_bleu = pytest.importorskip("nltk.translate.bleu_score", reason="nltk (test extra) is needed to compare against")
sacrebleu = pytest.importorskip("sacrebleu")

from leakgan import cli
from leakgan.errors import UserError
from leakgan.eval.bleu import (
    ReferenceSet,
    bleu_scores,
    sacrebleu_corpus,
    self_bleu,
    self_bleu_sentence_scores,
    sentence_bleu_scores,
)
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA
ORDERS = (2, 3, 4, 5)


def _lines(relative: str) -> list[list[str]]:
    path = DATA / relative
    if not path.is_file():
        pytest.skip(f"shared test data {path} is absent (see shared/data/README.md)")
    return [line.split() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def nltk_scores(references, hypothesis, orders=ORDERS, smoothing="none") -> dict[int, float]:
    """nltk's sentence_bleu with the paper's uniform weights, warnings silenced."""
    function = None if smoothing == "none" else nltk_bleu.SmoothingFunction(epsilon=0.1).method1
    weights = [tuple([1 / n] * n) for n in orders]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = nltk_bleu.sentence_bleu(references, hypothesis, weights, smoothing_function=function)
    # nltk returns a bare 0 instead of a list when no unigram matches.
    if not isinstance(values, list):
        values = [values] * len(orders)
    return dict(zip(orders, values))


def assert_matches_nltk(hypotheses, references, smoothing):
    ours = sentence_bleu_scores(hypotheses, references, 5, smoothing)
    expected = [nltk_scores(references, h, smoothing=smoothing) for h in hypotheses]
    for hypothesis, got, want in zip(hypotheses, ours, expected):
        for n in ORDERS:
            assert got[n] == pytest.approx(want[n], abs=1e-9), (n, hypothesis)
    means = bleu_scores(hypotheses, references, 5, smoothing)
    for n in ORDERS:
        assert means[n] == pytest.approx(sum(w[n] for w in expected) / len(expected), abs=1e-9)
    return means


def corner_cases(references):
    longest = max(references, key=len)
    return [
        [],  # empty: nltk scores 0
        [references[0][0]],  # one matching token: only higher-order precisions are zero
        ["zzzz-not-a-word"],  # one token, no unigram match
        longest + longest + ["."],  # longer than every reference: no brevity penalty
        [references[0][0]] * 6,  # repeated token: clipping
    ]


@pytest.mark.parametrize("smoothing", ["none", "method1"])
def test_matches_nltk_on_coco_and_news(smoothing):
    coco_refs = _lines("coco/test_captions.txt")[:300]
    coco_hyps = _lines("coco/train_captions.txt")[:400] + corner_cases(coco_refs)
    news = _lines("news/news_sentences.txt")
    news_refs, news_hyps = news[1000:1300], news[:120] + corner_cases(news[1000:1300])
    coco_means = assert_matches_nltk(coco_hyps, coco_refs, smoothing)
    assert_matches_nltk(news_hyps, news_refs, smoothing)
    # Scores fall with n; method1 only raises sentences that had a zero precision.
    assert coco_means[2] > coco_means[3] > coco_means[4] > coco_means[5] > 0


def test_corner_case_values():
    references = [["the", "cat", "sat"], ["a", "dog", "ran", "far", "away"]]
    # Both precisions 1, closest reference length 3 > 2: penalty exp(1 - 3/2).
    assert ReferenceSet(references, 2).sentence_scores(["the", "cat"])[2] == pytest.approx(math.exp(-0.5), abs=1e-15)
    # No unigram match: exactly 0 even with smoothing.
    assert ReferenceSet(references).sentence_scores(["zebra"], "method1") == {2: 0.0, 3: 0.0, 4: 0.0, 5: 0.0}
    assert ReferenceSet(references).sentence_scores([]) == {2: 0.0, 3: 0.0, 4: 0.0, 5: 0.0}
    # One matching token, method1: p1 = 1, p2 = 0.1 / 1, reference length 3 -> exp(1 - 3).
    one = ReferenceSet(references).sentence_scores(["cat"], "method1")
    assert one[2] == pytest.approx(math.exp(-2) * math.sqrt(0.1), abs=1e-15)
    # Smoothing none: a zero bigram precision counts as sys.float_info.min, so ~1e-154, not 0.
    tiny = ReferenceSet(references).sentence_scores(["cat"], "none")[2]
    assert 0 < tiny < 1e-150
    # Distance tie between lengths 3 and 5 at hypothesis length 4: the shorter (3) wins, so no penalty.
    assert ReferenceSet(references, 2).sentence_scores(["the", "cat", "sat", "the"])[2] == pytest.approx(
        math.sqrt(3 / 4 * 2 / 3), abs=1e-15
    )


def test_orders_follow_max_n_and_a_wider_set_serves_smaller_n():
    references = _lines("coco/test_captions.txt")[:200]
    hypotheses = _lines("coco/train_captions.txt")[:50]
    wide = ReferenceSet(references, 5)
    three = bleu_scores(hypotheses, wide, max_n=3)
    assert sorted(three) == [2, 3]
    assert three == bleu_scores(hypotheses, references, max_n=3)
    one = bleu_scores(hypotheses, references, max_n=1)
    expected = sum(nltk_scores(references, h, orders=(1,))[1] for h in hypotheses) / len(hypotheses)
    assert sorted(one) == [1] and one[1] == pytest.approx(expected, abs=1e-9)
    with pytest.raises(UserError, match=r"built for n <= 3, not 5; rebuild it with max_n=5"):
        bleu_scores(hypotheses, ReferenceSet(references, 3), max_n=5)


@pytest.mark.parametrize("smoothing", ["none", "method1"])
def test_self_bleu_matches_nltk_leave_one_out(smoothing):
    sentences = _lines("coco/train_captions.txt")[:48]
    # A duplicate (its copy is a perfect reference) and a sentence with a length no other has.
    sentences += [sentences[0], sentences[1] + ["one", "two", "three", "four", "five", "six", "seven"]]
    ours = self_bleu_sentence_scores(sentences, 5, smoothing)
    for i, sentence in enumerate(sentences):
        want = nltk_scores(sentences[:i] + sentences[i + 1:], sentence, smoothing=smoothing)
        for n in ORDERS:
            assert ours[i][n] == pytest.approx(want[n], abs=1e-9), (i, n)
    assert ours[0][5] == pytest.approx(1.0, abs=1e-12)
    mean = self_bleu(sentences, 5, smoothing)
    assert mean[2] == pytest.approx(sum(s[2] for s in ours) / len(ours), abs=1e-12)


words = st.sampled_from(["a", "b", "c", "d", "e"])
sentences_strategy = st.lists(st.lists(words, min_size=0, max_size=9), min_size=2, max_size=8)


@settings(max_examples=80, deadline=None)
@given(sentences=sentences_strategy, hypothesis=st.lists(words, max_size=9),
       smoothing=st.sampled_from(["none", "method1"]))
def test_small_vocabulary_matches_nltk(sentences, hypothesis, smoothing):
    # A five-word vocabulary forces repeated n-grams, clipping and length ties.
    got = ReferenceSet(sentences).sentence_scores(hypothesis, smoothing)
    want = nltk_scores(sentences, hypothesis, smoothing=smoothing)
    assert got == pytest.approx(want, abs=1e-9)
    ours = self_bleu_sentence_scores(sentences, 5, smoothing)
    for i, sentence in enumerate(sentences):
        assert ours[i] == pytest.approx(nltk_scores(sentences[:i] + sentences[i + 1:], sentence, smoothing=smoothing), abs=1e-9)


def test_sacrebleu_gives_every_sample_the_whole_test_set_hand_checked():
    hyps = [s.split() for s in ["the cat sat on the mat", "a dog sat on the mat"]]
    refs = [s.split() for s in ["the cat sat on the mat", "a dog ran in the park"]]
    # By hand, each hypothesis clipped by the largest count in either reference ("the" twice, from the first):
    # 1-grams 6/6 + 6/6, 2-grams 5/5 + 4/5 ("dog sat" unmatched), 3-grams 4/4 + 2/4, 4-grams 3/3 + 1/3;
    # lengths 12 against 12, so no brevity penalty: 100 * (12/12 * 9/10 * 6/8 * 4/6) ** (1/4).
    result = sacrebleu_corpus(hyps, refs)
    assert result["score"] == pytest.approx(100 * 0.45 ** 0.25, abs=1e-9)  # 81.904...
    assert result["signature"] == f"nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:{sacrebleu.__version__}"
    # The brevity penalty takes the closest reference length (7, not 9): 100 * exp(1 - 7/6).
    short = sacrebleu_corpus([hyps[0]], [s.split() for s in ["the cat sat on the mat today",
                                                             "the cat sat on the big red mat"]])
    assert short["score"] == pytest.approx(100 * math.exp(1 - 7 / 6), abs=1e-9)  # 84.648...
    # sacrebleu itself, given one reference stream per test sentence (each repeated for every hypothesis)
    for h, r in ((hyps, refs), ([hyps[0]], [s.split() for s in ["the cat sat on the mat today",
                                                                   "the cat sat on the big red mat"]])):
        streams = [[" ".join(ref)] * len(h) for ref in r]
        assert sacrebleu.corpus_bleu([" ".join(x) for x in h], streams).score == pytest.approx(
            sacrebleu_corpus(h, r)["score"], abs=1e-9)


def test_sacrebleu_equals_sacrebleus_own_multi_reference_run_on_real_text():
    references = _lines("coco/test_captions.txt")[:120]
    hypotheses = _lines("coco/train_captions.txt")[:50] + [[]]  # an empty sample too
    bleu = sacrebleu.metrics.BLEU()
    hyps = [" ".join(h) for h in hypotheses]
    expected = bleu.corpus_score(hyps, [[" ".join(r)] * len(hyps) for r in references])
    result = sacrebleu_corpus(hypotheses, references)
    assert 5 < expected.score < 60
    assert result["score"] == pytest.approx(expected.score, abs=1e-9)
    assert result["signature"] == str(bleu.get_signature()) and result["signature"].startswith("nrefs:120|")
    with pytest.raises(UserError, match="no hypotheses to score"):
        sacrebleu_corpus([], references)
    with pytest.raises(UserError, match="empty reference set"):
        sacrebleu_corpus(hypotheses, [])


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_table_and_json(tmp_path, capsys):
    references = _lines("coco/test_captions.txt")[:200]
    hypotheses = _lines("coco/train_captions.txt")[:40]
    hyps = write(tmp_path / "hyps.txt", "\n".join(" ".join(h) for h in hypotheses) + "\n")
    # Blank reference lines are skipped, not read as empty references.
    refs = write(tmp_path / "refs.txt", "\n\n".join(" ".join(r) for r in references) + "\n")
    expected = bleu_scores(hypotheses, references, 4, "method1")
    expected_self = self_bleu(hypotheses, 4, "method1")

    assert cli.main(["bleu", hyps, refs, "--max-n", "4", "--smoothing", "method1", "--self-bleu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "40 hypotheses vs 200 references, smoothing method1"
    assert lines[1].split() == ["n", "BLEU", "self-BLEU"]
    assert lines[2].split() == ["2", f"{expected[2]:.6f}", f"{expected_self[2]:.6f}"]
    assert [line.split()[0] for line in lines[2:]] == ["2", "3", "4"]

    assert cli.main(["bleu", hyps, refs, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hypotheses"] == 40 and out["references"] == 200 and out["smoothing"] == "none"
    assert sorted(out["bleu"]) == ["2", "3", "4", "5"] and "self_bleu" not in out
    assert out["bleu"]["5"] == pytest.approx(bleu_scores(hypotheses, references)[5], abs=1e-12)


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    good = write(tmp_path / "good.txt", "a cat sat\n")
    missing = str(tmp_path / "nope.txt")
    assert cli.main(["bleu", good, missing]) == 2
    assert capsys.readouterr().err == (
        f"leakgan bleu: error: {missing}: reference file not found; give a text file with one sentence per line\n"
    )
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    assert cli.main(["bleu", str(latin1), good]) == 2
    assert capsys.readouterr().err == (
        f"leakgan bleu: error: {latin1}: not UTF-8 (bad byte at offset 3); re-encode the hypothesis file as UTF-8\n"
    )
    blank = write(tmp_path / "blank.txt", "\n  \n")
    assert cli.main(["bleu", good, blank]) == 2
    assert capsys.readouterr().err == (
        f"leakgan bleu: error: {blank}: no sentences in the reference file; "
        "it needs one whitespace-tokenized sentence per line\n"
    )
    assert cli.main(["bleu", good, good, "--max-n", "0"]) == 2
    assert capsys.readouterr().err == (
        "leakgan bleu: error: max_n must be an integer of at least 1 (got 0); BLEU-n needs n >= 1\n"
    )
    assert cli.main(["bleu", good, good, "--self-bleu"]) == 2
    assert "self-BLEU needs at least 2 sentences (got 1)" in capsys.readouterr().err


def test_api_errors_name_the_problem():
    with pytest.raises(UserError, match=r"^empty reference set: BLEU needs at least one reference sentence$"):
        bleu_scores([["a"]], [])
    with pytest.raises(UserError, match=r"^no hypotheses to score"):
        bleu_scores([], [["a"]])
    with pytest.raises(UserError, match=r"^unknown smoothing 'method7'; use one of none, method1$"):
        bleu_scores([["a"]], [["a"]], smoothing="method7")
    with pytest.raises(UserError, match=r"^max_n must be an integer of at least 1 \(got -1\)"):
        self_bleu([["a"], ["b"]], max_n=-1)
