"""How the defaults' feature selection and accuracy depend on the sample size.

Run from the repository root::

    python benchmarks/sample_size.py                  # full run
    python benchmarks/sample_size.py --quick          # CI-sized smoke run
    python benchmarks/sample_size.py --sizes 500,2000 --datasets E1,two-group

Protocol: the one of ``paper_synthetic.py`` (whose helpers it uses), at
several total sample sizes ``n`` instead of the generators' defaults:

* data: E1-E5 from ``sklspin.datasets.make_paper_synthetic(name,
  n_samples=n, random_state=s)`` and ``two-group`` from
  ``make_two_group_classification(n_samples=n, random_state=s)`` and
  ``two-group-linear`` from ``make_two_group_linear(n_samples=n,
  random_state=s)`` (the paper's introductory problem, five features, two
  sub-populations, as a classification and as the original regression);
* split: 60 % train / 20 % validation / 20 % test, stratified by group,
  ``StandardScaler`` fitted on the training part; the validation part is
  not used (nothing is tuned here), so that the rows at the generators'
  default sizes measure what ``paper_synthetic.py``'s default rows measure;
* LSPIN and LLSPIN with their defaults, and HistGradientBoosting with its
  defaults as the reference for the accuracy (or MSE), all fitted on the
  training part with ``random_state=s``; the numbers are those of the test
  part: mean per-sample feature F1 (gates > 0 against the ground truth)
  and accuracy (classification) or MSE (regression), mean over seeds.
"""

import argparse
import sys
import time
import warnings
from collections import defaultdict

import numpy as np
from joblib import Parallel, delayed
from paper_synthetic import (
    DATASETS,
    QUICK,
    REGRESSION,
    _Doc,
    _fmt_score,
    _make_estimator,
    _mean_std,
    _score,
    _selection,
    add_datasets_argument,
    add_run_arguments,
    check_run_arguments,
    dataset_list,
    environment,
    header_bullets,
    int_list,
    load_split,
    split_and_scale,
    write_report,
)
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sklspin.datasets import make_two_group_classification, make_two_group_linear
from sklspin.metrics import feature_selection_f1

TWO_GROUP = "two-group"
TWO_GROUP_LINEAR = "two-group-linear"
ALL_DATASETS = (*DATASETS, TWO_GROUP, TWO_GROUP_LINEAR)
REGRESSION_DATASETS = {*REGRESSION, TWO_GROUP_LINEAR}
SIZES = (500, 1000, 2000, 5000)
QUICK_SIZES = (QUICK["n_samples"], 2 * QUICK["n_samples"])
# Kinds of paper_synthetic._make_estimator: LSPIN, LLSPIN and
# HistGradientBoosting (no gates: score only).
METHOD_KINDS = ("lspin", "llspin", "hgb")


def load(name, n_samples, seed):
    """Data set ``name`` with ``n_samples`` rows, split and scaled."""
    two_group = {
        TWO_GROUP: make_two_group_classification,
        TWO_GROUP_LINEAR: make_two_group_linear,
    }
    if name in two_group:
        X, y, mask, groups = two_group[name](n_samples=n_samples, random_state=seed)
        return split_and_scale(X, y, mask, groups, seed)
    return load_split(name, seed, quick=False, n_samples=n_samples)


def fit_one(name, n_samples, seed, kind, quick):
    """Fit one method on one (data set, size, seed); return its test numbers."""
    regression = name in REGRESSION_DATASETS
    parts = load(name, n_samples, seed)
    X_tr, y_tr, _, _ = parts["train"]
    X_te, y_te, mask_te, _ = parts["test"]
    est = _make_estimator(kind, regression, {}, seed, quick)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        c0 = time.process_time()
        est.fit(X_tr, y_tr)
        cpu_time = time.process_time() - c0
    record = {
        "dataset": name,
        "n_samples": n_samples,
        "n_train": X_tr.shape[0],
        "seed": seed,
        "kind": kind,
        "score": _score(regression, y_te, est.predict(X_te)),
        "cpu_time": cpu_time,
        "f1": None,
    }
    if kind != "hgb":
        selected = _selection(est, kind, X_te)
        record["f1"] = feature_selection_f1(mask_te, selected)
        record["n_iter"] = est.n_iter_
    return record


def run(datasets, sizes, seeds, quick=False, n_jobs=1):
    """All (data set, size, seed, method) fits, largest first for balance."""
    jobs = [
        (name, n, seed, kind)
        for n in sorted(sizes, reverse=True)
        for name in datasets
        for seed in range(seeds)
        for kind in METHOD_KINDS
    ]
    return Parallel(n_jobs=n_jobs)(
        delayed(fit_one)(name, n, seed, kind, quick) for name, n, seed, kind in jobs
    )


def _by_cell(records):
    """{(data set, size, method kind): [records over seeds]}."""
    groups = defaultdict(list)
    for r in records:
        groups[r["dataset"], r["n_samples"], r["kind"]].append(r)
    return groups


