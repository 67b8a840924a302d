"""Training speed of sklspin against scikit-learn's MLPClassifier (issue 7).

Run from the repository root::

    python benchmarks/speed.py                      # full grid, ~5 min on 2 cores
    python benchmarks/speed.py --quick              # small grid, ~10 s
    python benchmarks/speed.py --before c961c55~1 --out benchmarks/results/speed.md

What is measured, all in ONE process, estimators alternating (the order is
rotated at every repetition, so that a burst of load from other processes
hits all of them alike):

* the grid ``d in {20, 100, 1000}`` x ``n in {1e3, 1e4, 1e5}`` x batch size
  ``{64, 256, "auto"}`` ("auto" is each estimator's own default: LSPIN's
  ``min(n, 256, max(32, n // 16))``, scikit-learn's ``min(200, n)``; STG
  gets LSPIN's);
* estimators, all binary classifiers on the same standardised data:

  - ``LSPIN``: :class:`sklspin.LSPINClassifier` with its defaults (prediction
    network ``(64,)`` ReLU; linear gating network, one ``d x d`` matrix up to
    256 features and a rank-64 product above; similarity penalty on, i.e.
    the sampled neighbours go through the gating network);
  - ``LLSPIN``: :class:`sklspin.LLSPINClassifier` (gating ``(64,)`` tanh,
    linear predictor);
  - ``MLP(pred)``: :class:`~sklearn.neural_network.MLPClassifier` with
    LSPIN's prediction network, ``solver="adam"``;
  - ``MLP(=LSPIN)`` / ``MLP(=LLSPIN)``: one hidden layer whose width makes
    the parameter count equal to LSPIN's (LLSPIN's) prediction + gating
    networks together;
  - ``STG(sklspin)``: :class:`sklspin.STGClassifier` (global gates, the
    same prediction network) and ``STG(torch)``: the ``stg`` package
    (PyTorch, float32, CPU) with the same prediction network, when ``torch``
    and ``stg`` import (else skipped with a message);
  - with ``--before REV``: the sklspin package at git revision ``REV``
    (extracted with ``git archive``), LSPIN and LLSPIN, at ``n = 1e4`` and
    batch 256, to measure the speed-up of a change in the same run.

* **time per epoch** = (time per optimizer step) x (steps per epoch). The
  time per step is measured inside ``fit`` between consecutive optimizer
  updates (the optimizer classes are wrapped for the benchmark), so it
  includes everything the training loop does per step (batching, gate
  noise, neighbour sampling, forward, backward, Adam) and nothing done once
  per fit (input validation, the affinity, the final gate summary). Each
  measurement runs ``--steps`` steps after a warm-up step and then stops the
  fit. Times are **CPU times** of the process (``time.process_time``; on
  Windows, whose process clock advances in 15.6 ms ticks, wall time), with
  BLAS limited to one thread for everybody (sklspin trains with one BLAS
  thread by design) and ``torch.set_num_threads(1)``: on a machine shared
  with other jobs, CPU time measures the work, where wall time mostly
  measures the neighbours. Wall times are recorded in the JSON output.
* **affinity**: in the timed fits, :func:`sklspin._affinity.knn_gaussian_affinity`
  is replaced by a random graph with the same number of edges per row
  (the per-step cost depends on the graph only through its size); the
  real build is timed separately (part D), on i.i.d. Gaussian data.
* **profile** (part B): one step of LSPIN replayed piece by piece on the
  package's internals at ``n = 1e4``, batch 256: batching, gate noise,
  neighbour sampling and gather, traced forward, backward, divergence
  check, Adam; the number of traced primitives per objective; the time of
  the step's matrix products alone (replayed with the same shapes); part A's
  targets table adds the ratio of the matrix-product FLOPs of an LSPIN
  (LLSPIN) step to those of ``MLP(=LSPIN)`` (``MLP(=LLSPIN)``), a reference
  rather than a bound (see :func:`matmul_flop_ratio`); part C repeats it for
  the current and the ``--before`` package each in a fresh interpreter, with
  the minor page faults per step (Linux and macOS; "-" on Windows).

Results: the tables printed here; ``--out`` writes them as Markdown with the
command line and the machine, ``--json`` the raw measurements.
"""

import argparse
import atexit
import collections
import contextlib
import datetime
import importlib
import io
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings

import numpy as np
import sklearn.neural_network._multilayer_perceptron as sk_mlp
from _outputs import check_output_paths, write_text
from _provenance import ROOT, commit_description, git, import_sklspin
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

try:
    import resource
except ImportError:  # Windows: no page-fault counts, "-" in the tables
    resource = None

sklspin = import_sklspin()

HIDDEN = 64
N_NEIGHBORS = 10
FULL = dict(
    dims=(20, 100, 1000),
    sizes=(1_000, 10_000, 100_000),
    batches=(64, 256, "auto"),
    steps=80,
    repeats=5,
)
QUICK = dict(dims=(20, 100), sizes=(1_000, 10_000), batches=(256,), steps=20, repeats=2)


