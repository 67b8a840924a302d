"""Stochastic gates: the relaxed Bernoulli gates of STG / LSPIN.

A gate for sample ``i`` and feature ``j`` is a clipped Gaussian

    z_ij = clip(mu_ij + 0.5 + sigma * eps_ij, 0, 1),   eps_ij ~ N(0, 1)

during training and the noise-free ``clip(mu_ij + 0.5, 0, 1)`` at prediction.
The probability that a gate is open (``z_ij > 0``) is
``Phi((mu_ij + 0.5) / sigma)``, which is the differentiable surrogate of the
L0 norm used as the sparsity penalty.

All functions accept plain NumPy arrays and autograd-traced arrays alike.
"""

import autograd.numpy as anp
from autograd.scipy.special import erf

GATE_SHIFT = 0.5


def gate_values(mu, sigma=0.0, noise=None):
    """Clipped gate values for gate means ``mu``.

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
    shifted = mu + GATE_SHIFT
    if noise is not None:
        shifted = shifted + sigma * noise
    return anp.clip(shifted, 0.0, 1.0)


def open_probability(mu, sigma):
    """Probability that a stochastic gate is open, ``Phi((mu + 0.5) / sigma)``.

    Written with ``erf`` (one traced primitive) rather than a normal CDF
    object, which keeps the traced graph small.
    """
    return 0.5 + 0.5 * erf((mu + GATE_SHIFT) * (1.0 / (sigma * 2.0**0.5)))
