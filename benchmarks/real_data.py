"""The estimators' defaults on real tabular data, next to scikit-learn baselines.

Run from the repository root::

    python benchmarks/real_data.py                    # full run
    python benchmarks/real_data.py --quick            # CI-sized smoke run
    python benchmarks/real_data.py --datasets wine,diabetes --seeds 1 --folds 3

Protocol:

* data: the data sets bundled with scikit-learn, all rows:
  ``load_breast_cancer`` (569 x 30), ``load_wine`` (178 x 13),
  ``load_digits`` (1797 x 64), ``load_iris`` (150 x 4), all
  classification, and ``load_diabetes`` (442 x 10, regression);
* cross-validation: for every seed ``s = 0, ..., seeds - 1`` one
  ``StratifiedKFold`` (classification) or ``KFold`` (regression) with
  ``n_splits=folds``, ``shuffle=True`` and ``random_state=s``, i.e. a
  repeated K-fold whose repeat ``s`` does not depend on how many repeats
  run;
* every model is ``Pipeline([StandardScaler(), model])`` fitted on the
  training folds only, with ``random_state=s`` where the model has one;
* models: ``LSPINClassifier`` / ``LSPINRegressor``, ``LLSPINClassifier`` /
  ``LLSPINRegressor`` and ``STGClassifier`` / ``STGRegressor`` with their
  defaults, and scikit-learn's ``LogisticRegression`` / ``RidgeCV``,
  ``MLPClassifier`` / ``MLPRegressor``, ``HistGradientBoostingClassifier``
  / ``Regressor`` and ``RandomForestClassifier`` / ``Regressor`` with
  theirs, except the MLPs' ``max_iter=2000`` (default 200: with it the
  classifier stops before converging on the small data sets and the
  regressor, which does not scale its target, has a negative R^2 on
  diabetes);
* numbers from each test fold, then mean and standard deviation over the
  ``folds x seeds`` test folds: accuracy (classification) or R^2
  (regression), the CPU seconds of one single-threaded fit, the epochs
  (``n_iter_``) of the sklspin models and the MLPs; for the sklspin models
  the mean number of open gates per test sample (``predict_gates(X) > 0``;
  STG: the size of ``get_support()``, the same for every sample), the
  number of features open for at least one test sample, the percentage
  of test samples with no open gate (their prediction network sees only
  zeros, so their prediction is one constant chosen by closing every
  gate), and, as the measure of how the selection varies between
  samples, the mean over all pairs of test samples of the Jaccard
  distance between their sets of open gates, one minus the size of the
  intersection over the size of the union (0 when all samples keep the same
  features, as STG's do by construction; 1 when no two samples share a
  feature; two empty sets count as identical);
* warnings: every warning raised while a model is fitted and evaluated is
  recorded (not shown) and counted by category; the tables give the
  counts and the report lists each distinct message. A fit that raises is
  counted as failed and left out of the means.

``--tuned`` adds "LSPIN (tuned)": ``GridSearchCV`` of the whole pipeline
over LSPIN's ``alpha`` and ``sparsity_weight`` (``TUNED_GRID``), with a
shuffled 3-fold inner cross-validation of the training folds (stratified
for the classifications, ``random_state=s``), scored by the estimator's
``score`` (accuracy or R^2) and refitted on all training folds; its fit
time includes the search.

``--quick`` runs the same code on a stratified subsample of 150 rows per
data set, with 2 folds, 1 seed and the shortened fits of the other
benchmark scripts (``paper_synthetic.QUICK``: 5 epochs for sklspin's
models, 20 for the MLPs, 10 trees or boosting iterations).
"""

import argparse
import math
import sys
import time
import warnings
from collections import Counter, defaultdict

import numpy as np
from joblib import Parallel, delayed
from paper_synthetic import (
    QUICK,
    _defaults_line,
    _Doc,
    _make_estimator,
    _mean_std,
    add_datasets_argument,
    add_run_arguments,
    check_run_arguments,
    dataset_list,
    environment,
    header_bullets,
    write_report,
)
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import resample
from threadpoolctl import threadpool_limits

from sklspin import (
    LLSPINClassifier,
    LLSPINRegressor,
    LSPINClassifier,
    LSPINRegressor,
    STGClassifier,
    STGRegressor,
)