# ---------------------------------------------------------------------------
# stopping a fit after a number of optimizer steps, and timing the steps
# ---------------------------------------------------------------------------
# Windows' process clock advances in 15.6 ms ticks, longer than many of the
# steps timed here; with BLAS on one thread, wall time measures the same.
cpu_clock = time.perf_counter if sys.platform == "win32" else time.process_time
clock_name = "wall time" if sys.platform == "win32" else "CPU time"


def _load_average():
    """The 1-minute load average as text, "n/a" where the OS has none."""
    if not hasattr(os, "getloadavg"):  # Windows
        return "n/a"
    return f"{os.getloadavg()[0]:.1f}"


def _minor_faults():
    if resource is None:
        return math.nan
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class _Enough(Exception):
    """Raised from inside a fit once enough steps were timed."""


class StepClock:
    """Time stamps of optimizer steps; stops the fit after ``limit`` of them."""

    def __init__(self):
        self.limit = None
        self.cpu, self.wall, self.faults = [], [], []

    def start(self, limit):
        self.limit = limit
        self.cpu, self.wall, self.faults = [], [], []

    def tick(self):
        self.cpu.append(cpu_clock())
        self.wall.append(time.perf_counter())
        self.faults.append(_minor_faults())
        if self.limit is not None and len(self.cpu) >= self.limit:
            raise _Enough

    def per_step(self):
        """Mean CPU and wall time between the first and the last stamp."""
        if len(self.cpu) < 2:
            return math.nan, math.nan
        steps = len(self.cpu) - 1
        return (
            (self.cpu[-1] - self.cpu[0]) / steps,
            (self.wall[-1] - self.wall[0]) / steps,
        )

    def faults_per_step(self):
        if len(self.faults) < 2:
            return math.nan
        return (self.faults[-1] - self.faults[0]) / (len(self.faults) - 1)


CLOCK = StepClock()


def _timed_optimizer(base_class):
    class Timed(base_class):
        def update_params(self, *args, **kwargs):
            result = super().update_params(*args, **kwargs)
            CLOCK.tick()
            return result

    Timed.__name__ = base_class.__name__
    return Timed


def random_knn_affinity(
    X, n_neighbors=10, bandwidth="median", random_state=None, groups=None
):
    """Stand-in for the kNN affinity: random neighbours, same sparsity.

    ``random_state`` (the estimators pass one since 3dd42d5) is ignored: the
    stand-in always draws from its own fixed seed. ``groups`` (passed since
    the estimators take known groups) must be ``None``: the benchmark fits
    without groups.
    """
    if groups is not None:
        raise ValueError("the speed benchmark's affinity stand-in takes no groups")
    n = X.shape[0]
    rng = np.random.RandomState(0)
    rows = np.repeat(np.arange(n), n_neighbors)
    cols = (rows + rng.randint(1, n, size=rows.size)) % n
    weights = rng.uniform(0.1, 1.0, size=rows.size)
    directed = sparse.csr_matrix((weights, (rows, cols)), shape=(n, n))
    return directed.maximum(directed.T).tocsr()


def instrument(package):
    """Wrap the package's Adam and replace its affinity (benchmark only)."""
    base = importlib.import_module(package.__name__ + "._base")
    base.AdamOptimizer = _timed_optimizer(base.AdamOptimizer)
    base.knn_gaussian_affinity = random_knn_affinity


def instrument_sklearn():
    sk_mlp.AdamOptimizer = _timed_optimizer(sk_mlp.AdamOptimizer)


