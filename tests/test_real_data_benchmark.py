"""Smoke test of the real-data benchmark script (``--quick``: tiny fits)."""

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "real_data.py"
# name: (rows of the quick subsample, features)
DATASETS = {
    "breast_cancer": (150, 30),
    "wine": (150, 13),
    "digits": (150, 64),
    "iris": (150, 4),
    "diabetes": (150, 10),
}
REGRESSION = {"diabetes"}
GATED = ["LSPIN", "LLSPIN", "STG"]
BASELINES = ["MLP", "HistGradientBoosting", "Random forest"]
COLUMNS = [
    "Method",
    None,  # score column, checked per data set
    "fit CPU / fold (s)",
    "epochs",
    "open gates / sample",
    "open for any sample",
    "no open gate (% of samples)",
    "Jaccard distance",
    "warnings",
]


def _mean_and_std(cell):
    """``(mean, std)`` of a ``"mean ± std"`` cell (two folds)."""
    mean, std = (float(part) for part in cell.split(" ± "))
    assert math.isfinite(mean) and math.isfinite(std) and std >= 0, cell
    return mean, std


@pytest.fixture(scope="module")
def quick_run(run_quick_report):
    """``(markdown, rst)`` of a ``--quick`` run on every data set."""
    return run_quick_report(SCRIPT)


def test_quick_run_writes_markdown_and_rst(quick_run):
    md, rst = quick_run
    assert "real_data.py --quick" in md and "git commit" in md
    assert "Estimator defaults measured" in md and "LSPINRegressor(" in md
    # the summary table and one table per data set
    assert rst.count(".. list-table::") == 1 + len(DATASETS)


def test_quick_run_summary(quick_run, markdown_tables):
    summary = markdown_tables(quick_run[0])["Summary: mean test accuracy (%) or R^2"]
    assert summary[0] == [
        "Data",
        "n x d",
        "score",
        *GATED,
        "LogisticRegression / RidgeCV",
        *BASELINES,
    ]
    assert [row[:3] for row in summary[1:]] == [
        [name, f"{n} x {d}", "R^2" if name in REGRESSION else "ACC (%)"]
        for name, (n, d) in DATASETS.items()
    ]
    for row in summary[1:]:
        scores = [float(cell) for cell in row[3:]]
        assert all(math.isfinite(v) for v in scores)
        if row[0] not in REGRESSION:
            assert all(0 <= v <= 100 for v in scores)


def test_quick_run_dataset_tables(quick_run, markdown_tables):
    tables = markdown_tables(quick_run[0])
    for name, (n, d) in DATASETS.items():
        regression = name in REGRESSION
        task = "regression" if regression else "classification"
        table = tables[f"{name} ({task}, {n} samples, {d} features)"]
        score = "test R^2" if regression else "test ACC (%)"
        assert table[0] == [score if c is None else c for c in COLUMNS]
        linear = "RidgeCV" if regression else "LogisticRegression"
        assert [row[0] for row in table[1:]] == [*GATED, linear, *BASELINES]
        for row in table[1:]:
            method = row[0]
            value, _ = _mean_and_std(row[1])
            assert value <= 1 if regression else 0 <= value <= 100
            assert _mean_and_std(row[2])[0] >= 0  # fit CPU
            if method in GATED:
                assert _mean_and_std(row[3]) == (5, 0)  # quick: 5 epochs
                n_open, n_used = _mean_and_std(row[4])[0], _mean_and_std(row[5])[0]
                assert 0 <= n_open <= n_used <= d
                assert 0 <= _mean_and_std(row[6])[0] <= 100
                assert 0 <= _mean_and_std(row[7])[0] <= 1
                # 5 epochs never converge: one warning per fold, counted
                assert row[8] == "2 ConvergenceWarning"
            else:
                assert row[4:8] == ["-"] * 4
                assert row[3] == ("20 ± 0" if method == "MLP" else "-")
                assert re.fullmatch(r"none|\d+ \w+(, \d+ \w+)*", row[8]), row[8]


def test_quick_run_lists_the_warnings(quick_run):
    md = quick_run[0]
    warnings_section = md.split("## Warnings and failures", 1)[1]
    for name in ("LSPINClassifier", "LLSPINRegressor", "STGClassifier"):
        assert f"{name}: maximum iterations (5) reached" in warnings_section