LOADERS = {
    "breast_cancer": load_breast_cancer,
    "wine": load_wine,
    "digits": load_digits,
    "iris": load_iris,
    "diabetes": load_diabetes,
}
DATASETS = tuple(LOADERS)
REGRESSION = {"diabetes"}
FOLDS = 5
QUICK_FOLDS = 2
MLP_MAX_ITER = 2000
# Method -> kind of paper_synthetic._make_estimator ("linear" is built here).
METHODS = {
    "LSPIN": "lspin",
    "LLSPIN": "llspin",
    "STG": "stg",
    "Linear": "linear",
    "MLP": "mlp",
    "HistGradientBoosting": "hgb",
    "Random forest": "rf",
}
# --tuned adds LSPIN with alpha and sparsity_weight chosen per training fold
# by GridSearchCV (an inner 3-fold cross-validation of the whole pipeline).
TUNED = "LSPIN (tuned)"
TUNED_GRID = {"alpha": [1e-4, 0.1, 1.0], "sparsity_weight": [0.01, 0.05]}
INNER_FOLDS = 3
GATED = ("LSPIN", TUNED, "LLSPIN", "STG")
WITH_EPOCHS = (*GATED, "MLP")
# Longest fits first, for a balanced parallel schedule.
_COST = {
    "lspin_tuned": -1,
    "llspin": 0,
    "lspin": 1,
    "stg": 2,
    "hgb": 3,
    "mlp": 4,
    "rf": 5,
}


def method_list(tuned):
    """The methods of a run, LSPIN (tuned) after LSPIN when ``tuned``."""
    methods = list(METHODS)
    if tuned:
        methods.insert(1, TUNED)
    return methods


def display_name(method, regression):
    if method == "Linear":
        return "RidgeCV" if regression else "LogisticRegression"
    return method


def load(name, quick=False):
    """``(X, y)`` of data set ``name``; a stratified subsample if ``quick``."""
    X, y = LOADERS[name](return_X_y=True)
    if quick and len(y) > QUICK["n_samples"]:
        X, y = resample(
            X,
            y,
            replace=False,
            n_samples=QUICK["n_samples"],
            stratify=None if name in REGRESSION else y,
            random_state=0,
        )
    return X, y


def max_folds(name, quick):
    """The most folds data set ``name`` allows (after the subsampling of
    ``quick``), and why: as many as the rows of its smallest class (a
    classification), half its rows (R^2 needs two rows per test fold).

    Within that bound every training fold keeps at least half (rounded down)
    of each class, 7 rows or more with these data sets, so the inner 3-fold
    split of ``--tuned`` cannot fail either (a test checks both).
    """
    _, y = load(name, quick)
    if name in REGRESSION:
        return len(y) // 2, f"{len(y)} rows, two per test fold"
    smallest = int(np.unique(y, return_counts=True)[1].min())
    return smallest, f"its smallest class has {smallest} rows"


def cross_validation(regression, n_folds, seed):
    """Shuffled K-fold, stratified for a classification."""
    cls = KFold if regression else StratifiedKFold
    return cls(n_folds, shuffle=True, random_state=seed)


def splits(name, X, y, n_folds, seed):
    """The train / test indices of repeat ``seed`` of the cross-validation."""
    return list(cross_validation(name in REGRESSION, n_folds, seed).split(X, y))


def make_model(method, regression, seed, quick):
    if method == TUNED:
        return make_model("LSPIN", regression, seed, quick)
    kind = METHODS[method]
    if kind == "linear":
        return RidgeCV() if regression else LogisticRegression(random_state=seed)
    est = _make_estimator(kind, regression, {}, seed, quick)
    if kind == "mlp" and not quick:
        est.set_params(max_iter=MLP_MAX_ITER)
    return est


def mean_pairwise_jaccard(selected):
    """Mean Jaccard distance between the rows of boolean ``selected`` over
    all pairs of rows; two empty rows are at distance 0."""
    n = selected.shape[0]
    if n < 2:
        return 0.0
    S = selected.astype(float)
    common = S @ S.T
    sizes = S.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - common
    distance = 1.0 - np.divide(common, union, out=np.ones_like(common), where=union > 0)
    return float(distance[np.triu_indices(n, k=1)].mean())


def _selection(model, method, X):
    """Open gates of every row of ``X``: ``(n_samples, n_features)`` bool."""
    if method == "STG":
        return np.broadcast_to(model.get_support(), X.shape)
    return model.predict_gates(X) > 0


def _first_line(message):
    return str(message).strip().split("\n")[0][:160]


