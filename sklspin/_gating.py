"""The gating network of LSPIN and STG: its output range, start and rates.

The gating network maps a sample ``x`` to its gate means ``mu(x)``
(:func:`lspin_gate_means`; STG's global gates are the same network without
inputs, :func:`global_gate_means`); the constants below fix its default shape, the
range of ``mu``, the initial gates and the per-array learning rates Adam
uses for it (:func:`gating_rate_multipliers`).
"""

import numpy as np

from ._networks import BoundedTanh, mlp_forward

# Last-layer weight scale of the gating network: initial gates barely depend
# on x, so every sample starts from the same gates.
_GATING_OUTPUT_SCALE = 0.01
# gating_hidden_layer_sizes="auto": one hidden layer of this width; for a
# linear gating network (gating_activation="identity") one
# (n_features, n_features) weight matrix instead, up to
# _AUTO_FULL_GATING_MAX_FEATURES features, and a bottleneck of this width
# above (two n_features x width matrices, so that the gating network grows
# linearly with the number of features). The bottleneck trains much worse
# than the full matrix when many features are noise: with 150 or 250 noise
# features next to 5 informative ones (1,000 samples, validation seeds
# 10-13; measured before the rate floor below) it opened 26-32 features per
# sample on the two-group classification (F1 0.13-0.15 against 0.75-0.76
# for the full matrix), made the two-group linear regression's gates
# global, and opened 27 features per sample on make_classification (F1
# 0.20-0.27 against 0.62-0.79); with the floor the gap is smaller (6.8
# against 2.3 open features, F1 0.51 against 0.77 on the two-group
# classification at 155 features, benchmarks/results/many_features.md at
# commit 22fecd6). With
# 500 noise features the full matrix (d^2 = 255,000 weights for 750
# training rows) was no longer better overall; its step costs 1.06 / 1.27
# times the bottleneck's at 200 / 500 features (doc/user_guide.rst).
_AUTO_GATING_WIDTH = 64
_AUTO_FULL_GATING_MAX_FEATURES = 256
# Least learning-rate factor of the hidden layers of a linear gating network
# (the first matrix of the bottleneck above). At 1 / sqrt(n_features) it
# barely moved from its random start, so the gates were read from a random
# 64-dimensional projection in which a few informative features drown among
# many noise features. With 5 informative and 500 / 1,000 noise features
# (1,000 samples, validation seeds 10-17 / 10-13), 0.2 instead of
# 1 / sqrt(n_features) raised the two-group classification's per-sample F1
# from 0.08 / 0.05 to 0.54 / 0.50 (features open per sample 45 / 48 ->
# 3.5 / 3.9, accuracy 69 / 65 -> 83 / 81 %) and make_classification's from
# 0.27 / 0.16 to 0.63 / 0.58, with the two regressions unchanged (F1 within
# 0.015). A factor of 1 did as well on the classifications but opened
# extra features in the two-group regression (F1 0.73 -> 0.59). Non-linear
# hidden layers (LLSPIN's) keep 1 / sqrt(fan_in): LLSPIN does not open noise
# features in bulk, and the floor changed its F1 by -0.04 to +0.02 there.
_LINEAR_HIDDEN_RATE_FLOOR = 0.2
# Gate means live in (MU_LOW, MU_HIGH) = (-1, 1.5), the range of the gating
# network's output (a tanh rescaled to it). At the low end the training noise
# still opens a closed gate with probability Phi(-0.5 / sigma) (16 % for
# sigma=0.5), so the sparsity and task gradients never vanish and a gate can
# still change its mind; a lower bound lets gates freeze closed after a few
# noisy early epochs. The high end, 0.5 + 2 sigma for the default sigma,
# lets an open gate reach 1 in all but Phi(-2) = 2 % of training draws. With
# the symmetric bound 1 the noise shrank every selected input in 16 % of the
# draws, and the predictor learnt a blurred function: on the validation parts
# of E1-E5 (7 seeds; measured before the 100-epoch ramp of the sparsity
# penalty and the fine-tuning) E4's accuracy rose from 87.7 to 93.1 % and
# E5's MSE fell from 0.017 to 0.003 with this bound, at the same mean
# feature F1. With the current defaults the bound 1 / 1.25 gives mean F1
# 0.896 / 0.898 against 0.911 (doc/benchmarks.rst).
MU_LOW, MU_HIGH = -1.0, 1.5
GATE_MEAN_OUTPUT = BoundedTanh(MU_LOW, MU_HIGH)
# Initial gate mean: gates start at 0.75, open enough for the predictor to
# learn from every feature before the sparsity penalty closes the useless
# ones (gates started at 0.5 collapse early on the paper's benchmarks).
_INITIAL_MU = 0.25