# ---------------------------------------------------------------------------
# the package at an older revision, importable next to the current one
# ---------------------------------------------------------------------------
def load_revision(rev):
    """Import ``sklspin`` at git revision ``rev`` as the package ``sklspin_<rev>``.

    Its files go to a temporary directory that is removed when the process
    exits (not before: the package may import more of its modules later).
    """
    name = "sklspin_" + "".join(c if c.isalnum() else "_" for c in rev)
    target = tempfile.mkdtemp(prefix="sklspin_rev_")
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    archive = subprocess.run(
        ["git", "-C", ROOT, "archive", rev, "sklspin"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    os.rename(os.path.join(target, "sklspin"), os.path.join(target, name))
    sys.path.insert(0, target)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(target)


# ---------------------------------------------------------------------------
# optional STG (PyTorch) column
# ---------------------------------------------------------------------------
def load_stg():
    try:
        import collections.abc

        for alias in ("Sequence", "Mapping", "MutableMapping", "Iterable", "Set"):
            if not hasattr(collections, alias):  # stg uses the pre-3.10 names
                setattr(collections, alias, getattr(collections.abc, alias))
        import stg
        import torch
    except Exception as exc:  # noqa: BLE001 - any import failure means "skip"
        return None, f"{type(exc).__name__}: {exc}"
    torch.set_num_threads(1)
    return (stg, torch), None


class STGRunner:
    """Fit ``stg.STG`` like an estimator, timing its optimizer steps."""

    def __init__(self, stg_modules, batch_size):
        self.stg, self.torch = stg_modules
        self.batch_size = batch_size

    def fit(self, X, y):
        self.torch.manual_seed(0)
        model = self.stg.STG(
            device="cpu",
            input_dim=X.shape[1],
            output_dim=2,
            hidden_dims=[HIDDEN],
            activation="relu",
            sigma=0.5,
            lam=0.1,
            optimizer="Adam",
            learning_rate=1e-3,
            batch_size=self.batch_size,
            feature_selection=True,
            weight_decay=1e-3,
            task_type="classification",
            random_state=0,
        )
        step = model._optimizer.step

        def timed_step(*args, **kwargs):
            result = step(*args, **kwargs)
            CLOCK.tick()
            return result

        model._optimizer.step = timed_step
        model.fit(X.astype(np.float32), y, nr_epochs=10**6, verbose=False, shuffle=True)


# ---------------------------------------------------------------------------
# the estimators of one cell
# ---------------------------------------------------------------------------
def lspin_batch_size(batch, n):
    if batch == "auto":
        return min(n, 256, max(32, n // 16))
    return min(batch, n)


def sklearn_batch_size(batch, n):
    return min(200, n) if batch == "auto" else min(batch, n)


def gating_layers(d, linear=False, package=sklspin):
    """``(fan_in, fan_out)`` of each gating layer of LSPIN (LLSPIN) by default.

    Also returns the hidden activation. Read from the package's own defaults
    (``gating_hidden_layer_sizes="auto"`` depends on ``d``), so that older
    revisions measured with ``--before`` get their own architecture.
    """
    estimator = (package.LLSPINClassifier if linear else package.LSPINClassifier)()
    if hasattr(estimator, "_gating_hidden_sizes"):
        hidden = tuple(estimator._gating_hidden_sizes(d))
    else:
        hidden = tuple(estimator.gating_hidden_layer_sizes)
    sizes = (d, *hidden, d)
    activation = getattr(estimator, "gating_activation", "tanh")
    return list(zip(sizes[:-1], sizes[1:])), activation


def lspin_n_params(d, hidden=HIDDEN, linear=False):
    layers, _ = gating_layers(d, linear)
    gating = sum((fan_in + 1) * fan_out for fan_in, fan_out in layers)
    prediction = d + 1 if linear else (d + 1) * hidden + hidden + 1
    return gating + prediction


def equal_size_width(n_params, d):
    """Hidden width of a one-hidden-layer binary MLP with ``n_params`` weights."""
    return max(1, round((n_params - 1) / (d + 2)))


class Float32Input:
    """Fits ``estimator`` on a float32 copy of ``X``.

    The copy is made before the fit starts, so outside the timed steps.
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        return self.estimator.fit(X.astype(np.float32), y)


FLOAT32_PAIRS = (
    ("LSPIN", "MLP(=LSPIN)"),
    ("LLSPIN", "MLP(=LLSPIN)"),
)


def make_estimators(d, batch, n, packages, stg_modules, with_before):
    """``{name: zero-argument factory}`` for one cell of the grid."""
    big = dict(max_iter=10**6, n_iter_no_change=10**6)
    width = equal_size_width(lspin_n_params(d), d)
    width_linear = equal_size_width(lspin_n_params(d, linear=True), d)
    sk_batch = sklearn_batch_size(batch, n)
    lspin_batch = batch if batch == "auto" else min(batch, n)

    def mlp(hidden):
        return lambda: MLPClassifier(
            (hidden,), solver="adam", batch_size=sk_batch, random_state=0, **big
        )

    current = packages["current"]
    factories = {
        "LSPIN": lambda: current.LSPINClassifier(
            batch_size=lspin_batch, random_state=0, **big
        ),
        "LLSPIN": lambda: current.LLSPINClassifier(
            batch_size=lspin_batch, random_state=0, **big
        ),
        "MLP(pred)": mlp(HIDDEN),
        "MLP(=LSPIN)": mlp(width),
        "MLP(=LLSPIN)": mlp(width_linear),
    }
    factories["STG(sklspin)"] = lambda: current.STGClassifier(
        batch_size=lspin_batch, random_state=0, **big
    )
    if stg_modules is not None:
        factories["STG(torch)"] = lambda: STGRunner(
            stg_modules, lspin_batch_size(batch, n)
        )
    if with_before:
        # The same cell with float32 input (sklspin and scikit-learn both
        # train in float32 then).
        for pair in FLOAT32_PAIRS:
            for name in pair:
                factories[name + "[f32]"] = lambda make=factories[name]: Float32Input(
                    make()
                )
    if with_before and "before" in packages:
        old = packages["before"]
        factories["LSPIN(before)"] = lambda: old.LSPINClassifier(
            batch_size=lspin_batch, random_state=0, **big
        )
        factories["LLSPIN(before)"] = lambda: old.LLSPINClassifier(
            batch_size=lspin_batch, random_state=0, **big
        )
    batch_sizes = {
        name: (sk_batch if name.startswith("MLP") else lspin_batch_size(batch, n))
        for name in factories
    }
    widths = {"MLP(=LSPIN)": width, "MLP(=LLSPIN)": width_linear}
    return factories, batch_sizes, widths


def measure(factory, X, y, steps):
    """CPU and wall seconds per optimizer step of one (interrupted) fit."""
    CLOCK.start(steps + 1)
    estimator = factory()
    try:
        estimator.fit(X, y)
    except _Enough:
        pass
    finally:
        CLOCK.limit = None
    return CLOCK.per_step()


def make_data(n, d, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, d))
    y = (X[:, 0] * X[:, 1] + 0.5 * X[:, 2] > 0).astype(int)
    return X, y


# ---------------------------------------------------------------------------
# part B: profile of one LSPIN step, replayed on the package's internals
# ---------------------------------------------------------------------------
def count_traced_primitives(fun, x):
    """Number of primitive nodes autograd records when tracing ``fun(x)``."""
    from autograd.core import VJPNode
    from autograd.tracer import toposort, trace

    _, end_node = trace(VJPNode.new_root(), fun, x)
    return sum(1 for _ in toposort(end_node)) - 1  # minus the root


def profile_step(package, d, n=10_000, batch_size=256, steps=30, seed=0):
    """CPU ms per step of each part of an LSPIN training step."""
    from autograd.core import make_vjp

    losses = importlib.import_module(package.__name__ + "._losses")
    networks = importlib.import_module(package.__name__ + "._networks")
    optim = importlib.import_module(package.__name__ + "._optim")
    affinity = importlib.import_module(package.__name__ + "._affinity")

    rng = np.random.RandomState(seed)
    X, y = make_data(n, d, seed)
    y = y.astype(np.float64)
    w = np.ones(n)
    layers, gating_activation = gating_layers(d, package=package)
    gate_sizes = [fan_in for fan_in, _ in layers] + [d]
    gate_params = networks.init_mlp(
        gate_sizes, rng, activation=gating_activation, output_scale=0.01
    )
    pred_params = networks.init_mlp((d, HIDDEN, 1), rng, activation="relu")
    params = gate_params + pred_params
    spec = losses.ObjectiveSpec(
        n_gate_params=len(gate_params),
        gate_means=package.LSPINClassifier()._gate_means,
        activation="relu",
        task_loss="binary_log_loss",
        sigma=0.5,
        sparsity_weight=0.05,
        similarity_weight=0.1,
        l2_weight=1e-4 / batch_size,
    )
    sampler = affinity.NeighbourSampler(random_knn_affinity(X, N_NEIGHBORS))
    # Per fit, as the estimators do: each sample's scaled affinity degree.
    weights = sampler.degree * (1.0 / sampler.degree.mean())
    optimizer = optim.AdamOptimizer(params, 0.01)
    parts = collections.OrderedDict(
        (key, 0.0)
        for key in (
            "batching",
            "gate noise",
            "neighbours",
            "forward (traced)",
            "backward",
            "divergence check",
            "Adam",
        )
    )

    def timed(key, fun):
        start = cpu_clock()
        result = fun()
        parts[key] += cpu_clock() - start
        return result

    order = rng.permutation(n)
    nodes = None
    faults = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(steps + 3):
            if step == 3:  # warm-up steps are not counted
                for key in parts:
                    parts[key] = 0.0
                faults = _minor_faults()
            start = (step * batch_size) % (n - batch_size)

            def batching(start=start):
                idx = order[start : start + batch_size]
                return idx, X[idx], y[idx], w[idx]

            idx, X_batch, y_batch, w_batch = timed("batching", batching)
            shape = X_batch.shape
            noise = timed("gate noise", lambda shape=shape: rng.standard_normal(shape))

            def neighbours(idx=idx):
                nb = sampler.sample(idx, rng)
                if isinstance(nb, tuple):  # --before revisions: (neighbours, degree)
                    nb = nb[0]
                return X[nb], weights[idx]

            X_nb, nb_weight = timed("neighbours", neighbours)
            batch = losses.Batch(X_batch, y_batch, w_batch, noise, X_nb, nb_weight)

            def objective(p, batch=batch):
                return losses.objective(p, batch, spec)

            vjp, _ = timed("forward (traced)", lambda f=objective: make_vjp(f, params))
            grads = timed("backward", lambda vjp=vjp: vjp(1.0))
            timed(
                "divergence check",
                # as the estimators check it: the gradients' squared norm
                lambda grads=grads: sum(float(np.vdot(g, g)) for g in grads),
            )
            timed("Adam", lambda grads=grads: optimizer.update_params(params, grads))
            if nodes is None:
                nodes = count_traced_primitives(objective, params)
    faults = _minor_faults() - faults
    result = {key: value / steps * 1e3 for key, value in parts.items()}
    result["total"] = sum(result.values())
    result["page faults"] = faults / steps
    result["matmuls only"] = matmul_replay_ms(d, batch_size)
    result["traced primitives"] = nodes
    return result


def fit_in_fresh_process(rev, d, steps):
    """Time LSPINClassifier's steps in a new interpreter (``rev=None``: checkout).

    Process-global state (glibc's malloc thresholds, which the current
    objective raises once per process) must not leak from one package to the
    other when their page faults are compared.
    """
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--fit-worker",
        str(d),
        "--steps",
        str(steps),
    ]
    if rev:
        command += ["--before", rev]
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def fit_worker(package, d, steps, n=10_000, batch=256):
    instrument(package)
    X, y = make_data(n, d)
    factory = lambda: package.LSPINClassifier(  # noqa: E731
        batch_size=batch, random_state=0, max_iter=10**6, n_iter_no_change=10**6
    )
    cpu, wall = measure(factory, X, y, steps)
    return dict(
        step_ms=cpu * 1e3, wall_step_ms=wall * 1e3, faults=CLOCK.faults_per_step()
    )


def matmul_replay_ms(d, b, repeats=20):
    """CPU ms of the matrix products one LSPIN step needs, alone."""
    rng = np.random.RandomState(0)
    X2 = rng.standard_normal((2 * b, d))
    layers, _ = gating_layers(d)
    gating_W = [rng.standard_normal(shape) for shape in layers]
    gating_in = [rng.standard_normal((2 * b, fan_in)) for fan_in, _ in layers]
    gating_out = [rng.standard_normal((2 * b, fan_out)) for _, fan_out in layers]
    X = rng.standard_normal((b, d))
    V1, v2 = rng.standard_normal((d, HIDDEN)), rng.standard_normal((HIDDEN, 1))
    H, g = rng.standard_normal((b, HIDDEN)), rng.standard_normal((b, 1))
    G = rng.standard_normal((b, HIDDEN))

    def products():
        A = X2
        for W in gating_W:  # gating forward, anchors and neighbours
            A = A @ W
        for layer, W in enumerate(gating_W):  # gating backward
            gating_in[layer].T @ gating_out[layer]
            if layer > 0:
                gating_out[layer] @ W.T
        X @ V1, H @ v2  # prediction forward
        H.T @ g, g @ v2.T, X.T @ G, G @ V1.T  # prediction backward

    products()
    start = cpu_clock()
    for _ in range(repeats):
        products()
    return (cpu_clock() - start) / repeats * 1e3


def matmul_flop_ratio(d, hidden=HIDDEN):
    """FLOP ratio of an LSPIN / LLSPIN step to the equal-size MLP's step.

    Counted for the matrix products only (2 FLOPs per multiply-add), per
    batch row: LSPIN's gating network runs on the anchors and their sampled
    neighbours (2 rows per sample) forward and backward (weight gradients of
    every layer, input gradients of all but the first); the prediction network needs
    its input gradient too (it feeds the gates). The MLP needs neither.
    """

    def gating_work(linear):
        # Per anchor row (two gating rows): forward and weight gradient of
        # every layer, input gradient of all but the first.
        return sum(
            2 * fan_in * fan_out * (3 if layer else 2)
            for layer, (fan_in, fan_out) in enumerate(gating_layers(d, linear)[0])
        )

    prediction = 3 * d * hidden + 3 * hidden
    linear = 3 * d
    width = equal_size_width(lspin_n_params(d), d)
    width_linear = equal_size_width(lspin_n_params(d, linear=True), d)
    mlp = 2 * d * width + 3 * width
    mlp_linear = 2 * d * width_linear + 3 * width_linear
    return (
        (gating_work(False) + prediction) / mlp,
        (gating_work(True) + linear) / mlp_linear,
    )


# ---------------------------------------------------------------------------
# part D: affinity build time
# ---------------------------------------------------------------------------
def time_affinity(n, d, seed=0, **kwargs):
    from sklspin._affinity import knn_gaussian_affinity

    X, _ = make_data(n, d, seed)
    start = time.perf_counter()
    knn_gaussian_affinity(X, N_NEIGHBORS, **kwargs)
    return time.perf_counter() - start


def affinity_part(full_size, budget):
    """Time the real affinity build, extrapolating sizes over ``budget``."""
    rows = []
    sizes = [2_500, 5_000, 10_000, 20_000, 40_000, full_size]
    measured = []
    for n in sizes:
        if n > full_size:
            break
        predicted = None
        if len(measured) >= 2:
            (n0, t0), (n1, t1) = measured[-2:]
            slope = math.log(t1 / t0) / math.log(n1 / n0)
            predicted = t1 * (n / n1) ** slope
        if predicted is not None and predicted > budget:
            rows.append((n, predicted, "extrapolated"))
            if n == full_size:
                break
            continue
        seconds = time_affinity(n, 20)
        measured.append((n, seconds))
        rows.append((n, seconds, "measured"))
    return rows


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
def median(values):
    values = [v for v in values if not math.isnan(v)]
    return float(np.median(values)) if values else math.nan


def quotient(a, b):
    """``a / b``, NaN (printed "-") when ``b`` is 0: a time below the
    clock's resolution."""
    return a / b if b else math.nan


def fmt(value, digits=2):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def run_description():
    """Date, code measured, machine and versions, for the report's header."""
    return (
        f"Date: {datetime.date.today()}, commit {commit_description(short=True)}, "
        f"{platform.platform()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs "
        f"(load average at start {_load_average()})."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small grid")
    parser.add_argument(
        "--steps",
        type=int,
        help=f"timed steps per measurement (default: {FULL['steps']}, or "
        f"{QUICK['steps']} with --quick)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help=f"alternating repetitions (default: {FULL['repeats']}, or "
        f"{QUICK['repeats']} with --quick)",
    )
    parser.add_argument(
        "--before", metavar="REV", help="also time sklspin at git revision REV"
    )
    parser.add_argument(
        "--affinity-budget",
        type=float,
        default=60.0,
        help="seconds above which an affinity size is extrapolated, not run "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--no-stg",
        action="store_true",
        help="skip the stg package's column (STG in PyTorch)",
    )
    parser.add_argument("--fit-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help="write the report (Markdown) here")
    parser.add_argument("--json", help="write the raw measurements here")
    args = parser.parse_args(argv)

    for option in ("steps", "repeats"):
        if getattr(args, option) is not None and getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1")
    check_output_paths(parser, args, ("--out", "--json"))
    if args.before and git("rev-parse", "--verify", "--quiet", args.before) is None:
        parser.error(f"--before: {args.before!r} is not a git revision here")
    config = dict(QUICK if args.quick else FULL)
    if args.steps is not None:
        config["steps"] = args.steps
    if args.repeats is not None:
        config["repeats"] = args.repeats
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    limits = threadpool_limits(limits=1, user_api="blas")  # noqa: F841 - kept alive
    if args.fit_worker:
        package = load_revision(args.before) if args.before else sklspin
        print(json.dumps(fit_worker(package, args.fit_worker, config["steps"])))
        return None

    packages = {"current": sklspin}
    instrument(sklspin)
    instrument_sklearn()
    if args.before:
        packages["before"] = load_revision(args.before)
        instrument(packages["before"])
    stg_modules, stg_message = (None, "--no-stg") if args.no_stg else load_stg()
    if stg_modules is None:
        print(f"STG column skipped: torch/stg not available ({stg_message})")

    lines = []

    def emit(text=""):
        print(text, flush=True)
        lines.append(text)

    started = time.perf_counter()
    command = "python benchmarks/speed.py " + " ".join(argv or sys.argv[1:])
    emit("# Training speed: sklspin vs scikit-learn's MLPClassifier (issue 7)")
    emit()
    emit(f"Command: `{command.strip()}`  ")
    emit(run_description())
    if stg_modules is not None:
        stg_version = getattr(stg_modules[0], "__version__", None)
        if stg_version is None:
            from importlib.metadata import version

            stg_version = version("stg")
        emit(f"torch {stg_modules[1].__version__}, stg {stg_version}.")
    emit(
        f"Steps timed per measurement: {config['steps']}, alternating "
        f"repetitions: {config['repeats']} (median reported). {clock_name}, "
        "one BLAS thread for every estimator, torch with one thread."
    )
    emit()

    # ---------------- part A: the grid
    records = []
    for d in config["dims"]:
        X_all, y_all = make_data(max(config["sizes"]), d)
        for n in config["sizes"]:
            X, y = X_all[:n], y_all[:n]
            for batch in config["batches"]:
                with_before = n == 10_000 and batch == 256
                factories, batch_sizes, widths = make_estimators(
                    d, batch, n, packages, stg_modules, with_before
                )
                names = list(factories)
                times = {name: [] for name in names}
                walls = {name: [] for name in names}
                for rep in range(config["repeats"]):
                    shift = rep % len(names)
                    for name in names[shift:] + names[:shift]:
                        cpu, wall = measure(factories[name], X, y, config["steps"])
                        times[name].append(cpu)
                        walls[name].append(wall)
                for name in names:
                    steps_per_epoch = math.ceil(n / batch_sizes[name])
                    records.append(
                        dict(
                            d=d,
                            n=n,
                            batch=str(batch),
                            estimator=name,
                            batch_size=batch_sizes[name],
                            step_ms=median(times[name]) * 1e3,
                            epoch_s=median(times[name]) * steps_per_epoch,
                            wall_step_ms=median(walls[name]) * 1e3,
                            cpu_samples_ms=[t * 1e3 for t in times[name]],
                            width=widths.get(name),
                        )
                    )
                print(
                    f"  d={d} n={n} batch={batch}: "
                    + ", ".join(
                        f"{r['estimator']} {r['step_ms']:.2f} ms"
                        for r in records[-len(names) :]
                    ),
                    flush=True,
                )
        del X_all, y_all
    grid_seconds = time.perf_counter() - started

    def cell(d, n, batch):
        return {
            r["estimator"]: r
            for r in records
            if r["d"] == d and r["n"] == n and r["batch"] == str(batch)
        }

    emit("## A. Time per epoch and ratios")
    emit()
    emit(
        f"Time per epoch in seconds of {clock_name} (= median time per step x "
        "steps per epoch). Ratios of times per epoch: (a) LSPIN, (b) LLSPIN, (c) "
        "MLP(pred) = MLPClassifier with LSPIN's prediction network, (d) "
        "MLP(=LSPIN) = MLPClassifier with as many parameters as LSPIN's "
        "prediction + gating networks, (e) MLP(=LLSPIN) likewise for LLSPIN. "
        "Widths of (d)/(e): "
        + ", ".join(
            f"d={d}: {equal_size_width(lspin_n_params(d), d)}/"
            f"{equal_size_width(lspin_n_params(d, linear=True), d)}"
            for d in config["dims"]
        )
        + "."
    )
    emit()
    has_stg = stg_modules is not None
    header = (
        "| d | n | batch | LSPIN s | LLSPIN s | MLP(pred) s | MLP(=LSPIN) s "
        "| (a)/(c) | (a)/(d) | (b)/(c) | (b)/(e) |"
    )
    rule = "|---|---|---|---|---|---|---|---|---|---|---|"
    header += " STG(sklspin) s |"
    rule += "---|"
    if has_stg:
        header += " STG(torch) s | (a)/STG(torch) | STG(sklspin)/STG(torch) |"
        rule += "---|---|---|"
    emit(header)
    emit(rule)
    for d in config["dims"]:
        for n in config["sizes"]:
            for batch in config["batches"]:
                c = cell(d, n, batch)

                def ratio(a, b, c=c):
                    return quotient(c[a]["epoch_s"], c[b]["epoch_s"])

                row = (
                    f"| {d} | {n:.0e} | {batch} | {fmt(c['LSPIN']['epoch_s'], 3)} "
                    f"| {fmt(c['LLSPIN']['epoch_s'], 3)} "
                    f"| {fmt(c['MLP(pred)']['epoch_s'], 3)} "
                    f"| {fmt(c['MLP(=LSPIN)']['epoch_s'], 3)} "
                    f"| {fmt(ratio('LSPIN', 'MLP(pred)'))} "
                    f"| {fmt(ratio('LSPIN', 'MLP(=LSPIN)'))} "
                    f"| {fmt(ratio('LLSPIN', 'MLP(pred)'))} "
                    f"| {fmt(ratio('LLSPIN', 'MLP(=LLSPIN)'))} |"
                )
                row += f" {fmt(c['STG(sklspin)']['epoch_s'], 3)} |"
                if has_stg:
                    row += (
                        f" {fmt(c['STG(torch)']['epoch_s'], 3)} "
                        f"| {fmt(ratio('LSPIN', 'STG(torch)'))} "
                        f"| {fmt(ratio('STG(sklspin)', 'STG(torch)'))} |"
                    )
                emit(row)
    emit()

    # targets
    emit("### Targets (batch 256, ratios of time per epoch, median over n)")
    emit()
    emit(
        "| d | (a)/(d) | target | (b)/(e) | target "
        "| matmul FLOP ratio (a)/(d), (b)/(e) |"
    )
    emit("|---|---|---|---|---|---|")
    for d in config["dims"]:
        if 256 not in config["batches"]:
            continue
        ratios_a = [
            cell(d, n, 256)["LSPIN"]["epoch_s"]
            / cell(d, n, 256)["MLP(=LSPIN)"]["epoch_s"]
            for n in config["sizes"]
        ]
        ratios_b = [
            cell(d, n, 256)["LLSPIN"]["epoch_s"]
            / cell(d, n, 256)["MLP(=LLSPIN)"]["epoch_s"]
            for n in config["sizes"]
        ]
        flops_a, flops_b = matmul_flop_ratio(d)
        target_a = "<= 3" if d < 100 else "<= 1.5"
        emit(
            f"| {d} | {fmt(median(ratios_a))} | {target_a} | {fmt(median(ratios_b))} "
            f"| <= 1.2 | {fmt(flops_a)}, {fmt(flops_b)} |"
        )
    emit()
    emit(
        "Targets: issue 7's bounds on the measured ratios of this table "
        "(median over n). The matmul FLOP ratio is the ratio of the two steps' "
        "matrix-product FLOPs: LSPIN's gating network runs forward and "
        "backward on the anchors and on their sampled neighbours (two rows per "
        "sample), and the prediction network also needs its input gradient (it "
        "feeds the gates), while the MLP of equal size runs one forward and one "
        "weight-gradient product per layer. It is a reference, not a bound: "
        "the element-wise work (activations, gate noise, penalties, Adam) and "
        "the different efficiency of BLAS at the two models' matrix shapes move "
        "the measured ratio either way. A measured ratio (or a target) below it "
        "means a step that takes less time per matrix-product FLOP than the "
        "MLP's; section B shows where the rest of a step goes."
    )
    emit()

    if "before" in packages:
        emit(
            "### Before/after in this run (n = 1e4, batch 256, CPU ms per step; "
            f"before = {args.before})"
        )
        emit()
        emit(
            "| d | LSPIN before | LSPIN after | speed-up "
            "| LLSPIN before | LLSPIN after | speed-up |"
        )
        emit("|---|---|---|---|---|---|---|")
        for d in config["dims"]:
            c = cell(d, 10_000, 256)
            if "LSPIN(before)" not in c:
                continue
            parts = []
            for model in ("LSPIN", "LLSPIN"):
                old, new = c[model + "(before)"]["step_ms"], c[model]["step_ms"]
                parts.append(f"{fmt(old)} | {fmt(new)} | {fmt(quotient(old, new), 1)}x")
            emit(f"| {d} | " + " | ".join(parts) + " |")
        emit()

    emit("### float32 input (n = 1e4, batch 256, CPU ms per step)")
    emit()
    emit(
        "The same cell with `X.astype(np.float32)`: sklspin then trains in "
        "float32, as scikit-learn's MLPs do. Speed-up = float64 / float32 "
        "time; the ratios compare with the equal-size MLP on float32 input "
        "(both in float32) and on float64 input."
    )
    emit()
    emit(
        "| d | model | float64 | float32 | speed-up | MLP float64 | MLP float32 "
        "| ratio, both float32 | ratio, float32 / MLP float64 |"
    )
    emit("|---|---|---|---|---|---|---|---|---|")
    for d in config["dims"]:
        c = cell(d, 10_000, 256)
        for model, mlp in FLOAT32_PAIRS:
            if model + "[f32]" not in c:
                continue
            ms = {
                key: c[key]["step_ms"]
                for key in (model, model + "[f32]", mlp, mlp + "[f32]")
            }
            emit(
                f"| {d} | {model} | {fmt(ms[model])} | {fmt(ms[model + '[f32]'])} "
                f"| {fmt(quotient(ms[model], ms[model + '[f32]']))}x "
                f"| {fmt(ms[mlp])} | {fmt(ms[mlp + '[f32]'])} "
                f"| {fmt(quotient(ms[model + '[f32]'], ms[mlp + '[f32]']))} "
                f"| {fmt(quotient(ms[model + '[f32]'], ms[mlp]))} |"
            )
    emit()

    # ---------------- part B: profile
    emit("## B. Profile of one LSPIN step (CPU ms per step, n = 1e4, batch 256)")
    emit()
    profiles = {}
    for label, package in packages.items():
        for d in config["dims"]:
            profiles[(label, d)] = profile_step(package, d)
    keys = list(next(iter(profiles.values())))
    columns = [(label, d) for label in packages for d in config["dims"]]
    emit("| part | " + " | ".join(f"{label} d={d}" for label, d in columns) + " |")
    emit("|---|" + "---|" * len(columns))
    for key in keys:
        digits = 0 if key == "traced primitives" else 2
        emit(
            f"| {key} | "
            + " | ".join(fmt(float(profiles[col][key]), digits) for col in columns)
            + " |"
        )
    emit()
    emit(
        "`matmuls only` replays the step's matrix products with the same shapes "
        "(gating network on anchors + neighbours, forward and backward; "
        "prediction network including its input gradient). `gate noise` and "
        "`batching`/`neighbours` are done by the training loop in `_base.py`."
    )
    emit()

    # ---------------- part C: fresh processes (page faults)
    fresh_dims = [d for d in config["dims"] if d >= 100]
    if fresh_dims and args.before:
        emit("## C. LSPIN fit, each package in a fresh process (n = 1e4, batch 256)")
        emit()
        emit(
            "The current objective raises glibc's malloc trim/mmap thresholds "
            "once per process (`keep_freed_memory_in_heap`), so in sections A "
            "and B the `before` package, running in the same process, "
            "benefited too. Here each fit runs in its own interpreter "
            "(alternating, median of 3): CPU ms and minor page faults per step."
        )
        emit()
        emit("| d | before ms | before faults | after ms | after faults | speed-up |")
        emit("|---|---|---|---|---|---|")
        for d in fresh_dims:
            runs = {"before": [], "after": []}
            for _ in range(3):
                runs["before"].append(fit_in_fresh_process(args.before, d, 40))
                runs["after"].append(fit_in_fresh_process(None, d, 40))
            old = median([r["step_ms"] for r in runs["before"]])
            new = median([r["step_ms"] for r in runs["after"]])
            old_faults = median([r["faults"] for r in runs["before"]])
            new_faults = median([r["faults"] for r in runs["after"]])
            emit(
                f"| {d} | {fmt(old)} | {fmt(old_faults, 0)} "
                f"| {fmt(new)} | {fmt(new_faults, 0)} | {fmt(quotient(old, new), 1)}x |"
            )
        emit()

    # ---------------- part D: affinity
    emit("## D. Affinity build (`knn_gaussian_affinity`, k = 10, i.i.d. Gaussian X)")
    emit()
    full_size = 100_000 if not args.quick else 10_000
    rows = affinity_part(full_size, args.affinity_budget)
    emit("| n | d | seconds | |")
    emit("|---|---|---|---|")
    for n, seconds, how in rows:
        emit(f"| {n} | 20 | {fmt(seconds, 1)} | {how} |")
    emit()
    emit(
        f"Target: < 10 s at n = 1e5, d = 20. Sizes predicted to take more than "
        f"{args.affinity_budget:.0f} s are extrapolated from the last two measured "
        "sizes (power law), not run."
    )
    emit()
    emit(
        f"Total run time: {(time.perf_counter() - started) / 60:.1f} min "
        f"(grid {grid_seconds / 60:.1f} min)."
    )

    if args.out:
        write_text(args.out, "\n".join(lines) + "\n")
    if args.json:
        raw = dict(
            records=records,
            profiles={f"{k[0]} d={k[1]}": v for k, v in profiles.items()},
            affinity=rows,
        )
        write_text(args.json, json.dumps(raw, indent=1))
    return records


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
