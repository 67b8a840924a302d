"""Stochastic gates: the relaxed Bernoulli gates of STG / LSPIN.

A gate for sample ``i`` and feature ``j`` is a clipped Gaussian

    z_ij = clip(mu_ij + 0.5 + sigma * eps_ij, 0, 1),   eps_ij ~ N(0, 1)

during training and the noise-free ``clip(mu_ij + 0.5, 0, 1)`` at prediction.
The probability that a gate is open (``z_ij > 0``) is
``Phi((mu_ij + 0.5) / sigma)``, which is the differentiable surrogate of the
L0 norm used as the sparsity penalty.

All functions accept plain NumPy arrays and autograd-traced arrays alike.
"""

import numpy as np
from autograd.extend import defvjp_argnums, primitive
from autograd.scipy.special import erf

GATE_SHIFT = 0.5


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched to ``shape``."""
    if g.shape == tuple(shape):
        return g
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def _open_interior(gates):
    """1 where a gate is strictly between 0 and 1 (clip passes gradients), else 0."""
    return (gates > 0.0) & (gates < 1.0)


@primitive
def gate_values(mu, sigma=0.0, noise=None):
    """Clipped gate values for gate means ``mu``.

    One traced primitive (shift, noise and clip fused) whose backward pass
    reads the clip mask off the output, so no intermediate is stored.

    Parameters
    ----------
    mu : ndarray of shape (n_samples, n_features)
        Gate means produced by the gating network (or a global vector).
    sigma : float, default=0.0
        Standard deviation of the injected Gaussian noise.
    noise : ndarray of the same shape as ``mu``, default=None
        Standard normal draws. ``None`` gives the deterministic gates used at
        prediction time.

    Returns
    -------
    gates : ndarray
        Values in ``[0, 1]``; closed gates are exactly zero.
    """
    shifted = np.add(mu, GATE_SHIFT)
    if noise is not None:
        scaled = np.multiply(sigma, noise)
        if np.broadcast_shapes(scaled.shape, shifted.shape) == scaled.shape and (
            scaled.dtype == np.result_type(scaled, shifted)
        ):
            scaled += shifted
            shifted = scaled
        else:
            shifted = shifted + scaled
    if isinstance(shifted, np.ndarray):
        return np.clip(shifted, 0.0, 1.0, out=shifted)
    return np.clip(shifted, 0.0, 1.0)


def _gate_values_vjp(argnums, ans, args, kwargs):
    names = ("mu", "sigma", "noise")
    values = dict(zip(names, args))
    values.update(kwargs)
    mu = values["mu"]
    sigma = values.get("sigma", 0.0)
    noise = values.get("noise")

    def vjp(g):
        g_inside = g * _open_interior(ans)
        grads = []
        for argnum in argnums:
            if argnum == 0:
                grads.append(unbroadcast(g_inside, np.shape(mu)))
            elif argnum == 1:
                grads.append(unbroadcast(g_inside * noise, np.shape(sigma)))
            else:
                grads.append(unbroadcast(g_inside * sigma, np.shape(noise)))
        return grads

    return vjp


defvjp_argnums(gate_values, _gate_values_vjp)


def open_probability(mu, sigma):
    """Probability that a stochastic gate is open, ``Phi((mu + 0.5) / sigma)``.

    Written with ``erf`` (one traced primitive) rather than a normal CDF
    object, which keeps the traced graph small.
    """
    return 0.5 + 0.5 * erf((mu + GATE_SHIFT) * (1.0 / (sigma * 2.0**0.5)))


class GateState:
    """Gate values of one mini-batch, computed once from the raw gate means.

    The objective evaluates the gating network on the anchors of a batch
    and, below them, on their sampled neighbours: ``mu_all[:n_anchors]``
    and ``mu_all[n_anchors:]``. The gate values the terms need - the noisy
    gates of the anchors and the noise-free gates of every row - are
    computed here in plain NumPy, once, and shared by the forward and
    backward passes of :func:`gated_input` and
    :func:`~sklspin._losses.gate_penalty`. Those primitives take ``mu_all``
    as their traced argument, so the gradient still flows into the gating
    network, but the gate arithmetic is done once per step and the anchors
    are never sliced out of a traced array (the backward pass of a traced
    slice is an ``np.add.at`` scatter into a zero array).

    Parameters
    ----------
    mu_all : ndarray of shape (n_rows, n_features)
        Untraced gate means: anchors first, then neighbours. A single row
        broadcasts against every anchor (global gates).
    n_anchors : int
        Number of anchors (the batch size).
    sigma : float
        Standard deviation of the gate noise.
    noise : ndarray of shape (n_anchors, n_features) or None
        Standard normal gate noise of the anchors.
    """

    def __init__(self, mu_all, n_anchors, sigma, noise):
        self.mu_all = mu_all
        self.n_anchors = n_anchors
        self.n_anchor_rows = min(n_anchors, mu_all.shape[0])
        self.sigma = sigma
        self.dtype = np.result_type(mu_all, 1.0)
        self.anchor_gates = _noisy_gates(mu_all[: self.n_anchor_rows], sigma, noise)
        self._gates = None
        self._scaled_shift = None
        self._gate_difference = None

    @property
    def anchor_means(self):
        """The anchors' rows of ``mu_all``."""
        return self.mu_all[: self.n_anchor_rows]

    @property
    def gates(self):
        """Noise-free gates of every row, ``clip(mu_all + 0.5, 0, 1)``."""
        if self._gates is None:
            gates = np.add(self.mu_all, GATE_SHIFT, dtype=self.dtype)
            self._gates = np.clip(gates, 0.0, 1.0, out=gates)
        return self._gates

    def scaled_shift(self):
        """``(mu + 0.5) / sigma`` of the anchors, computed once.

        Shared by the forward and backward passes of the sparsity penalty;
        callers must not write into it.
        """
        if self._scaled_shift is None:
            scaled = np.add(self.anchor_means, GATE_SHIFT, dtype=self.dtype)
            scaled *= 1.0 / self.sigma
            self._scaled_shift = scaled
        return self._scaled_shift

    def gate_difference(self):
        """Noise-free gates of the anchors minus their neighbours', computed once.

        Shared by the forward and backward passes of the similarity penalty;
        callers must not write into it.
        """
        if self._gate_difference is None:
            n, gates = self.n_anchors, self.gates
            self._gate_difference = np.subtract(gates[:n], gates[n:])
        return self._gate_difference

    def new_gradient(self):
        """An uninitialised array for a gradient of ``mu_all``."""
        return np.empty(self.mu_all.shape, dtype=self.dtype)


