"""Adam (Kingma & Ba, 2015) on a list of NumPy arrays, updated in place."""

import numpy as np


class AdamOptimizer:
    """Stateful Adam optimizer.

    Parameters
    ----------
    params : list of ndarray
        The arrays to optimise; their shapes fix the moment buffers.
    learning_rate_init : float, default=1e-3
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    rate_multipliers : list of float, default=None
        Per-array factors of the learning rate (all 1 by default).
    """

    def __init__(
        self,
        params,
        learning_rate_init=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        rate_multipliers=None,
    ):
        self.learning_rate_init = learning_rate_init
        self.rate_multipliers = (
            [1.0] * len(params) if rate_multipliers is None else list(rate_multipliers)
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first_moments = [np.zeros_like(p) for p in params]
        self.second_moments = [np.zeros_like(p) for p in params]

    @property
    def learning_rate(self):
        """Step size of the next update, with the bias correction folded in."""
        t = self.t + 1
        return (
            self.learning_rate_init * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        )

    def update_params(self, params, grads):
        """Apply one Adam step to ``params`` in place."""
        step_size = self.learning_rate
        self.t += 1
        for param, grad, m, v, multiplier in zip(
            params,
            grads,
            self.first_moments,
            self.second_moments,
            self.rate_multipliers,
        ):
            m *= self.beta_1
            m += (1 - self.beta_1) * grad
            v *= self.beta_2
            v += (1 - self.beta_2) * grad * grad
            param -= (multiplier * step_size) * m / (np.sqrt(v) + self.epsilon)
