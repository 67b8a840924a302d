"""Fully connected networks as pure functions over lists of parameter arrays.

A network with layer sizes ``(n_in, h_1, ..., n_out)`` is stored as the flat
list ``[W_1, b_1, W_2, b_2, ...]`` so that autograd and the Adam optimizer
can treat every network the same way.
"""

import autograd.numpy as anp
import numpy as np
from autograd.scipy.special import expit

ACTIVATIONS = {
    "identity": lambda x: x,
    "tanh": anp.tanh,
    "logistic": expit,
    "relu": lambda x: anp.maximum(x, 0.0),
}


def init_mlp(layer_sizes, rng, activation="relu", output_scale=1.0, dtype=np.float64):
    """Glorot-uniform initialisation of a fully connected network.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_inputs, hidden_1, ..., n_outputs)``.
    rng : numpy.random.RandomState
        Source of randomness.
    activation : str, default="relu"
        Hidden activation; the logistic function gets the wider bound that
        Glorot & Bengio recommend for it.
    output_scale : float, default=1.0
        Multiplier of the last layer's weights. The gating network uses a
        small value so that initial gates sit near 0.5.
    dtype : numpy dtype, default=np.float64

    Returns
    -------
    params : list of ndarray
        ``[W_1, b_1, ..., W_L, b_L]``.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    params = []
    n_layers = len(layer_sizes) - 1
    for layer, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        bound = np.sqrt(factor / (fan_in + fan_out))
        weights = rng.uniform(-bound, bound, size=(fan_in, fan_out))
        if layer == n_layers - 1:
            weights *= output_scale
        params.append(weights.astype(dtype, copy=False))
        params.append(np.zeros(fan_out, dtype=dtype))
    return params


def mlp_forward(params, X, activation="relu", output_activation="identity"):
    """Forward pass of :func:`init_mlp`'s network (NumPy or autograd arrays)."""
    hidden = ACTIVATIONS[activation]
    n_layers = len(params) // 2
    out = X
    for layer in range(n_layers):
        out = anp.dot(out, params[2 * layer]) + params[2 * layer + 1]
        if layer < n_layers - 1:
            out = hidden(out)
    return ACTIVATIONS[output_activation](out)


def weight_matrices(params):
    """The weight matrices (not the biases) of a parameter list."""
    return params[0::2]
