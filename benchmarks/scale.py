"""How sklspin's time and memory grow with the number of rows.

Run from the repository root::

    python benchmarks/scale.py                      # full run, n up to 1e6 (~7 min)
    python benchmarks/scale.py --quick              # n up to 3e3, under a minute
    python benchmarks/scale.py --max-n 100000 --out results.md
    python benchmarks/scale.py --parts A            # the affinity build only

For timings, limit BLAS to one thread (``OPENBLAS_NUM_THREADS=1``), as the
reported results do. Linux and macOS only: the peak memory comes from the
``resource`` module, which Windows does not have.

Every measurement runs in a fresh subprocess, so that its peak resident set
size (``ru_maxrss``) is its own; the subprocess creates ``X`` itself
(float64, C order) and reports ``peak RSS / X.nbytes``. Rows are
``n = 1e3 ... 1e6`` and ``d = 20`` and ``100`` features; ``y`` is the sign
of ``x0 * x1`` (the task does not matter for time or memory). Parts:

A. **Affinity** - :func:`sklspin._affinity.knn_gaussian_affinity` with
   its defaults (``k = 10``, ``algorithm="auto"``: the exact search up to
   5,000 rows (a kd-tree up to 15 features, blocked brute force above),
   the approximate random-projection forest above) on
   i.i.d. Gaussian ``X``: build time, the bytes of the sparse matrix and,
   for the approximate search, its recall (the fraction of the true 10
   nearest neighbours found) and distance ratio (found / true distance of
   the j-th neighbour, averaged) on 1,000 random rows, against a brute-force
   search (not timed). i.i.d. Gaussian data filling 20 or 100 dimensions is
   the hardest case for any tree: the lowest recall. Sizes whose predicted
   time (extrapolated from the measured exponent) exceeds ``--budget``
   seconds are not run; the table shows the prediction instead.
B. **fit, one epoch** - ``LSPINClassifier(max_iter=1, finetune_iter=0,
   similarity_weight=0)`` (default networks): the cost of an epoch without the affinity.
C. **partial_fit stream** - one pass of ``partial_fit`` over ``X`` in
   chunks of ``--chunk`` rows with the default similarity penalty, whose
   affinity is built within each chunk: the out-of-core path.
D. **fit with the affinity at the largest n** -
   ``LSPINClassifier(max_iter=1, finetune_iter=0)`` at ``d = 100`` on the
   i.i.d. Gaussian ``X`` of part B: the time and peak memory of a complete
   ``fit`` of one epoch (without fine-tuning), affinity included.
R. **Recall of the approximate search** at ``n = 20,000`` (where the exact
   search is affordable for every row): :func:`approximate_nearest_neighbors`
   against a brute-force search, on i.i.d. Gaussian ``X`` and on a mixture of
   20 Gaussian clusters (centres drawn with standard deviation 3 per
   feature, cluster standard deviations between 0.5 and 1.5), ``d = 20`` and
   ``100``; every row is a query.

The exponents are least-squares slopes of log(time) or log(bytes) against
log(n) over the measured sizes ``n >= 1e4`` (all sizes when fewer than two
qualify).
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np
from _outputs import check_output_paths, write_text
from _provenance import commit_description, import_sklspin

try:
    import resource
except ImportError:  # Windows: main() refuses to run, see there
    resource = None

DIMENSIONS = (20, 100)
DECADES = (1_000, 10_000, 100_000, 1_000_000)
HALF_DECADES = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
N_NEIGHBORS = 10
PARTS = "ABCDR"
MIN_ROWS = 100  # --max-n below it leaves too few rows for a fit
RECALL_QUERIES = 1_000  # rows whose neighbours are checked in part A
RECALL_N = 20_000  # part R
KINDS = ("gaussian", "mixture")


# ---------------------------------------------------------------------------
# worker: one measurement in its own process
# ---------------------------------------------------------------------------
def _peak_rss_bytes():
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _make_X(n, d, kind, seed=0):
    rng = np.random.RandomState(seed)
    if kind == "gaussian":
        return rng.standard_normal((n, d))
    if kind == "mixture":
        centres = 3.0 * rng.standard_normal((20, d))
        spread = rng.uniform(0.5, 1.5, size=20)
        cluster = rng.randint(20, size=n)
        return centres[cluster] + spread[cluster, None] * rng.standard_normal((n, d))
    raise ValueError(f"unknown kind of data {kind!r}")


def _true_neighbors(X, queries, k):
    """Exact ``k`` nearest neighbours (not the row itself) of the rows ``queries``.

    Brute force in blocks of rows and columns (float64 BLAS); the distances
    of the neighbours found are then computed exactly from differences.
    """
    n = X.shape[0]
    norms = np.einsum("ij,ij->i", X, X)
    indices = np.empty((queries.size, k), dtype=np.intp)
    for begin in range(0, queries.size, 1_000):
        rows = queries[begin : begin + 1_000]
        best = np.empty((rows.size, 0), dtype=np.intp)
        best_keys = np.empty((rows.size, 0))
        for start in range(0, n, 16_384):
            stop = min(n, start + 16_384)
            # ||x_j||^2 - 2 x_i.x_j ranks row i's neighbours.
            keys = norms[None, start:stop] - 2.0 * (X[rows] @ X[start:stop].T)
            own = (rows >= start) & (rows < stop)
            keys[np.flatnonzero(own), rows[own] - start] = np.inf
            top = np.argpartition(keys, k - 1, axis=1)[:, :k]
            best = np.concatenate([best, top + start], axis=1)
            best_keys = np.concatenate(
                [best_keys, np.take_along_axis(keys, top, axis=1)], axis=1
            )
            keep = np.argpartition(best_keys, k - 1, axis=1)[:, :k]
            best = np.take_along_axis(best, keep, axis=1)
            best_keys = np.take_along_axis(best_keys, keep, axis=1)
        indices[begin : begin + rows.size] = best
    distances = np.linalg.norm(X[queries, None, :] - X[indices], axis=2)
    return indices, np.sort(distances, axis=1)


def _quality(X, queries, indices, distances):
    """Recall and mean distance ratio of the neighbours of ``queries`` found."""
    true_indices, true_distances = _true_neighbors(X, queries, indices.shape[1])
    found = (indices[:, :, None] == true_indices[:, None, :]).any(axis=2)
    ratio = distances / np.maximum(true_distances, np.finfo(float).tiny)
    return float(found.mean()), float(ratio.mean())


def _worker(task):
    import_sklspin()
    from sklearn.exceptions import ConvergenceWarning

    from sklspin import LSPINClassifier, _neighbors
    from sklspin._affinity import knn_gaussian_affinity

    warnings.simplefilter("ignore", ConvergenceWarning)
    n, d, part = task["n"], task["d"], task["part"]
    baseline = _peak_rss_bytes()
    X = _make_X(n, d, task.get("kind", "gaussian"))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    result = dict(task, x_bytes=X.nbytes, baseline_rss=baseline)
    start = time.perf_counter()
    if part == "A":
        queries = np.sort(
            np.random.RandomState(1).choice(n, min(n, RECALL_QUERIES), replace=False)
        )
        found = {}
        search = _neighbors.approximate_nearest_neighbors

        def keep_queries(X, n_neighbors, **kwargs):
            # Called by knn_gaussian_affinity when it uses the approximate
            # search: keep the answers for the sampled rows (not timed apart).
            indices, distances = search(X, n_neighbors, **kwargs)
            found["indices"], found["distances"] = indices[queries], distances[queries]
            return indices, distances

        _neighbors.approximate_nearest_neighbors = keep_queries
        affinity = knn_gaussian_affinity(X, N_NEIGHBORS)
        result["seconds"] = time.perf_counter() - start
        result["peak_rss"] = _peak_rss_bytes()
        result["nnz"] = int(affinity.nnz)
        result["sparse_bytes"] = int(
            affinity.data.nbytes + affinity.indices.nbytes + affinity.indptr.nbytes
        )
        result["search"] = "approximate" if found else "exact"
        if found:
            del affinity
            result["recall"], result["distance_ratio"] = _quality(
                X, queries, found["indices"], found["distances"]
            )
    elif part == "R":
        indices, distances = _neighbors.approximate_nearest_neighbors(X, N_NEIGHBORS)
        result["seconds"] = time.perf_counter() - start
        result["recall"], result["distance_ratio"] = _quality(
            X, np.arange(n), indices, distances
        )
    elif part in ("B", "D"):
        params = {"similarity_weight": 0.0} if part == "B" else {}
        LSPINClassifier(max_iter=1, finetune_iter=0, random_state=0, **params).fit(X, y)
        result["seconds"] = time.perf_counter() - start
    elif part == "C":
        model = LSPINClassifier(random_state=0)
        classes = np.array([0, 1])
        chunk = task["chunk"]
        with warnings.catch_warnings():
            # A last chunk smaller than n_neighbors + 1 is warned about.
            warnings.simplefilter("ignore", UserWarning)
            for begin in range(0, n, chunk):
                model.partial_fit(
                    X[begin : begin + chunk], y[begin : begin + chunk], classes=classes
                )
        result["seconds"] = time.perf_counter() - start
    else:
        raise ValueError(f"unknown part {part!r}")
    result.setdefault("peak_rss", _peak_rss_bytes())
    print(json.dumps(result))


def _measure(task):
    completed = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(task)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"measurement {task} failed:\n{completed.stdout}\n{completed.stderr}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------
def _exponent(rows, key):
    points = [(r["n"], r[key]) for r in rows if key in r and r[key] > 0]
    large = [p for p in points if p[0] >= 10_000]
    if len(large) >= 2:
        points = large
    if len(points) < 2:
        return None, None
    n, value = np.array(points, dtype=float).T
    slope = np.polyfit(np.log(n), np.log(value), 1)[0]
    return float(slope), (int(n.min()), int(n.max()))


def _format_exponent(rows, key):
    slope, span = _exponent(rows, key)
    if slope is None:
        return "n/a"
    return f"{slope:.2f} (n = {span[0]:.0e} to {span[1]:.0e})"


def _run_grid(part, d, sizes, budget, log, **extra):
    """Measure ``sizes`` in order; skip those whose predicted time exceeds budget.

    The prediction extrapolates the last measurement with the exponent of the
    last two, clipped to [1, 2]: no build is cheaper than linear, and an exact
    kNN search costs at most a full scan per query (quadratic); steeper
    measured slopes come from cache effects and machine load.
    """
    rows, skipped = [], []
    for n in sizes:
        if len(rows) >= 1:
            last = rows[-1]
            slope = _exponent(rows[-2:], "seconds")[0] if len(rows) >= 2 else 1.0
            slope = min(max(slope, 1.0), 2.0)
            predicted = last["seconds"] * (n / last["n"]) ** slope
            if predicted > budget:
                skipped.append((n, predicted, slope))
                continue
        row = _measure(dict(part=part, n=n, d=d, **extra))
        quality = (
            f", recall {row['recall']:.3f}, distance ratio {row['distance_ratio']:.4f}"
            if "recall" in row
            else ""
        )
        log(
            f"  {part} d={d} n={n:>9,}: {row['seconds']:8.2f} s, peak RSS "
            f"{row['peak_rss'] / 2**20:8.1f} MiB{quality}"
        )
        rows.append(row)
    return rows, skipped


def _mib(value):
    return f"{value / 2**20:,.1f}"


def _report(results, args, elapsed):
    lines = []
    add = lines.append
    add("# sklspin scale benchmark")
    add("")
    environment = "".join(
        f"{name}={os.environ[name]} "
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
        if name in os.environ
    )
    command = f"{environment}python benchmarks/scale.py {' '.join(args.argv)}"
    add(f"Command: `{command.rstrip()}`  ")
    add(
        f"Date: {datetime.date.today().isoformat()}; "
        f"commit {commit_description(short=True)}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {_version('scipy')}, "
        f"scikit-learn {_version('sklearn')}; total {elapsed / 60:.1f} min."
    )
    add("")
    add(
        "Each row is a fresh process; *peak RSS* is its `ru_maxrss` (Python, "
        "NumPy and the data included), *ratio* is peak RSS / `X.nbytes` "
        "(float64 X)."
    )
    if "A" in results:
        _report_affinity(results["A"], add)
    for part, title in (
        ("B", "B. fit, one epoch, no similarity penalty (similarity_weight=0)"),
        (
            "C",
            f"C. partial_fit stream: one epoch in chunks of {args.chunk:,} rows, "
            "affinity within each chunk",
        ),
    ):
        if part in results:
            _report_epochs(results[part], title, add)
    if "D" in results:
        add("")
        add(
            "## D. fit with the full-data affinity, one epoch, d = 100, i.i.d. "
            "Gaussian X"
        )
        add("")
        rows, skipped = results["D"]
        if rows:
            add(
                "| d | n | time (s) | peak RSS (MiB) | ratio | "
                "ratio above interpreter |"
            )
            add("|---|---|---|---|---|---|")
            for r in rows:
                add(
                    f"| {r['d']} | {r['n']:,} | {r['seconds']:.2f} | "
                    f"{_mib(r['peak_rss'])} | {_ratios(r)} |"
                )
        for n, predicted, _ in skipped:
            add(f"* n = {n:,}: not run, predicted {predicted:,.0f} s.")
    if "R" in results:
        add("")
        sizes = ", ".join(f"{n:,}" for n in sorted({r["n"] for r in results["R"]}))
        add(
            f"## R. Approximate search against the exact one, n = {sizes}, "
            "every row a query"
        )
        add("")
        add("| data | d | time (s) | recall | distance ratio |")
        add("|---|---|---|---|---|")
        for r in results["R"]:
            add(
                f"| {r['kind']} | {r['d']} | {r['seconds']:.2f} | "
                f"{r['recall']:.3f} | {r['distance_ratio']:.4f} |"
            )
    add("")
    add("## Summary")
    add("")
    for line in _summary(results):
        add(f"* {line}")
    return "\n".join(lines) + "\n"


def _report_affinity(results, add):
    add("")
    add(
        f"## A. Affinity: {N_NEIGHBORS}-NN Gaussian kernel, default search "
        '(`algorithm="auto"`), i.i.d. Gaussian X'
    )
    add("")
    add(
        "*recall*: the fraction of the true 10 nearest neighbours found, "
        f"*distance ratio*: found / true distance of the j-th neighbour, on "
        f"{RECALL_QUERIES:,} random rows (1 for the exact search)."
    )
    add("")
    add(
        "| d | n | search | build (s) | µs / row | recall | distance ratio | nnz | "
        "sparse matrix (MiB) | bytes / row | peak RSS (MiB) |"
    )
    add("|---|---|---|---|---|---|---|---|---|---|---|")
    for d in DIMENSIONS:
        rows, skipped = results[d]
        for r in rows:
            quality = (
                f"{r['recall']:.3f} | {r['distance_ratio']:.4f}"
                if "recall" in r
                else "1 | 1"
            )
            add(
                f"| {d} | {r['n']:,} | {r['search']} | {r['seconds']:.2f} | "
                f"{1e6 * r['seconds'] / r['n']:.1f} | {quality} | {r['nnz']:,} | "
                f"{_mib(r['sparse_bytes'])} | {r['sparse_bytes'] / r['n']:.0f} | "
                f"{_mib(r['peak_rss'])} |"
            )
        for n, predicted, slope in skipped:
            add(
                f"| {d} | {n:,} | | not run: predicted {predicted:,.0f} s "
                f"(n^{slope:.2f}) | | | | | | | |"
            )
    add("")
    for d in DIMENSIONS:
        rows = results[d][0]
        add(
            f"* d = {d}: time exponent {_format_exponent(rows, 'seconds')}; "
            f"memory exponent {_format_exponent(rows, 'sparse_bytes')}."
        )


def _report_epochs(results, title, add):
    add("")
    add(f"## {title}")
    add("")
    add(
        "| d | n | time (s) | µs / row | peak RSS (MiB) | ratio | "
        "ratio above interpreter |"
    )
    add("|---|---|---|---|---|---|---|")
    for d in DIMENSIONS:
        for r in results[d][0]:
            add(
                f"| {d} | {r['n']:,} | {r['seconds']:.2f} | "
                f"{1e6 * r['seconds'] / r['n']:.1f} | {_mib(r['peak_rss'])} | "
                f"{_ratios(r)} |"
            )
    add("")
    for d in DIMENSIONS:
        rows = results[d][0]
        add(
            f"* d = {d}: time exponent {_format_exponent(rows, 'seconds')}; "
            "exponent of the peak RSS above the interpreter's "
            f"{_format_exponent(_rss_increase(rows), 'rss_increase')}."
        )


def _ratios(row):
    """Peak RSS / X bytes, and the same without the interpreter's baseline."""
    total = row["peak_rss"] / row["x_bytes"]
    above = (row["peak_rss"] - row["baseline_rss"]) / row["x_bytes"]
    return f"{total:.2f} | {above:.2f}"