def fit_one(name, seed, fold, method, n_folds, quick):
    """Fit one method on one training fold; return its test-fold numbers."""
    regression = name in REGRESSION
    X, y = load(name, quick)
    train, test = splits(name, X, y, n_folds, seed)[fold]
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("model", make_model(method, regression, seed, quick)),
        ]
    )
    search = None
    if method == TUNED:
        grid = {f"model__{key}": values for key, values in TUNED_GRID.items()}
        inner = cross_validation(regression, INNER_FOLDS, seed)
        search = GridSearchCV(pipe, grid, cv=inner)
    record = {
        "dataset": name,
        "seed": seed,
        "fold": fold,
        "method": method,
        "n_samples": X.shape[0],
        "n_features": X.shape[1],
        "cpu_time": 0.0,
        "error": None,
    }
    # Every fit single-threaded (BLAS and OpenMP), whatever --n-jobs is.
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1):
        warnings.simplefilter("always")
        c0 = time.process_time()
        try:
            if search is None:
                pipe.fit(X[train], y[train])
            else:
                search.fit(X[train], y[train])
                pipe = search.best_estimator_
                record["chosen"] = tuple(
                    (key.removeprefix("model__"), value)
                    for key, value in sorted(search.best_params_.items())
                )
        except Exception as error:  # a failure is a result here, not a crash
            record["error"] = f"{type(error).__name__}: {_first_line(error)}"
        record["cpu_time"] = time.process_time() - c0
        if record["error"] is None:
            score = pipe.score(X[test], y[test])
            record["score"] = float(score) if regression else 100.0 * float(score)
            model = pipe[-1]
            if method in WITH_EPOCHS:
                record["n_iter"] = model.n_iter_
            if method in GATED:
                selected = _selection(model, method, pipe[:-1].transform(X[test]))
                n_open = selected.sum(axis=1)
                record["n_open"] = float(n_open.mean())
                record["no_gate"] = 100.0 * float(np.mean(n_open == 0))
                record["n_used"] = int(selected.any(axis=0).sum())
                record["jaccard"] = mean_pairwise_jaccard(selected)
    record["warnings"] = Counter(
        (w.category.__name__, _first_line(w.message)) for w in caught
    )
    return record


def run(datasets, seeds, n_folds, quick=False, n_jobs=1, tuned=False):
    """Every (data set, seed, fold, method) fit."""
    size = {name: np.prod(load(name, quick)[0].shape) for name in datasets}
    jobs = sorted(
        (
            (name, seed, fold, method)
            for name in datasets
            for seed in range(seeds)
            for fold in range(n_folds)
            for method in method_list(tuned)
        ),
        key=lambda job: (-size[job[0]], _COST.get(_kind(job[3]), 9)),
    )
    return Parallel(n_jobs=n_jobs)(
        delayed(fit_one)(name, seed, fold, method, n_folds, quick)
        for name, seed, fold, method in jobs
    )


def _kind(method):
    return "lspin_tuned" if method == TUNED else METHODS[method]


def _by_method(records, name):
    groups = defaultdict(list)
    for r in records:
        if r["dataset"] == name:
            groups[r["method"]].append(r)
    return groups


def _cell(recs, field, fmt):
    values = [r[field] for r in recs if r["error"] is None]
    return _mean_std(values, fmt) if values else "-"


def _scores(recs):
    return [r["score"] for r in recs if r["error"] is None]


def _fmt_score(regression):
    return (lambda v: f"{v:.3f}") if regression else (lambda v: f"{v:.1f}")


def _warnings_cell(recs):
    counts = Counter()
    for r in recs:
        for (category, _), count in r["warnings"].items():
            counts[category] += count
    failed = sum(r["error"] is not None for r in recs)
    parts = [f"{count} {category}" for category, count in sorted(counts.items())]
    if failed:
        parts.insert(0, f"{failed} failed")
    return ", ".join(parts) or "none"


def score_header(regression):
    return "test R^2" if regression else "test ACC (%)"


