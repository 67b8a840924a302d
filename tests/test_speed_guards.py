"""Count-based guards of the training step's speed (issue 7); no wall clock.

``benchmarks/speed.py`` measures the time; these tests pin the properties
that made it fast, as counts that do not depend on the machine:

* autograd's per-operation overhead (~10 us per traced primitive, more on a
  busy machine) dominated a step on small networks: the objective records a
  small, fixed number of primitives, whatever the batch size, the number of
  features, the task or the penalties;
* the kNN affinity keeps fitting memory O(n * k): no n x n array is ever
  allocated.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
from autograd import grad
from autograd.core import VJPNode
from autograd.tracer import toposort, trace

from sklspin import LLSPINClassifier, LSPINClassifier, LSPINRegressor
from sklspin._gating import global_gate_means
from sklspin._losses import (
    Batch,
    ObjectiveSpec,
    PredictorSpec,
    objective,
    predictor_objective,
)
from sklspin._networks import init_mlp, keep_freed_memory_in_heap

# 4 layers + gated input + task loss + gate penalty + L2 + weighted sum = 9.
# The objective recorded 76 primitives before issue 7.
MAX_TRACED_PRIMITIVES = 9


def _count(params, batch, spec):
    _, end_node = trace(VJPNode.new_root(), lambda p: objective(p, batch, spec), params)
    return sum(1 for node in toposort(end_node) if node.parents)


@pytest.mark.parametrize(
    "task, n_outputs",
    [("binary_log_loss", 1), ("multinomial_log_loss", 3), ("squared_error", 2)],
)
@pytest.mark.parametrize("similarity", [False, True])
def test_traced_primitives_per_objective_are_few(
    task, n_outputs, similarity, objective_problem
):
    params, batch, spec = objective_problem(
        16, 5, task, n_outputs, similarity, activation="relu"
    )
    assert _count(params, batch, spec) <= MAX_TRACED_PRIMITIVES


@pytest.mark.parametrize("n, d", [(4, 3), (64, 3), (4, 40), (257, 40)])
def test_traced_primitives_do_not_grow_with_batch_or_features(n, d, objective_problem):
    # No Python loop over samples, features or neighbours in the traced code.
    params, batch, spec = objective_problem(n, d, activation="relu")
    reference = _count(*objective_problem(8, 5, activation="relu"))
    assert _count(params, batch, spec) == reference


def test_traced_primitives_with_global_gates():
    rng = np.random.RandomState(0)
    n, d = 9, 4
    params = [np.zeros((0, d)), rng.normal(size=d)] + init_mlp((d, 3, 1), rng)
    spec = ObjectiveSpec(
        2, global_gate_means, "tanh", "squared_error", 0.5, 0.3, 0.0, 0.01
    )
    batch = Batch(
        rng.normal(size=(n, d)),
        rng.normal(size=(n, 1)),
        np.ones(n),
        rng.normal(size=(n, d)),
        None,
        None,
    )
    assert _count(params, batch, spec) <= MAX_TRACED_PRIMITIVES


def test_parameter_list_is_not_unpacked_in_the_trace(monkeypatch, objective_problem):
    # Taking an array out of the traced parameter list costs a node and, in
    # the backward pass, a vector space of the whole list: the objective
    # reads the arrays inside its primitives instead.
    names = []
    original = VJPNode.__init__

    def recording_init(self, value, fun, args, kwargs, parent_argnums, parents):
        names.append(getattr(fun, "__name__", repr(fun)))
        original(self, value, fun, args, kwargs, parent_argnums, parents)

    monkeypatch.setattr(VJPNode, "__init__", recording_init)
    params, batch, spec = objective_problem(16, 5, activation="relu")
    grads = grad(objective)(params, batch, spec)
    assert "container_take" not in names
    assert names.count("dense_in_list") == 4
    # ... and the gradient still has one array per parameter array.
    assert [g.shape for g in grads] == [p.shape for p in params]


@pytest.mark.parametrize(
    "Estimator", [LSPINClassifier, LLSPINClassifier, LSPINRegressor]
)
def test_fit_never_allocates_an_n_by_n_array(Estimator):
    n, d = 3000, 5
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] > 0).astype(int) if Estimator is not LSPINRegressor else X[:, 0]
    model = Estimator(
        gating_hidden_layer_sizes=(8,),
        max_iter=2,
        batch_size=256,
        similarity_weight=0.1,
        random_state=0,
    )
    smallest_n_by_n = n * n  # bytes of a boolean n x n array: 9 MB
    # Once per process the objective allocates (and frees, untouched) a
    # 32 MB chunk to raise glibc's malloc thresholds: do it before tracing.
    keep_freed_memory_in_heap()
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning after 2 epochs
            model.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.n_neighbors_ > 0  # the affinity was built
    print(f"{Estimator.__name__}: peak traced memory {peak / 1e6:.2f} MB")
    assert peak < smallest_n_by_n, f"peak {peak / 1e6:.1f} MB"


def test_traced_primitives_of_the_finetuning_objective(objective_problem):
    # Fine-tuning traces the prediction network alone: its layers, the task
    # loss, the L2 term and the weighted sum.
    params, batch, spec = objective_problem(16, 5, activation="relu")
    pred_params = params[spec.n_gate_params :]
    predictor_spec = PredictorSpec(spec.activation, spec.task_loss, spec.l2_weight)
    _, end_node = trace(
        VJPNode.new_root(),
        lambda p: predictor_objective(p, batch, predictor_spec),
        pred_params,
    )
    n_layers = len(pred_params) // 2
    assert sum(1 for node in toposort(end_node) if node.parents) <= n_layers + 3