def _fmt_f1(value):
    return f"{value:.3f}"


def dataset_table(records, name, sizes):
    """One row per size: F1 and score of each method, LSPIN's epochs and time."""
    regression = name in REGRESSION_DATASETS
    groups = _by_cell(records)

    def cell(n, kind, field, fmt):
        return _mean_std([r[field] for r in groups[name, n, kind]], fmt)

    def score(n, kind):
        return cell(n, kind, "score", lambda v: _fmt_score(v, regression))

    score_name = "test MSE" if regression else "test ACC (%)"
    header = [
        "n (train)",
        "LSPIN F1",
        f"LSPIN {score_name}",
        "LLSPIN F1",
        f"LLSPIN {score_name}",
        f"HistGradientBoosting {score_name}",
        "LSPIN epochs",
        "LSPIN fit CPU (s)",
    ]
    rows = []
    for n in sorted(sizes):
        n_train = groups[name, n, "lspin"][0]["n_train"]
        rows.append(
            [
                f"{n} ({n_train})",
                cell(n, "lspin", "f1", _fmt_f1),
                score(n, "lspin"),
                cell(n, "llspin", "f1", _fmt_f1),
                score(n, "llspin"),
                score(n, "hgb"),
                cell(n, "lspin", "n_iter", lambda v: f"{v:.0f}"),
                cell(n, "lspin", "cpu_time", lambda v: f"{v:.1f}"),
            ]
        )
    return header, rows


def summary_table(records, datasets, sizes):
    """LSPIN's mean F1 per data set (rows) and size (columns)."""
    groups = _by_cell(records)
    header = ["Data", *(f"n = {n}" for n in sorted(sizes))]
    rows = [
        [
            name,
            *(
                _fmt_f1(np.mean([r["f1"] for r in groups[name, n, "lspin"]]))
                for n in sorted(sizes)
            ),
        ]
        for name in datasets
    ]
    return header, rows


def report(records, env, wall_time, datasets, sizes, seeds, quick, n_jobs):
    doc = _Doc()
    doc.heading("LSPIN and LLSPIN defaults against the sample size", 1)
    scope = (
        f"Seeds: {seeds} (0 to {seeds - 1}); sizes n: "
        + ", ".join(str(n) for n in sorted(sizes))
        + f"; data sets: {', '.join(datasets)}"
    )
    doc.bullets(header_bullets(env, records, wall_time, n_jobs, scope, quick))
    doc.para(
        "Protocol: that of ``paper_synthetic.py`` at total sizes n (60 % train "
        "/ 20 % validation / 20 % test, stratified by group, ``StandardScaler`` "
        "fitted on the training part, every model fitted on the training part "
        "with its defaults, numbers from the test part; the validation part is "
        "unused). F1: mean per-sample feature F1 of the gates > 0 against the "
        "ground truth. Mean ± standard deviation over seeds. The generators' "
        "default sizes are 1500 (E1-E3, E5) and 1000 (E4, two-group, "
        "two-group-linear). "
        "HistGradientBoosting uses every feature; it is the reference for the "
        "accuracy (MSE for the regressions E5 and two-group-linear). Fit CPU: "
        "CPU seconds of one single-threaded fit."
    )
    doc.heading("LSPIN's mean per-sample F1", 2)
    doc.table(*summary_table(records, datasets, sizes))
    for name in datasets:
        task = "regression" if name in REGRESSION_DATASETS else "classification"
        doc.heading(f"{name} ({task})", 2)
        doc.table(*dataset_table(records, name, sizes))
    return doc


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"CI-sized smoke run: sizes {QUICK_SIZES}, 1 seed, "
        f"{QUICK['max_iter']} epochs, E1 and E5 unless --datasets is given",
    )
    parser.add_argument(
        "--sizes",
        default=None,
        help="comma-separated total sample sizes (default: "
        + ",".join(str(n) for n in SIZES)
        + ")",
    )
    add_datasets_argument(parser, ALL_DATASETS)
    add_run_arguments(parser, full_seeds=3)
    args = parser.parse_args(argv)
    args.datasets = dataset_list(
        parser,
        args.datasets,
        ALL_DATASETS,
        ["E1", "E5"] if args.quick else ALL_DATASETS,
    )
    # Ten samples leave every split part (stratified by group) non-empty.
    args.sizes = int_list(
        # 20 rows: the test and validation parts hold every group of E5.
        parser,
        args.sizes,
        "--sizes",
        20,
        QUICK_SIZES if args.quick else SIZES,
    )
    check_run_arguments(parser, args)
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    env = environment(argv, script="sample_size.py")
    t0 = time.perf_counter()
    records = run(args.datasets, args.sizes, args.seeds, args.quick, args.n_jobs)
    wall = time.perf_counter() - t0
    doc = report(
        records,
        env,
        wall,
        args.datasets,
        args.sizes,
        args.seeds,
        args.quick,
        args.n_jobs,
    )
    write_report(doc, args.out, args.rst)
    return records


if __name__ == "__main__":
    main()