def _rss_increase(rows):
    return [dict(r, rss_increase=r["peak_rss"] - r["baseline_rss"]) for r in rows]


def _summary(results):
    lines = []
    for d in DIMENSIONS if "A" in results else ():
        rows, skipped = results["A"][d]
        slope, span = _exponent(rows, "seconds")
        if slope is not None:
            lines.append(
                f"affinity build on i.i.d. Gaussian X, d = {d}: time exponent "
                f"{slope:.2f} over n = {span[0]:,} to {span[1]:,} (target: about "
                "1, linear)."
            )
        for r in rows:
            if r["n"] == 100_000 and d == 20:
                lines.append(
                    f"affinity build at n = 100,000, d = 20: {r['seconds']:.1f} s "
                    "(target < 10 s)."
                )
        if skipped:
            n, predicted, _ = skipped[-1]
            lines.append(
                f"affinity build, d = {d}: n = {n:,} not run, predicted about "
                f"{predicted:,.0f} s."
            )
    largest = {}
    for part in ("B", "C"):
        rows = results.get(part, {}).get(100, ([], []))[0]
        if rows:
            largest[part] = max(rows, key=lambda r: r["n"])
    if results.get("D", ([], []))[0]:
        largest["D"] = max(results["D"][0], key=lambda r: r["n"])
    names = {
        "B": "fit (1 epoch, no affinity)",
        "C": "partial_fit stream (affinity per chunk)",
        "D": "fit with the full-data affinity",
    }
    for part, r in largest.items():
        lines.append(
            f"peak RSS / X at n = {r['n']:,}, d = 100, {names[part]}: "
            f"{r['peak_rss'] / r['x_bytes']:.2f} (target < 3; "
            f"{(r['peak_rss'] - r['baseline_rss']) / r['x_bytes']:.2f} above the "
            "interpreter's own memory)."
        )
    return lines


