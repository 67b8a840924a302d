"""Adam (Kingma & Ba, 2015) on a list of NumPy arrays, updated in place.

The moment estimates of all arrays live in one flat buffer each, so that a
step is a dozen vectorised operations on the concatenated gradient rather
than six small operations per parameter array.
"""

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

    Notes
    -----
    The update is the same, operation for operation, as the textbook
    per-array loop ``m = beta_1 m + (1 - beta_1) g``,
    ``v = beta_2 v + (1 - beta_2) g^2``,
    ``param -= (multiplier * step) * m / (sqrt(v) + epsilon)``; only the
    bookkeeping is flat. ``first_moments`` and ``second_moments`` are
    per-array views of the flat buffers.
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
            [1.0] * len(params)
            if rate_multipliers is None
            else [float(factor) for factor in rate_multipliers]
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self._shapes = [np.shape(p) for p in params]
        sizes = [int(np.prod(shape)) for shape in self._shapes]
        self._offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.intp)])
        dtype = np.result_type(*params) if params else np.float64
        size = int(self._offsets[-1])
        self._m = np.zeros(size, dtype=dtype)
        self._v = np.zeros(size, dtype=dtype)
        # Work buffers of update_params, allocated once.
        self._grad = np.empty(size, dtype=dtype)
        self._work = np.empty(size, dtype=dtype)
        self._denominator = np.empty(size, dtype=dtype)

    def _views(self, flat):
        return [
            flat[start:stop].reshape(shape)
            for start, stop, shape in zip(
                self._offsets[:-1], self._offsets[1:], self._shapes
            )
        ]

    @property
    def first_moments(self):
        """Per-array views of the first moment estimates."""
        return self._views(self._m)

    @property
    def second_moments(self):
        """Per-array views of the second moment estimates."""
        return self._views(self._v)

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
        if not params:
            return
        g, work, denominator = self._grad, self._work, self._denominator
        m, v = self._m, self._v
        np.concatenate([np.ravel(grad) for grad in grads], out=g)

        m *= self.beta_1
        np.multiply(g, 1 - self.beta_1, out=work)
        m += work
        v *= self.beta_2
        np.multiply(g, 1 - self.beta_2, out=work)
        work *= g
        v += work
        np.sqrt(v, out=denominator)
        denominator += self.epsilon
        # Each array's own rate, a Python float: with float32 parameters the
        # product stays float32, as the cast of a float64 product would be.
        for param, start, stop, multiplier in zip(
            params, self._offsets[:-1], self._offsets[1:], self.rate_multipliers
        ):
            part = work[start:stop]
            np.multiply(m[start:stop], float(multiplier * step_size), out=part)
            part /= denominator[start:stop]
            param -= part.reshape(param.shape)
