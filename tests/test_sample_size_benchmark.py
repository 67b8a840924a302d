"""Smoke test of the sample-size benchmark script (``--quick``: tiny data)."""

import math
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "sample_size.py"
DATASETS = ["E1", "E5", "two-group", "two-group-linear"]
REGRESSION = {"E5", "two-group-linear"}
SIZES = [60, 120]


@pytest.fixture(scope="module")
def quick_run(run_quick_report):
    """``(markdown, rst)`` of a ``--quick`` run."""
    return run_quick_report(
        SCRIPT, "--datasets", ",".join(DATASETS), "--sizes", ",".join(map(str, SIZES))
    )


def test_quick_run_writes_markdown_and_rst(quick_run):
    md, rst = quick_run
    assert "sample_size.py --quick" in md and "git commit" in md
    # the summary table and one table per data set
    assert rst.count(".. list-table::") == 1 + len(DATASETS)


def test_quick_run_tables(quick_run, markdown_tables):
    tables = markdown_tables(quick_run[0])
    summary = tables["LSPIN's mean per-sample F1"]
    assert summary[0] == ["Data", *(f"n = {n}" for n in SIZES)]
    assert [row[0] for row in summary[1:]] == DATASETS
    for name in DATASETS:
        task = "regression" if name in REGRESSION else "classification"
        table = tables[f"{name} ({task})"]
        score = "test MSE" if name in REGRESSION else "test ACC (%)"
        assert table[0][:3] == ["n (train)", "LSPIN F1", f"LSPIN {score}"]
        assert table[0][5] == f"HistGradientBoosting {score}"
        # 60 % of the rows train (the paper benchmark's split)
        assert [row[0] for row in table[1:]] == ["60 (36)", "120 (72)"]
        for i, row in enumerate(table[1:], start=1):
            values = [float(cell) for cell in row[1:]]  # one seed: no "± std"
            assert all(math.isfinite(v) for v in values)
            assert 0 <= values[0] <= 1 and 0 <= values[2] <= 1  # F1 of both
            # the summary repeats LSPIN's F1
            assert summary[1 + DATASETS.index(name)][i] == row[1]
            if name not in REGRESSION:
                assert all(0 <= v <= 100 for v in (values[1], values[3], values[4]))
            assert values[5] == 5  # LSPIN's epochs in a quick run


def test_same_data_and_numbers_as_the_paper_benchmark(import_benchmark):
    """At a given size, the split and an LSPIN fit are those of
    ``paper_synthetic.py``, so rows at the default sizes are comparable."""
    sample_size = import_benchmark("sample_size")
    paper_synthetic = import_benchmark("paper_synthetic")
    n = paper_synthetic.QUICK["n_samples"]
    ours = sample_size.load("E4", n, 3)
    theirs = paper_synthetic.load_split("E4", 3, quick=True)
    for part in ("train", "val", "test"):
        for a, b in zip(ours[part], theirs[part]):
            np.testing.assert_array_equal(a, b)
    record = sample_size.fit_one("E5", n, 1, "lspin", quick=True)
    reference = paper_synthetic.fit_one("E5", 1, "lspin", {}, quick=True)
    assert record["f1"] == reference["f1"]
    assert record["score"] == reference["score"]
    assert record["n_train"] == theirs["train"][0].shape[0] == 0.6 * n


def test_parse_args(assert_cli_errors, import_benchmark, tmp_path):
    sample_size = import_benchmark("sample_size")
    args = sample_size.parse_args([])
    assert args.datasets == list(sample_size.ALL_DATASETS)
    assert args.sizes == list(sample_size.SIZES)
    assert (args.seeds, args.n_jobs) == (3, 2)
    args = sample_size.parse_args(
        ["--datasets", "e3, TWO-GROUP,two-group-linear", "--sizes", "50"]
    )
    assert args.datasets == ["E3", "two-group", "two-group-linear"]
    assert args.sizes == [50]
    assert_cli_errors(
        sample_size.parse_args,
        [
            (["--datasets", "E1,E9"], "unknown data set"),
            (["--sizes", "100,abc"], "must be integers"),
            (["--sizes", "19"], "sizes >= 20"),
            (["--seeds", "0"], "--seeds must be >= 1"),
            (["--out", str(tmp_path)], "is a directory"),
        ],
    )
