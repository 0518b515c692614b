"""The report's tables: the paper's Tables 1-4 beside ours, and the frontier, equal-diversity and budget tables."""
from __future__ import annotations

from leakgan.eval.aggregate import aggregate, welch_p
from leakgan.report.labels import labels_of
from leakgan.report.render import markdown_table
from leakgan.report.tables import all_tables, bleu_table, nll_table
from tests.unit.eval.test_aggregate import run
from tests.unit.report.examples import bleu_result, nll_result


def nll_rows(result: dict):
    return nll_table(result, labels_of(result))


def bleu_rows(result: dict):
    return bleu_table(result, labels_of(result))


def test_nll_table_puts_table_1_beside_ours():
    title, header, rows = nll_rows(nll_result(20))
    assert title == "synthetic-20: oracle NLL (Table 1, length 20)"
    assert markdown_table(header, rows) == [
        "| Model | α | oracle NLL | oracle NLL (paper) | NLL-test |",
        "|:---|---:|---:|---:|---:|",
        "| MLE | 1 | 9.123 | 9.038 | 7.000 |",
        "| SeqGAN | - | - | 8.736 | - |",
        "| RankGAN | - | - | 8.247 | - |",
        "| LeakGAN | 0.6667 | 7.500 | 7.038 | 7.200 |",
        "| LeakGAN (α=1) | 1 | 8.250 | - | 7.200 |",
        "| Real | - | 5.750 | 5.750 | 5.800 |",
        # the paper's test (LeakGAN vs the best other model); ours needs two seeds or more
        "| p-value: LeakGAN vs the best other | - | - | < 1e-6 | - |",
    ]


def test_nll_table_length_40_and_unknown_length():
    rows = dict((r[0], r) for r in nll_rows(nll_result(40))[2])
    assert rows["LeakGAN"][3] == "7.191" and rows["Real"][3] == "4.071" and rows["MLE"][3] == "10.411"
    title, header, rows = nll_rows(nll_result(30))
    assert title == "synthetic-30: oracle NLL (no paper numbers for this length)"
    assert header == ["Model", "α", "oracle NLL", "NLL-test"]
    assert [r[0] for r in rows] == ["MLE", "LeakGAN", "LeakGAN (α=1)", "Real"]  # no paper, one seed: no p row


def test_bleu_table_wmt_layout_of_table_2():
    title, header, rows = bleu_rows(bleu_result("wmt"))
    assert title == "wmt: BLEU (Table 2, EMNLP2017 WMT News)"
    assert markdown_table(header, rows) == [
        "| Model | α | BLEU-2 | BLEU-2 (paper) | BLEU-3 | BLEU-3 (paper) | BLEU-4 | BLEU-4 (paper) "
        "| BLEU-5 | BLEU-5 (paper) | NLL-test |",
        "|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| MLE | 1 | 0.700 | - | 0.600 | - | 0.500 | - | 0.400 | - | 4.500 |",
        "| SeqGAN | - | - | 0.8590 | - | 0.6015 | - | 0.4541 | - | 0.4498 | - |",
        "| RankGAN | - | - | 0.778 | - | 0.478 | - | 0.411 | - | 0.463 | - |",
        "| LeakGAN | 0.6667 | 0.750 | 0.956 | 0.650 | 0.819 | 0.550 | 0.627 | 0.450 | 0.498 | 4.500 |",
        "| LeakGAN (α=1) | 1 | 0.650 | - | 0.550 | - | 0.450 | - | 0.350 | - | 4.500 |",
        "| p-value: LeakGAN vs the best other | - | - | < 1e-6 | - | < 1e-6 | - | < 1e-6 | - | < 1e-6 | - |",
    ]


def test_bleu_table_coco_is_table_3():
    rows = {r[0]: r for r in bleu_rows(bleu_result("coco"))[2]}
    assert rows["LeakGAN"][2:4] == ["0.750", "0.950"]
    assert rows["RankGAN"][9] == "0.544"


def test_bleu_table_poems_has_paper_bleu2_only():
    title, header, rows = bleu_rows(bleu_result("poems"))
    assert title == "poems: BLEU (Table 4, Chinese Poems)"
    assert header == ["Model", "α", "BLEU-2", "BLEU-2 (paper)", "BLEU-3", "BLEU-4", "BLEU-5", "NLL-test"]
    assert {r[0]: r[3] for r in rows} == {"MLE": "-", "SeqGAN": "0.738", "RankGAN": "0.812",
                                          "LeakGAN": "0.881", "LeakGAN (α=1)": "-",
                                          "p-value: LeakGAN vs the best other": "< 1e-6"}


def test_bleu_table_own_corpus_has_no_paper_columns():
    title, header, rows = bleu_rows(bleu_result("mycorpus", orders=(2, 3)))
    assert title == "mycorpus: BLEU (no paper numbers for this dataset)"
    assert header == ["Model", "α", "BLEU-2", "BLEU-3", "NLL-test"]
    assert [r[0] for r in rows] == ["MLE", "LeakGAN", "LeakGAN (α=1)"]


def test_tables_show_mean_std_p_values_and_the_extra_tables():
    runs = {}
    for seed, (mle, leak) in enumerate([(9.0, 8.0), (9.2, 8.1), (9.4, 8.3)], start=1):
        r = run({"mle": mle, "leakgan": leak})
        r["seq_len"] = 20
        r["frontier"] = {"mle": [{"temperature": 1.0, "nll_test": 7.0, "oracle_nll": mle}],
                         "leakgan": [{"temperature": 1.0, "nll_test": 8.0, "oracle_nll": leak + 1},
                                     {"temperature": 1.5, "nll_test": 6.0, "oracle_nll": leak + 2}]}
        runs[seed] = r
    result = aggregate(runs, {"scale": "smoke", "seq_len": 20})
    title, header, rows = nll_table(result, labels_of(result))
    assert header == ["Model", "α", "oracle NLL", "oracle NLL (paper)", "p vs LeakGAN", "NLL-test"]
    by_label = {r[0]: r for r in rows}
    assert by_label["MLE"][2] == "9.200 ± 0.200" and by_label["LeakGAN"][2] == "8.133 ± 0.153"
    assert by_label["MLE"][4] == f"{welch_p([9.0, 9.2, 9.4], [8.0, 8.1, 8.3]):.2g}"
    assert rows[-1][:4] == ["p-value: LeakGAN vs the best other (MLE)", "-",
                            f"{welch_p([8.0, 8.1, 8.3], [9.0, 9.2, 9.4]):.2g}", "< 1e-6"]
    titles = [t for t, _, _ in all_tables(result)]
    assert [t.split(": ", 1)[1].split(" (")[0] for t in titles[1:]] == [
        "the quality-diversity frontier", "oracle NLL at equal diversity", "each model against MLE sampled as diversely",
        "training budget"]
    equal = {r[0]: r for r in all_tables(result)[2][2]}
    # LeakGAN reaches MLE's NLL-test 7.0 halfway between α = 1.5 and 1.0
    assert equal["LeakGAN"][1:3] == ["1.250", "9.633 ± 0.153"] and equal["LeakGAN"][5] == "3 of 3"
