"""autograd gradients of the full objective against finite differences."""

import numpy as np
import pytest
from autograd import grad
from autograd.test_util import check_grads

from sklspin._base import lspin_gate_means
from sklspin._gates import gate_values, open_probability
from sklspin._losses import Batch, ObjectiveSpec, objective
from sklspin._networks import init_mlp


def _problem(task, n_outputs, similarity, seed=0):
    rng = np.random.RandomState(seed)
    n, d = 12, 4
    X = rng.normal(size=(n, d))
    gate_params = init_mlp((d, 5, d), rng, activation="tanh", output_scale=1.0)
    pred_params = init_mlp((d, 3, n_outputs), rng)
    if task == "binary_log_loss":
        y = rng.randint(0, 2, n).astype(float)
    elif task == "multinomial_log_loss":
        y = np.eye(n_outputs)[rng.randint(0, n_outputs, n)]
    else:
        y = rng.normal(size=(n, n_outputs))
    batch = Batch(
        X=X,
        y=y,
        sample_weight=rng.uniform(0.5, 1.5, n),
        noise=rng.normal(size=(n, d)),
        X_neighbours=rng.normal(size=(n, d)) if similarity else None,
        neighbour_weight=rng.uniform(0.5, 1.5, n) if similarity else None,
    )
    spec = ObjectiveSpec(
        n_gate_params=len(gate_params),
        gate_means=lspin_gate_means,
        activation="tanh",
        task_loss=task,
        sigma=0.5,
        sparsity_weight=0.3,
        similarity_weight=0.7 if similarity else 0.0,
        l2_weight=0.01,
    )
    return gate_params + pred_params, batch, spec


@pytest.mark.parametrize(
    "task, n_outputs",
    [("binary_log_loss", 1), ("multinomial_log_loss", 3), ("squared_error", 2)],
)
@pytest.mark.parametrize("similarity", [False, True])
def test_objective_gradient_matches_finite_differences(task, n_outputs, similarity):
    params, batch, spec = _problem(task, n_outputs, similarity)
    check_grads(lambda p: objective(p, batch, spec), modes=["rev"], order=1)(params)


def test_every_parameter_gets_a_gradient():
    params, batch, spec = _problem("binary_log_loss", 1, True)
    grads = grad(objective)(params, batch, spec)
    assert len(grads) == len(params)
    for g, p in zip(grads, params):
        assert g.shape == p.shape
        assert np.all(np.isfinite(g))
        assert np.any(g != 0)


def test_gates_and_open_probability():
    mu = np.array([[-2.0, -0.5, 0.0, 0.2, 3.0]])
    np.testing.assert_array_equal(gate_values(mu), [[0.0, 0.0, 0.5, 0.7, 1.0]])
    noise = np.array([[10.0, 1.0, -1.0, 0.0, -100.0]])
    np.testing.assert_allclose(gate_values(mu, 0.5, noise), [[1.0, 0.5, 0.0, 0.7, 0.0]])
    from scipy.stats import norm

    np.testing.assert_allclose(
        open_probability(mu, 0.5), norm.cdf((mu + 0.5) / 0.5), rtol=1e-12
    )
