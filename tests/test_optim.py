"""Adam (sklspin._optim) against the textbook update, step by step."""

import numpy as np
import pytest

from sklspin._optim import AdamOptimizer


def _textbook_adam(grads_per_step, lr, beta_1=0.9, beta_2=0.999, eps=1e-8):
    """Parameters after each step of Kingma & Ba's Adam, from zero.

    In the paper's efficient form (end of its Section 2), as scikit-learn's
    MLPs use it: the bias corrections folded into the step size, epsilon
    added to sqrt(v) rather than to the bias-corrected sqrt(v_hat).
    """
    theta = np.zeros_like(grads_per_step[0])
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    history = []
    for t, g in enumerate(grads_per_step, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        step = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        theta = theta - step * m / (np.sqrt(v) + eps)
        history.append(theta.copy())
    return history


def test_first_step_moves_each_parameter_by_the_rate():
    # Bias-corrected, the first step is lr * sign(gradient) whatever its size.
    params = [np.zeros(3)]
    AdamOptimizer(params, learning_rate_init=0.01).update_params(
        params, [np.array([1.0, -2.0, 0.5])]
    )
    np.testing.assert_allclose(params[0], [-0.01, 0.01, -0.01], rtol=1e-6)


def test_steps_follow_the_textbook_update():
    rng = np.random.RandomState(0)
    grads = [rng.normal(size=(2, 3)) for _ in range(5)]
    expected = _textbook_adam(grads, lr=0.01)
    params = [np.zeros((2, 3))]
    optimizer = AdamOptimizer(params, learning_rate_init=0.01)
    for g, theta in zip(grads, expected):
        optimizer.update_params(params, [g])
        np.testing.assert_allclose(params[0], theta, rtol=1e-12)
    assert optimizer.t == 5


@pytest.mark.parametrize("multiplier", [0.5, 3.0])
def test_rate_multipliers_scale_each_arrays_steps(multiplier):
    rng = np.random.RandomState(1)
    grads = [[rng.normal(size=4), rng.normal(size=(2, 2))] for _ in range(3)]
    params = [np.zeros(4), np.zeros((2, 2))]
    optimizer = AdamOptimizer(
        params, learning_rate_init=0.01, rate_multipliers=[1.0, multiplier]
    )
    for step in grads:
        optimizer.update_params(params, step)
    first = _textbook_adam([step[0] for step in grads], lr=0.01)[-1]
    second = _textbook_adam([step[1] for step in grads], lr=0.01 * multiplier)[-1]
    np.testing.assert_allclose(params[0], first, rtol=1e-12)
    np.testing.assert_allclose(params[1], second, rtol=1e-12)