def test_quick_tuned_run(run_quick_report, markdown_tables):
    """``--tuned`` adds LSPIN (tuned) after LSPIN, searched per training
    fold (every fit of its search counted), and lists the chosen settings."""
    md, _ = run_quick_report(SCRIPT, "--tuned", "--datasets", "wine,diabetes")
    tables = markdown_tables(md)
    summary = tables["Summary: mean test accuracy (%) or R^2"]
    assert summary[0][3:5] == ["LSPIN", "LSPIN (tuned)"]
    grid = re.search(r"over `alpha` in \[(.*?)\], `sparsity_weight` in \[(.*?)\]", md)
    n_settings = len(grid.group(1).split(",")) * len(grid.group(2).split(","))
    for name, (n, d) in (("wine", DATASETS["wine"]), ("diabetes", (150, 10))):
        task = "regression" if name in REGRESSION else "classification"
        table = tables[f"{name} ({task}, {n} samples, {d} features)"]
        assert [row[0] for row in table[1:3]] == ["LSPIN", "LSPIN (tuned)"]
        tuned = table[2]
        assert _mean_and_std(tuned[3]) == (5, 0)
        assert 0 <= _mean_and_std(tuned[4])[0] <= d
        # per fold: settings x 3 inner folds, then the refit, never converge
        assert tuned[8] == f"{2 * (n_settings * 3 + 1)} ConvergenceWarning"
    chosen = md.split("## Settings chosen by LSPIN (tuned)", 1)[1]
    chosen = chosen.split("##", 1)[0]
    for name in ("wine", "diabetes"):
        line = re.search(rf"\* {name}: (.*)", chosen).group(1)
        counts = re.findall(
            r"alpha=[\d.e+-]+, sparsity_weight=[\d.e+-]+ in (\d+) of 2", line
        )
        assert counts and sum(map(int, counts)) == 2, line


def test_mean_pairwise_jaccard(import_benchmark):
    real_data = import_benchmark("real_data")
    jaccard = real_data.mean_pairwise_jaccard
    same = np.array([[True, False, True]] * 4)
    assert jaccard(same) == 0.0
    assert jaccard(np.eye(3, dtype=bool)) == 1.0
    # pairs: {0, 1} vs {1}: 1/2; {0, 1} vs {}: 1; {1} vs {}: 1
    rows = np.array([[True, True], [False, True], [False, False]])
    assert jaccard(rows) == pytest.approx((0.5 + 1 + 1) / 3)
    assert jaccard(np.zeros((2, 3), dtype=bool)) == 0.0  # empty sets agree
    assert jaccard(same[:1]) == 0.0


def test_parse_args(assert_cli_errors, import_benchmark, tmp_path):
    real_data = import_benchmark("real_data")
    args = real_data.parse_args([])
    assert args.datasets == list(DATASETS)
    assert (args.folds, args.seeds, args.n_jobs, args.tuned) == (5, 2, 2, False)
    assert real_data.parse_args(["--tuned"]).tuned
    args = real_data.parse_args(["--quick", "--datasets", "Wine, DIABETES"])
    assert args.datasets == ["wine", "diabetes"]
    assert (args.folds, args.seeds, args.n_jobs) == (2, 1, 1)
    assert_cli_errors(
        real_data.parse_args,
        [
            (["--datasets", "wine,boston"], "unknown data set"),
            (["--folds", "1"], "--folds must be >= 2"),
            (["--seeds", "0"], "--seeds must be >= 1"),
            (["--out", str(tmp_path)], "is a directory"),
        ],
    )


@pytest.mark.parametrize("quick", [False, True])
def test_folds_are_bounded_by_each_data_set(quick, assert_cli_errors, import_benchmark):
    real_data = import_benchmark("real_data")
    quick_flag = ["--quick"] if quick else []
    for name in DATASETS:
        limit, _ = real_data.max_folds(name, quick)
        args = [*quick_flag, "--datasets", name, "--folds"]
        assert real_data.parse_args([*args, str(limit)]).folds == limit
        assert_cli_errors(
            real_data.parse_args,
            [([*args, str(limit + 1)], f"too many for {name}: at most {limit}")],
        )
        # The outer and the inner (--tuned) splits at the bounds: no error,
        # no warning (e.g. of a class with fewer rows than folds).
        X, y = real_data.load(name, quick)
        regression = name in real_data.REGRESSION
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for n_folds in (2, limit):
                for train, test in real_data.splits(name, X, y, n_folds, seed=0):
                    inner = real_data.cross_validation(
                        regression, real_data.INNER_FOLDS, 0
                    )
                    for _, inner_test in inner.split(X[train], y[train]):
                        assert len(inner_test) >= 2
                    assert len(test) >= (2 if regression else 1)
