"""LSPIN's gating network among many noise features: full matrix or bottleneck.

Run from the repository root::

    python benchmarks/many_features.py               # full run (about 10 min)
    python benchmarks/many_features.py --quick       # CI-sized smoke run
    python benchmarks/many_features.py --noise-features 150,250 --seeds 2

Protocol:

* data: 5 informative features and ``k`` pure-noise features for every
  ``k`` in ``--noise-features``, ``--n-samples`` rows, seed ``s``:
  ``two-group`` (``make_two_group_classification``: 3 informative features
  per sample, two sub-populations), ``two-group-linear``
  (``make_two_group_linear`` with ``noise=0.1``), and scikit-learn's
  ``make_classification`` / ``make_regression`` with the 5 informative
  features first (the same features for every sample);
* split: 75 % train / 25 % test (stratified by group for the two-group
  data), ``StandardScaler`` fitted on the training part;
* models, each with ``random_state=s``: LSPIN with its defaults (its linear
  gating network is one ``d x d`` matrix up to 256 features and a 64-unit
  bottleneck above), LSPIN with the other gating network at the same size
  (``gating_hidden_layer_sizes=()`` above 256 features, ``(64,)`` up to
  256), and STG (global gates) with its defaults;
* numbers from the test part: mean per-sample feature F1 of the gates > 0
  against the ground truth, accuracy or R^2, the mean number of open gates
  per sample, and the CPU seconds of one single-threaded fit; mean over
  seeds.
"""

import argparse
import sys
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from paper_synthetic import (
    _Doc,
    add_datasets_argument,
    add_run_arguments,
    check_run_arguments,
    dataset_list,
    environment,
    header_bullets,
    int_list,
    write_report,
)
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklspin import LSPINClassifier, LSPINRegressor, STGClassifier, STGRegressor
from sklspin._gating import _AUTO_FULL_GATING_MAX_FEATURES
from sklspin.datasets import make_two_group_classification, make_two_group_linear
from sklspin.metrics import feature_selection_f1

N_INFORMATIVE = 5
DATASETS = ("two-group", "two-group-linear", "make_classification", "make_regression")
REGRESSION = {"two-group-linear", "make_regression"}
NOISE_FEATURES = (150, 500)
MODELS = ("LSPIN (default)", "LSPIN (other gating)", "STG")
QUICK = {"n_samples": 80, "noise_features": (20, 300), "max_iter": 5}


def load(name, n_samples, n_noise_features, seed):
    """``(X, y, mask, groups)`` of one data set."""
    if name in ("two-group", "two-group-linear"):
        if name == "two-group":
            make, kwargs = make_two_group_classification, {}
        else:
            make, kwargs = make_two_group_linear, {"noise": 0.1}
        return make(
            n_samples=n_samples,
            n_noise_features=n_noise_features,
            random_state=seed,
            **kwargs,
        )
    make = make_classification if name == "make_classification" else make_regression
    kwargs = {"n_redundant": 0} if name == "make_classification" else {"noise": 1.0}
    X, y = make(
        n_samples=n_samples,
        n_features=N_INFORMATIVE + n_noise_features,
        n_informative=N_INFORMATIVE,
        shuffle=False,
        random_state=seed,
        **kwargs,
    )
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, :N_INFORMATIVE] = True
    return X, y, mask, np.zeros(n_samples, dtype=int)


def make_model(model, regression, n_features, seed, quick):
    params = {"random_state": seed}
    if quick:
        params["max_iter"] = QUICK["max_iter"]
    if model == "STG":
        return (STGRegressor if regression else STGClassifier)(**params)
    if model == "LSPIN (other gating)":
        # The default is the full matrix up to 256 features, the bottleneck above.
        full_by_default = n_features <= _AUTO_FULL_GATING_MAX_FEATURES
        params["gating_hidden_layer_sizes"] = (64,) if full_by_default else ()
    return (LSPINRegressor if regression else LSPINClassifier)(**params)


