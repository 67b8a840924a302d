"""Task losses, gate penalties and the full training objective.

Everything here is written with ``autograd.numpy`` so that
``autograd.value_and_grad`` differentiates it; per-sample quantities are
combined as ``sum_i w_i * term_i / batch_size`` where the sample weights
``w`` are normalised to mean one over the training set.
"""

from collections import namedtuple

import autograd.numpy as anp
from autograd.scipy.special import logsumexp

from ._gates import gate_values, open_probability
from ._networks import mlp_forward


def binary_log_loss(logits, y):
    """Per-sample logistic loss for one logit per sample and labels in {0, 1}."""
    logits = logits[:, 0]
    return anp.logaddexp(0.0, logits) - y * logits


def multinomial_log_loss(logits, y_onehot):
    """Per-sample softmax cross-entropy, computed with a stable log-sum-exp."""
    return logsumexp(logits, axis=1) - anp.sum(y_onehot * logits, axis=1)


def half_squared_error(predictions, y):
    """Per-sample half squared error, averaged over outputs."""
    return 0.5 * anp.mean((predictions - y) ** 2, axis=1)


TASK_LOSSES = {
    "binary_log_loss": binary_log_loss,
    "multinomial_log_loss": multinomial_log_loss,
    "squared_error": half_squared_error,
}


def expected_l0(mu, sigma):
    """Expected number of open gates of each sample, ``sum_j P(z_ij > 0)``."""
    return anp.sum(open_probability(mu, sigma), axis=1)


def gate_disagreement(gates, neighbour_gates):
    """Squared Euclidean distance between the gate vectors of sample pairs."""
    return anp.sum((gates - neighbour_gates) ** 2, axis=1)


ObjectiveSpec = namedtuple(
    "ObjectiveSpec",
    [
        "n_gate_params",  # how many leading arrays of the parameter list gate
        "gate_means",  # callable(gate_params, X) -> mu
        "activation",  # hidden activation of the prediction network
        "task_loss",  # key of TASK_LOSSES
        "sigma",
        "sparsity_weight",
        "similarity_weight",
        "l2_weight",  # alpha / n_samples, multiplies 0.5 * ||W||^2
    ],
)

Batch = namedtuple(
    "Batch",
    [
        "X",  # (b, d) inputs
        "y",  # encoded targets
        "sample_weight",  # (b,) normalised weights
        "noise",  # (b, d) standard normal gate noise
        "X_neighbours",  # (b, d) sampled neighbours, or None
        "neighbour_weight",  # (b,) affinity degree of each anchor, or None
    ],
)


def objective(params, batch, spec):
    """Mini-batch LSPIN objective.

    ``task_loss + sparsity_weight * E[L0] + similarity_weight * sum_j K_ij
    ||z_i - z_j||^2 + l2_weight / 2 * ||W||^2``, the first three averaged
    over the batch. The similarity term uses one affinity-weighted sampled
    neighbour per anchor (see :class:`~sklspin._affinity.NeighbourSampler`)
    and the noise-free gates of both, so that it measures disagreement of the
    gates the model will actually use rather than of the injected noise.
    The neighbours go through the gating network in the same call as the
    anchors, so they cost one matrix product per layer, not two.
    """
    gate_params = params[: spec.n_gate_params]
    pred_params = params[spec.n_gate_params :]
    batch_size = batch.X.shape[0]
    weight = batch.sample_weight

    use_similarity = spec.similarity_weight > 0 and batch.X_neighbours is not None
    if use_similarity:
        mu_all = spec.gate_means(
            gate_params, anp.concatenate([batch.X, batch.X_neighbours], axis=0)
        )
        mu = mu_all[:batch_size]
        mu_neighbours = mu_all[batch_size:]
    else:
        mu = spec.gate_means(gate_params, batch.X)

    gates = gate_values(mu, spec.sigma, batch.noise)
    outputs = mlp_forward(pred_params, batch.X * gates, spec.activation)
    per_sample = TASK_LOSSES[spec.task_loss](outputs, batch.y)

    if spec.sparsity_weight > 0:
        per_sample = per_sample + spec.sparsity_weight * expected_l0(mu, spec.sigma)
    if use_similarity:
        disagreement = gate_disagreement(gate_values(mu), gate_values(mu_neighbours))
        per_sample = per_sample + (
            spec.similarity_weight * batch.neighbour_weight * disagreement
        )
    total = anp.sum(weight * per_sample) / batch_size

    if spec.l2_weight > 0:
        weights = params[0 : spec.n_gate_params : 2] + params[spec.n_gate_params :: 2]
        total = total + 0.5 * spec.l2_weight * sum(anp.sum(W**2) for W in weights)
    return total
