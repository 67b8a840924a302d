"""autograd gradients of the full objective against finite differences."""

import autograd.numpy as anp
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
    g = grad(lambda w: anp.sum(dense(X32, w, b32, bounded)))(W32)
    assert g.dtype == np.float32


def test_objective_value_is_the_documented_formula(objective_problem):
    """The objective, recomputed term by term in plain NumPy: the mean of
    each sample's weighted task loss, expected L0 and sampled similarity
    term (noise-free gates of the anchor and its neighbour, times the
    anchor's affinity degree), plus ``l2_weight / 2`` times the squared
    weight matrices of both networks."""
    from scipy.special import ndtr

    params, batch, spec = objective_problem(
        task="squared_error", n_outputs=2, similarity=True
    )
    gate_params, (W1, b1, W2, b2) = params[: spec.n_gate_params], params[-4:]
    mu = spec.gate_means(gate_params, batch.X)
    mu_neighbours = spec.gate_means(gate_params, batch.X_neighbours)
    noisy_gates = np.clip(mu + 0.5 + spec.sigma * batch.noise, 0, 1)
    gates = np.clip(mu + 0.5, 0, 1)
    neighbour_gates = np.clip(mu_neighbours + 0.5, 0, 1)

    outputs = np.tanh((batch.X * noisy_gates) @ W1 + b1) @ W2 + b2
    task_loss = 0.5 * np.mean((outputs - batch.y) ** 2, axis=1)
    expected_l0 = ndtr((mu + 0.5) / spec.sigma).sum(axis=1)
    similarity = batch.neighbour_weight * ((gates - neighbour_gates) ** 2).sum(axis=1)
    per_sample = (
        task_loss
        + spec.sparsity_weight * expected_l0
        + spec.similarity_weight * similarity
    )
    weight_matrices = [*gate_params[0::2], W1, W2]
    expected = np.sum(batch.sample_weight * per_sample) / batch.X.shape[0]
    expected += 0.5 * spec.l2_weight * sum(np.sum(W**2) for W in weight_matrices)
    assert objective(params, batch, spec) == pytest.approx(expected, rel=1e-10)


def test_row_logsumexp_matches_scipy_without_overflow():
    from scipy.special import logsumexp

    from sklspin._losses import row_logsumexp

    rng = np.random.RandomState(0)
    values = np.vstack(
        [
            rng.normal(size=(5, 4)),
            [[1000.0, 999.0, -1000.0, 0.0]],  # exp would overflow
            [[-1000.0, -1001.0, -1e4, -2000.0]],  # exp would underflow to 0
            [[30.0, 0.0, 0.0, 0.0]],  # one entry dominates
            [[2.0, 2.0, 2.0, 2.0]],
        ]
    )
    result = row_logsumexp(values)
    assert result.shape == (9, 1)
    np.testing.assert_allclose(result[:, 0], logsumexp(values, axis=1), rtol=1e-14)