def dataset_table(records, name, methods):
    """One row per method: score, fit time, epochs, gates, warnings."""
    regression = name in REGRESSION
    groups = _by_method(records, name)
    header = [
        "Method",
        score_header(regression),
        "fit CPU / fold (s)",
        "epochs",
        "open gates / sample",
        "open for any sample",
        "no open gate (% of samples)",
        "Jaccard distance",
        "warnings",
    ]
    rows = []
    for method in methods:
        recs = groups[method]
        gated = method in GATED
        rows.append(
            [
                display_name(method, regression),
                _cell(recs, "score", _fmt_score(regression)),
                _cell(recs, "cpu_time", lambda v: f"{v:.2f}"),
                _cell(recs, "n_iter", lambda v: f"{v:.0f}")
                if method in WITH_EPOCHS
                else "-",
                _cell(recs, "n_open", lambda v: f"{v:.1f}") if gated else "-",
                _cell(recs, "n_used", lambda v: f"{v:.1f}") if gated else "-",
                _cell(recs, "no_gate", lambda v: f"{v:.1f}") if gated else "-",
                _cell(recs, "jaccard", lambda v: f"{v:.2f}") if gated else "-",
                _warnings_cell(recs),
            ]
        )
    return header, rows


def summary_table(records, datasets, methods):
    """Mean test score per data set (rows) and method (columns)."""
    header = [
        "Data",
        "n x d",
        "score",
        *("LogisticRegression / RidgeCV" if m == "Linear" else m for m in methods),
    ]
    rows = []
    for name in datasets:
        regression = name in REGRESSION
        groups = _by_method(records, name)
        first = groups["LSPIN"][0]
        fmt = _fmt_score(regression)
        rows.append(
            [
                name,
                f"{first['n_samples']} x {first['n_features']}",
                "R^2" if regression else "ACC (%)",
                *(
                    fmt(np.mean(v)) if (v := _scores(groups[m])) else "-"
                    for m in methods
                ),
            ]
        )
    return header, rows


def tuned_notes(records, datasets):
    """Per data set, how often LSPIN (tuned) chose each setting."""
    notes = []
    for name in datasets:
        chosen = Counter(
            r["chosen"] for r in _by_method(records, name)[TUNED] if r["error"] is None
        )
        n_fits = sum(chosen.values())
        settings = "; ".join(
            ", ".join(f"{key}={value:g}" for key, value in setting)
            + f" in {count} of {n_fits} folds"
            for setting, count in chosen.most_common()
        )
        notes.append(f"{name}: {settings}")
    return notes


def warning_notes(records, datasets, methods):
    """One line per (method, category, message): where and how often."""
    seen = defaultdict(Counter)
    fits = Counter()
    for r in records:
        regression = r["dataset"] in REGRESSION
        # The regressor and the classifier of a method warn apart.
        key = (r["method"], display_name(r["method"], regression))
        fits[key, r["dataset"]] += 1
        for (category, message), count in r["warnings"].items():
            seen[key, category, message][r["dataset"]] += count
        if r["error"]:
            seen[key, "failed fit", r["error"]][r["dataset"]] += 1
    method_order = {method: i for i, method in enumerate(methods)}
    order = {name: i for i, name in enumerate(datasets)}
    notes = []
    for (key, category, message), where in sorted(
        seen.items(), key=lambda item: (method_order[item[0][0][0]], item[0])
    ):
        name = key[1]
        counts = ", ".join(
            f"{dataset} {where[dataset]} ({fits[key, dataset]} fits)"
            for dataset in sorted(where, key=order.get)
        )
        # The message as a literal (double backticks: see _Doc._inline).
        literal = message.replace("`", "'")
        notes.append(f"{name}, {category}: {counts}: ``{literal}``")
    return notes


