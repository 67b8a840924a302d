"""Smoke test of the many-noise-features benchmark script (``--quick``)."""

import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "many_features.py"
DATASETS = ["two-group", "two-group-linear", "make_classification", "make_regression"]
REGRESSION = {"two-group-linear", "make_regression"}


@pytest.fixture(scope="module")
def quick_run(run_quick_report):
    """``(markdown, rst)`` of a ``--quick`` run (20 and 300 noise features)."""
    return run_quick_report(SCRIPT)


def test_quick_run_writes_markdown_and_rst(quick_run):
    md, rst = quick_run
    assert "many_features.py --quick" in md and "git commit" in md
    assert rst.count(".. list-table::") == len(DATASETS)


def test_quick_run_tables(quick_run, markdown_tables):
    tables = markdown_tables(quick_run[0])
    for name in DATASETS:
        task = "regression" if name in REGRESSION else "classification"
        table = tables[f"{name} ({task})"]
        score = "test R^2" if name in REGRESSION else "test ACC (%)"
        assert table[0] == [
            "d",
            "model",
            "gating",
            "F1",
            score,
            "open / sample",
            "fit CPU (s)",
        ]
        rows = table[1:]
        assert [row[:3] for row in rows] == [
            # The default gating network is the full matrix up to 256
            # features and the 64-unit bottleneck above.
            ["25", "LSPIN (default)", "full"],
            ["25", "LSPIN (other gating)", "64"],
            ["25", "STG", "global"],
            ["305", "LSPIN (default)", "64"],
            ["305", "LSPIN (other gating)", "full"],
            ["305", "STG", "global"],
        ]
        for row in rows:
            f1, score_value, n_open, cpu = (float(cell) for cell in row[3:])
            assert 0 <= f1 <= 1 and 0 <= n_open <= int(row[0]) and cpu >= 0
            assert math.isfinite(score_value)
            if name not in REGRESSION:
                assert 0 <= score_value <= 100


def test_parse_args(assert_cli_errors, import_benchmark, tmp_path):
    many_features = import_benchmark("many_features")
    args = many_features.parse_args([])
    assert args.datasets == list(many_features.DATASETS)
    assert args.noise_features == list(many_features.NOISE_FEATURES)
    assert (args.n_samples, args.seeds, args.n_jobs) == (1000, 3, 2)
    args = many_features.parse_args(
        ["--datasets", "Two-Group, make_regression", "--noise-features", "0,40"]
    )
    assert args.datasets == ["two-group", "make_regression"]
    assert args.noise_features == [0, 40]
    assert_cli_errors(
        many_features.parse_args,
        [
            (["--datasets", "two-group,E1"], "unknown data set"),
            (["--datasets", ","], "unknown data set"),
            (["--noise-features", "10,x"], "must be integers"),
            (["--noise-features", "-1"], "noise features >= 0"),
            (["--n-samples", "10"], "--n-samples must be >= 20"),
            (["--seeds", "0"], "--seeds must be >= 1"),
            (["--out", str(tmp_path)], "is a directory"),
        ],
    )