def _version(module):
    return __import__(module).__version__


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="n up to 3e3: a smoke run of under a minute",
    )
    parser.add_argument(
        "--max-n",
        type=int,
        default=1_000_000,
        help="largest number of rows (default: %(default)s; at most 3000 with --quick)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=150.0,
        help="skip an affinity (part A) whose predicted time exceeds this many "
        "seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--chunk",
        type=int,
        default=2000,
        help="rows per partial_fit call (part C; default: %(default)s)",
    )
    parser.add_argument(
        "--parts",
        default=PARTS,
        help=f"which parts to run, any of {PARTS!r} (default: all)",
    )
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"--parts: unknown parts {''.join(sorted(unknown))!r}")
    if not args.parts:
        parser.error(f"--parts: give at least one of {PARTS!r}")
    if not args.budget > 0:
        parser.error("--budget must be a positive number of seconds")
    if args.max_n < MIN_ROWS:
        parser.error(f"--max-n must be at least {MIN_ROWS}")
    if args.chunk < 2:
        parser.error("--chunk must be at least 2 rows")
    check_output_paths(parser, args, ("--out",))
    args.argv = [a for a in (argv if argv is not None else sys.argv[1:])]
    return args


def main(argv=None):
    args = _parse(argv)
    if resource is None:
        sys.exit(
            "scale.py measures each process's peak resident set size with the "
            "resource module, which this platform (Windows) does not have; "
            "run it on Linux or macOS."
        )
    if args.worker:
        _worker(json.loads(args.worker))
        return
    max_n = min(args.max_n, 3_000) if args.quick else args.max_n
    decades = [n for n in DECADES if n <= max_n] or [max_n]
    if args.quick:
        decades = sorted({min(1_000, max_n), max_n})
    half_decades = [n for n in HALF_DECADES if n <= max_n] or [max_n]

    def log(message):
        print(message, file=sys.stderr, flush=True)

    start = time.perf_counter()
    results = {}
    if "A" in args.parts:
        results["A"] = {
            d: _run_grid("A", d, half_decades, args.budget, log) for d in DIMENSIONS
        }
    if "B" in args.parts:
        results["B"] = {
            d: _run_grid("B", d, decades, float("inf"), log) for d in DIMENSIONS
        }
    if "C" in args.parts:
        results["C"] = {
            d: _run_grid("C", d, decades, float("inf"), log, chunk=args.chunk)
            for d in DIMENSIONS
        }
    if "D" in args.parts:
        # The largest size only (plus one size below it for the exponent).
        d_sizes = sorted({max(decades[-1] // 10, decades[0]), decades[-1]})
        results["D"] = _run_grid("D", 100, d_sizes, float("inf"), log)
    if "R" in args.parts:
        n = min(RECALL_N, max_n)
        results["R"] = []
        for kind in KINDS:
            for d in DIMENSIONS:
                row = _measure(dict(part="R", n=n, d=d, kind=kind))
                log(
                    f"  R {kind} d={d} n={n:,}: {row['seconds']:.2f} s, recall "
                    f"{row['recall']:.3f}, distance ratio {row['distance_ratio']:.4f}"
                )
                results["R"].append(row)
    report = _report(results, args, time.perf_counter() - start)
    print(report)
    if args.out:
        write_text(args.out, report)


if __name__ == "__main__":
    main()