def _noisy_gates(mu, sigma, noise):
    """``gate_values(mu, sigma, noise)`` with one fresh array instead of two."""
    if noise is None:
        return gate_values.fun(mu, sigma, noise)
    shape = np.broadcast_shapes(np.shape(mu), np.shape(noise))
    dtype = np.result_type(mu, noise, 1.0)
    if shape != np.shape(noise) or shape != np.shape(mu):
        return gate_values.fun(mu, sigma, noise)
    gates = np.multiply(sigma, noise, dtype=dtype)
    # Same operations, in the same order, as gate_values: (mu + 0.5) + s * e.
    gates += np.add(mu, GATE_SHIFT, dtype=dtype)
    return np.clip(gates, 0.0, 1.0, out=gates)


def interior_mask(gates):
    """:func:`_open_interior` of ``gates``, with one temporary."""
    inside = np.greater(gates, 0.0)
    inside &= np.less(gates, 1.0)
    return inside


@primitive
def gated_input(X, mu_all, state):
    """``X * z`` for the noisy gates ``z`` of the anchors, as one primitive.

    ``state`` is the :class:`GateState` of ``mu_all``'s values; the result
    equals ``X * gate_values(mu_all[:n_anchors], sigma, noise)`` and the
    gradient with respect to ``mu_all`` is zero on the neighbour rows.
    """
    if state.mu_all is not mu_all:
        raise ValueError("state was not computed from these gate means")
    return X * state.anchor_gates


def _gated_input_vjp(argnums, ans, args, kwargs):
    X, mu_all, state = args

    def d_X(g):
        return unbroadcast(g * state.anchor_gates, np.shape(X))

    def d_mu_all(g):
        k = state.n_anchor_rows
        inside = interior_mask(state.anchor_gates)
        grad = state.new_gradient()
        if np.shape(g) == grad[:k].shape and np.shape(X) == grad[:k].shape:
            np.multiply(g, X, out=grad[:k])
            grad[:k] *= inside
        else:  # global gates broadcast over the batch
            grad[:k] = unbroadcast(g * X * inside, grad[:k].shape)
        grad[k:] = 0.0
        return grad

    makers = {0: d_X, 1: d_mu_all}
    return lambda g: [makers[argnum](g) for argnum in argnums]


defvjp_argnums(gated_input, _gated_input_vjp)