def fit_one(name, n_samples, n_noise_features, seed, model, quick):
    regression = name in REGRESSION
    X, y, mask, groups = load(name, n_samples, n_noise_features, seed)
    X_train, X_test, y_train, y_test, _, mask_test = train_test_split(
        X, y, mask, test_size=0.25, random_state=seed, stratify=groups
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    est = make_model(model, regression, X.shape[1], seed, quick)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        c0 = time.process_time()
        est.fit(X_train, y_train)
        cpu_time = time.process_time() - c0
    selected = est.predict_gates(X_test) > 0
    return {
        "dataset": name,
        "noise_features": n_noise_features,
        "seed": seed,
        "model": model,
        "f1": feature_selection_f1(mask_test, selected),
        "score": est.score(X_test, y_test),
        "n_open": float(selected.sum(axis=1).mean()),
        "cpu_time": cpu_time,
        "gating": "global"
        if model == "STG"
        else "x".join(str(W.shape[1]) for W in est.gating_coefs_[:-1]) or "full",
    }


def run(datasets, n_samples, noise_features, seeds, quick=False, n_jobs=1):
    jobs = [
        (name, n_samples, k, seed, model, quick)
        for name in datasets
        for k in noise_features
        for seed in range(seeds)
        for model in MODELS
    ]
    return Parallel(n_jobs=n_jobs)(delayed(fit_one)(*job) for job in jobs)


def dataset_table(records, name, noise_features):
    score = "test R^2" if name in REGRESSION else "test ACC (%)"
    header = ["d", "model", "gating", "F1", score, "open / sample", "fit CPU (s)"]
    rows = []
    for k in noise_features:
        for model in MODELS:
            cell = [
                r
                for r in records
                if (r["dataset"], r["noise_features"], r["model"]) == (name, k, model)
            ]
            scale = 1.0 if name in REGRESSION else 100.0
            rows.append(
                [
                    str(N_INFORMATIVE + k),
                    model,
                    cell[0]["gating"],
                    f"{np.mean([r['f1'] for r in cell]):.3f}",
                    f"{scale * np.mean([r['score'] for r in cell]):.3g}",
                    f"{np.mean([r['n_open'] for r in cell]):.1f}",
                    f"{np.mean([r['cpu_time'] for r in cell]):.1f}",
                ]
            )
    return header, rows


def report(records, env, wall_time, args):
    doc = _Doc()
    doc.heading("LSPIN among many noise features", 1)
    scope = (
        f"Seeds: {args.seeds} (0 to {args.seeds - 1}); {args.n_samples} samples; "
        "noise features: " + ", ".join(str(k) for k in args.noise_features)
    )
    doc.bullets(header_bullets(env, records, wall_time, args.n_jobs, scope, args.quick))
    doc.para(
        f"{N_INFORMATIVE} informative features and k noise features (d = "
        f"{N_INFORMATIVE} + k); 75 % train / 25 % test, ``StandardScaler`` fitted "
        "on the training part; numbers from the test part, mean over seeds. "
        "F1: mean per-sample feature F1 of the gates > 0. Gating: the hidden "
        "layer widths of LSPIN's gating network (full = one d x d matrix), "
        "global for STG. LSPIN (other gating): the bottleneck ``(64,)`` where "
        "the default is the full matrix (d <= 256), the full matrix "
        "``gating_hidden_layer_sizes=()`` where the default is the bottleneck."
    )
    for name in args.datasets:
        task = "regression" if name in REGRESSION else "classification"
        doc.heading(f"{name} ({task})", 2)
        doc.table(*dataset_table(records, name, args.noise_features))
    return doc


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"CI-sized smoke run: {QUICK['n_samples']} samples, noise features "
        f"{QUICK['noise_features']}, {QUICK['max_iter']} epochs, 1 seed",
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help=f"rows per data set (default: 1000, or {QUICK['n_samples']} with --quick)",
    )
    parser.add_argument(
        "--noise-features",
        default=None,
        help="comma-separated numbers of noise features (default: "
        + ",".join(map(str, NOISE_FEATURES))
        + ")",
    )
    add_datasets_argument(parser, DATASETS)
    add_run_arguments(parser, full_seeds=3)
    args = parser.parse_args(argv)
    if args.n_samples is None:
        args.n_samples = QUICK["n_samples"] if args.quick else 1000
    if args.n_samples < 20:
        parser.error("--n-samples must be >= 20")
    args.noise_features = int_list(
        parser,
        args.noise_features,
        "--noise-features",
        0,
        QUICK["noise_features"] if args.quick else NOISE_FEATURES,
    )
    args.datasets = dataset_list(parser, args.datasets, DATASETS, DATASETS)
    check_run_arguments(parser, args)
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    env = environment(argv, script="many_features.py")
    t0 = time.perf_counter()
    records = run(
        args.datasets,
        args.n_samples,
        args.noise_features,
        args.seeds,
        args.quick,
        args.n_jobs,
    )
    write_report(
        report(records, env, time.perf_counter() - t0, args), args.out, args.rst
    )
    return records


if __name__ == "__main__":
    main()