def auto_gating_hidden_sizes(n_features, linear):
    """Hidden layer sizes of ``gating_hidden_layer_sizes="auto"``.

    One hidden layer of ``_AUTO_GATING_WIDTH``; for a linear gating network,
    none (one ``n_features x n_features`` matrix) up to
    ``_AUTO_FULL_GATING_MAX_FEATURES`` features.
    """
    if linear and n_features <= _AUTO_FULL_GATING_MAX_FEATURES:
        return ()
    return (_AUTO_GATING_WIDTH,)


def lspin_gate_means(gate_params, X, activation="tanh"):
    """Gate means of the LSPIN gating network.

    Hidden layers with ``activation`` and a tanh output rescaled to
    ``(MU_LOW, MU_HIGH) = (-1, 1.5)``: ``mu`` can go below -0.5 (closed
    gate) but not so far that the gate can never reopen, and above 0.5 far
    enough that the training noise rarely shrinks an open gate.
    """
    return mlp_forward(
        gate_params, X, activation=activation, output_activation=GATE_MEAN_OUTPUT
    )


def global_gate_means(gate_params, X):
    """Gate means of STG: the same vector ``mu`` for every sample.

    ``gate_params`` is ``[W, b]``, LSPIN's gating network without inputs:
    an empty weight matrix ``W`` of shape ``(0, n_features)`` and the output
    bias ``b`` of shape ``(n_features,)``, mapped to gate means by the
    same output function as LSPIN's (so both share the gate-mean range). The
    result has shape ``(1, n_features)`` whatever ``X``, and broadcasts
    against ``X`` in :func:`~sklspin._gates.gate_values` and in the penalty.
    """
    return lspin_gate_means(gate_params, X[:1, :0])


def gating_rate_multipliers(gate_params, weight_scale=1.0, hidden_rate_floor=0.0):
    """Per-array learning-rate factors of the gating network.

    Adam moves every weight by about the learning rate per step whatever the
    size of its gradient, so a pre-activation that sums over ``fan_in``
    inputs moves ``fan_in`` times faster than its bias. In the gating
    network this lets the weights separate the gates of different regions
    (one opened, the other closed, along the dominant direction of the
    hidden layer) far faster than the bias can close a gate everywhere, and
    useless features end up open in one region and closed in the other.
    Scaling each weight matrix's rate by ``1 / sqrt(fan_in)`` (biases keep
    the full rate) keeps the two paths comparable; measured on the two-group
    benchmark it turns complementary, locked gates into the right local
    selection. ``weight_scale`` multiplies the weight matrices' factors
    further (LLSPIN's gating network learns slower than its predictor, see
    ``_LLSPINFamily``). The weight matrices of hidden layers (every matrix
    but the last) get at least ``hidden_rate_floor`` before that factor:
    they do not produce gate pre-activations, only the features the last
    layer reads them from (see ``_LINEAR_HIDDEN_RATE_FLOOR``).
    """
    n_matrices = sum(array.ndim == 2 for array in gate_params)
    factors, n_seen = [], 0
    for array in gate_params:
        if array.ndim != 2:  # a bias
            factors.append(1.0)
            continue
        n_seen += 1
        factor = 1.0 / np.sqrt(max(array.shape[0], 1))
        if n_seen < n_matrices:
            factor = max(factor, hidden_rate_floor)
        factors.append(weight_scale * factor)
    return factors


def initial_gate_bias():
    """Output bias of the gating network that gives ``mu = _INITIAL_MU``."""
    return GATE_MEAN_OUTPUT.inverse(_INITIAL_MU)
