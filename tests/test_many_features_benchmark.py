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