def report(records, env, wall_time, args):
    doc = _Doc()
    doc.heading("sklspin's defaults on real data sets", 1)
    scope = (
        f"Seeds: {args.seeds} (0 to {args.seeds - 1}), {args.folds}-fold "
        f"cross-validation per seed; data sets: {', '.join(args.datasets)}"
    )
    doc.bullets(header_bullets(env, records, wall_time, args.n_jobs, scope, args.quick))
    rows = (
        f"QUICK: a stratified subsample of {QUICK['n_samples']} rows per data set "
        f"and shortened fits ({QUICK['max_iter']} epochs for sklspin's models, "
        f"{QUICK['mlp_max_iter']} for the MLPs, {QUICK['n_estimators']} trees, "
        f"{QUICK['hgb_max_iter']} boosting iterations)"
        if args.quick
        else "all rows of each data set"
    )
    doc.para(
        f"Protocol: {rows}; for each seed s a shuffled {args.folds}-fold "
        "cross-validation with ``random_state=s`` (stratified for the "
        "classifications); ``StandardScaler`` then the model, fitted on the "
        "training folds only, with ``random_state=s``; numbers from the test "
        "folds, mean ± standard deviation over all test folds. Models with "
        "their defaults, except the MLPs' "
        f"``max_iter={QUICK['mlp_max_iter'] if args.quick else MLP_MAX_ITER}`` "
        "(default 200). Fit CPU: CPU seconds of one single-threaded fit. Epochs: "
        "``n_iter_`` (sklspin's models: the main training, at most "
        "``max_iter``, before ``finetune_iter`` fine-tuning epochs). Open gates "
        "/ sample: mean number of features whose gate is > 0 on a test sample "
        "(STG: the size of ``get_support()``). Open for any sample: features "
        "open for at least one test sample of the fold. No open gate: test "
        "samples whose gates are all closed (the prediction network then sees "
        "only zeros). Jaccard distance: mean over all pairs of test samples "
        "of 1 - (size of A ∩ B) / (size of A ∪ B) between their sets A and B "
        "of open gates (0: every sample keeps the same features). "
        "Warnings: warnings recorded during the fits and predictions of all "
        "folds, by category (listed below); failed: fits that raised, left "
        "out of the means."
    )
    doc.para(
        "Estimator defaults measured: "
        + "; ".join(
            f"``{p}``"
            for p in _defaults_line(
                (
                    LSPINClassifier,
                    LSPINRegressor,
                    LLSPINClassifier,
                    LLSPINRegressor,
                    STGClassifier,
                    STGRegressor,
                )
            )
        )
    )
    methods = method_list(args.tuned)
    if args.tuned:
        grid = ", ".join(f"``{key}`` in {values}" for key, values in TUNED_GRID.items())
        doc.para(
            f"{TUNED}: ``GridSearchCV`` of the whole pipeline on the training "
            f"folds over {grid}, scored by accuracy (R^2), with a shuffled "
            f"{INNER_FOLDS}-fold inner cross-validation (stratified for the "
            "classifications, ``random_state=s``), refitted on all training "
            "folds with the chosen setting; fit CPU includes the search, "
            "warnings count every fit of the search, epochs and gates are "
            "those of the refitted model."
        )
    doc.heading("Summary: mean test accuracy (%) or R^2", 2)
    doc.table(*summary_table(records, args.datasets, methods))
    for name in args.datasets:
        first = _by_method(records, name)["LSPIN"][0]
        task = "regression" if name in REGRESSION else "classification"
        doc.heading(
            f"{name} ({task}, {first['n_samples']} samples, "
            f"{first['n_features']} features)",
            2,
        )
        doc.table(*dataset_table(records, name, methods))
    if args.tuned:
        doc.heading(f"Settings chosen by {TUNED}", 2)
        doc.bullets(tuned_notes(records, args.datasets))
    doc.heading("Warnings and failures", 2)
    notes = warning_notes(records, args.datasets, methods)
    doc.bullets(notes or ["None."])
    return doc


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"CI-sized smoke run: {QUICK['n_samples']} rows per data set, "
        f"{QUICK_FOLDS} folds, 1 seed, {QUICK['max_iter']} epochs",
    )
    parser.add_argument(
        "--folds",
        type=int,
        default=None,
        help=f"cross-validation folds (default: {FOLDS}, or {QUICK_FOLDS} "
        "with --quick)",
    )
    parser.add_argument(
        "--tuned",
        action="store_true",
        help="add LSPIN with alpha and sparsity_weight chosen by GridSearchCV "
        f"per training fold ({math.prod(map(len, TUNED_GRID.values()))} settings "
        f"x {INNER_FOLDS} inner folds: about 20 times LSPIN's cost)",
    )
    add_datasets_argument(parser, DATASETS)
    add_run_arguments(parser, full_seeds=2)
    args = parser.parse_args(argv)
    if args.folds is None:
        args.folds = QUICK_FOLDS if args.quick else FOLDS
    if args.folds < 2:
        parser.error("--folds must be >= 2")
    args.datasets = dataset_list(parser, args.datasets, DATASETS, DATASETS)
    for name in args.datasets:
        limit, reason = max_folds(name, args.quick)
        if args.folds > limit:
            parser.error(
                f"--folds {args.folds} is too many for {name}: at most {limit} "
                f"({reason}{', with --quick' if args.quick else ''})"
            )
    check_run_arguments(parser, args)
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    env = environment(argv, script="real_data.py")
    t0 = time.perf_counter()
    records = run(
        args.datasets, args.seeds, args.folds, args.quick, args.n_jobs, args.tuned
    )
    write_report(
        report(records, env, time.perf_counter() - t0, args), args.out, args.rst
    )
    return records


if __name__ == "__main__":
    main()
