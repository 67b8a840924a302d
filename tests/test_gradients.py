"""autograd gradients of the full objective against finite differences."""

import numpy as np
import pytest
from autograd import grad
from autograd.test_util import check_grads

from sklspin._gates import gate_values, open_probability
from sklspin._losses import PredictorSpec, objective, predictor_objective
from sklspin._networks import BoundedTanh, dense


@pytest.mark.parametrize(
    "task, n_outputs",
    [("binary_log_loss", 1), ("multinomial_log_loss", 3), ("squared_error", 2)],
)
@pytest.mark.parametrize("similarity", [False, True])
def test_objective_gradient_matches_finite_differences(
    task, n_outputs, similarity, objective_problem
):
    params, batch, spec = objective_problem(
        task=task, n_outputs=n_outputs, similarity=similarity
    )
    check_grads(lambda p: objective(p, batch, spec), modes=["rev"], order=1)(params)


@pytest.mark.parametrize(
    "task, n_outputs",
    [("binary_log_loss", 1), ("multinomial_log_loss", 3), ("squared_error", 2)],
)
def test_predictor_objective_gradient_matches_finite_differences(
    task, n_outputs, objective_problem
):
    params, batch, spec = objective_problem(task=task, n_outputs=n_outputs)
    pred_params = params[spec.n_gate_params :]
    predictor_spec = PredictorSpec(spec.activation, task, spec.l2_weight)
    check_grads(
        lambda p: predictor_objective(p, batch, predictor_spec), modes=["rev"], order=1
    )(pred_params)


def test_predictor_objective_is_the_objective_with_open_gates(objective_problem):
    # Gates fixed fully open and no penalties: the full objective reduces
    # to the predictor's objective on the same inputs.
    params, batch, spec = objective_problem(task="squared_error", n_outputs=2)
    n_gate = spec.n_gate_params
    open_params = [np.zeros_like(p) for p in params[:n_gate]]
    open_params[-1] = np.full_like(params[n_gate - 1], 50.0)  # mu at its top
    open_params += params[n_gate:]
    no_penalty = spec._replace(sparsity_weight=0.0, similarity_weight=0.0)
    no_noise = batch._replace(noise=np.zeros_like(batch.noise))
    full = objective(open_params, no_noise, no_penalty)
    predictor_spec = PredictorSpec(spec.activation, spec.task_loss, spec.l2_weight)
    predictor = predictor_objective(params[n_gate:], batch, predictor_spec)
    assert full == pytest.approx(predictor, rel=1e-12)


def test_every_parameter_gets_a_gradient(objective_problem):
    params, batch, spec = objective_problem()
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


def test_bounded_tanh_layer_values_and_gradient():
    rng = np.random.RandomState(0)
    X, W, b = rng.randn(6, 3), rng.randn(3, 4), rng.randn(4)
    bounded = BoundedTanh(-1.0, 1.5)
    out = dense(X, W, b, bounded)
    expected = -1.0 + 1.25 * (1.0 + np.tanh(X @ W + b))
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert np.all((out > -1.0) & (out < 1.5))
    assert bounded.inverse(0.25) == pytest.approx(0.0)
    assert dense(np.zeros((1, 3)), W, np.full(4, bounded.inverse(0.7)), bounded) == (
        pytest.approx(0.7)
    )
    layer = lambda x, w, c: dense(x, w, c, bounded)  # noqa: E731
    check_grads(layer, modes=["rev"], order=1)(X, W, b)
    # float32 stays float32 forwards and backwards
    X32, W32, b32 = (a.astype(np.float32) for a in (X, W, b))
    assert dense(X32, W32, b32, bounded).dtype == np.float32
    g = grad(lambda w: np.sum(dense(X32, w, b32, bounded)))(W32)
    assert g.dtype == np.float32
