"""Task losses, gate penalties and the full training objective.

Everything here is differentiated by ``autograd.value_and_grad``. To keep a
training step close to hand-written backpropagation, each loss and penalty
is a single autograd primitive with a hand-written vector-Jacobian product
(:func:`autograd.extend.defvjp`): autograd's per-operation overhead (about
10 us per traced operation) is paid once per term instead of once per
elementary NumPy call, and no Python loop over samples or neighbours runs
inside the traced function. ``tests/test_gradients.py`` checks every
gradient against finite differences and ``tests/test_speed_guards.py``
bounds the number of traced operations per objective evaluation.

Per-sample quantities are combined as ``sum_i w_i * term_i / batch_size``
where the sample weights ``w`` are normalised to mean one over the training
set.
"""

from collections import namedtuple

import numpy as np
from autograd.core import vspace
from autograd.extend import defvjp_argnums, primitive
from autograd.tracer import getval, isbox
from scipy.special import erf, expit, ndtr

from ._gates import (
    GATE_SHIFT,
    GateState,
    gated_input,
    interior_mask,
    unbroadcast,
)
from ._networks import ParamSlice, keep_freed_memory_in_heap, list_gradient, mlp_forward

_SQRT2 = np.sqrt(2.0)
_SQRTPI = np.sqrt(np.pi)


def _vjp_for(argnums, makers):
    """Backward function of a primitive from one gradient maker per argument."""

    def vjp(g):
        return [makers[argnum](g) for argnum in argnums]

    return vjp


# ----------------------------------------------------------------------------
# Task losses: per-sample values, one primitive each
# ----------------------------------------------------------------------------
@primitive
def binary_log_loss(logits, y):
    """Per-sample logistic loss for one logit per sample and labels in {0, 1}."""
    logits = logits[:, 0]
    return np.logaddexp(0.0, logits) - y * logits


def _binary_log_loss_vjp(argnums, ans, args, kwargs):
    logits, y = args
    z = logits[:, 0]
    return _vjp_for(
        argnums,
        {
            0: lambda g: ((expit(z) - y) * g)[:, None],
            1: lambda g: unbroadcast(-z * g, np.shape(y)),
        },
    )


defvjp_argnums(binary_log_loss, _binary_log_loss_vjp)


def row_logsumexp(values):
    """``log(sum(exp(values), axis=1))`` as a column, without overflow.

    The largest entry of each row is taken out first. Plain NumPy: scipy's
    ``logsumexp`` computes the same about eight times slower on a
    mini-batch (its array-API dispatch), and the loss calls it twice per
    step.
    """
    top = values.max(axis=1, keepdims=True)
    return top + np.log(np.exp(values - top).sum(axis=1, keepdims=True))


@primitive
def multinomial_log_loss(logits, y_onehot):
    """Per-sample softmax cross-entropy, computed with a stable log-sum-exp."""
    return row_logsumexp(logits)[:, 0] - np.sum(y_onehot * logits, axis=1)


def _multinomial_log_loss_vjp(argnums, ans, args, kwargs):
    logits, y = args

    def d_logits(g):
        softmax = np.exp(logits - row_logsumexp(logits))
        return (softmax - y) * g[:, None]

    return _vjp_for(
        argnums,
        {0: d_logits, 1: lambda g: unbroadcast(-logits * g[:, None], np.shape(y))},
    )


defvjp_argnums(multinomial_log_loss, _multinomial_log_loss_vjp)


@primitive
def half_squared_error(predictions, y):
    """Per-sample half squared error, averaged over outputs."""
    return 0.5 * np.mean((predictions - y) ** 2, axis=1)


def _half_squared_error_vjp(argnums, ans, args, kwargs):
    predictions, y = args

    def residual_grad(g):
        residual = predictions - y
        return residual * (g[:, None] / residual.shape[1])

    return _vjp_for(
        argnums,
        {
            0: lambda g: unbroadcast(residual_grad(g), np.shape(predictions)),
            1: lambda g: unbroadcast(-residual_grad(g), np.shape(y)),
        },
    )


defvjp_argnums(half_squared_error, _half_squared_error_vjp)


TASK_LOSSES = {
    "binary_log_loss": binary_log_loss,
    "multinomial_log_loss": multinomial_log_loss,
    "squared_error": half_squared_error,
}


# ----------------------------------------------------------------------------
# Gate penalties
# ----------------------------------------------------------------------------
@primitive
def expected_l0(mu, sigma):
    """Expected number of open gates of each sample, ``sum_j P(z_ij > 0)``.

    ``P(z_ij > 0) = Phi((mu_ij + 0.5) / sigma)``, the same values as
    :func:`~sklspin._gates.open_probability`, computed in place as one
    primitive whose backward pass is the Gaussian density.
    """
    t = np.add(mu, GATE_SHIFT)
    t = np.multiply(t, 1.0 / (sigma * _SQRT2), out=t)
    t = erf(t, out=t)
    t *= 0.5
    t += 0.5
    return np.sum(t, axis=-1)


def _expected_l0_vjp(argnums, ans, args, kwargs):
    mu, sigma = args

    def density_times_g(g):
        # d/dx Phi(x / sigma) = exp(-t^2) / (sigma sqrt(2 pi)), t = x / (sigma sqrt 2)
        t = np.add(mu, GATE_SHIFT)
        t *= 1.0 / (sigma * _SQRT2)
        density = np.square(t)
        np.negative(density, out=density)
        np.exp(density, out=density)
        density *= np.expand_dims(g, -1)
        return t, density

    def d_mu(g):
        _, density = density_times_g(g)
        density *= 1.0 / (sigma * _SQRT2 * _SQRTPI)
        return unbroadcast(density, np.shape(mu))

    def d_sigma(g):
        t, density = density_times_g(g)
        return unbroadcast(-np.sum(density * t) / (sigma * _SQRTPI), np.shape(sigma))

    return _vjp_for(argnums, {0: d_mu, 1: d_sigma})


defvjp_argnums(expected_l0, _expected_l0_vjp)


@primitive
def gate_penalty(mu_all, state, l0_coef=None, similarity_coef=None):
    """Both gate penalties of a batch, weighted and summed, as one primitive.

    ``sum_i l0_coef_i * E[L0]_i + sum_i similarity_coef_i * ||z_i - z_n(i)||^2``
    where ``E[L0]_i`` is :func:`expected_l0` of anchor ``i``, ``z`` are the
    noise-free gates and ``n(i)`` is the neighbour stacked below the anchors
    in ``mu_all`` (see :class:`~sklspin._gates.GateState`, which holds the
    gate values shared with :func:`~sklspin._gates.gated_input`). A ``None``
    coefficient switches its term off. The backward pass writes the whole
    gradient of ``mu_all`` (anchors and neighbours) into one array.

    Parameters
    ----------
    mu_all : ndarray of shape (n_rows, n_features)
        Gate means, anchors first; traced.
    state : GateState
        The gate values of ``mu_all``.
    l0_coef : ndarray of shape (n_anchors,) or None
    similarity_coef : ndarray of shape (n_anchors,) or None

    Returns
    -------
    penalty : float
    """
    if state.mu_all is not mu_all:
        raise ValueError("state was not computed from these gate means")
    total = 0.0
    if l0_coef is not None:
        # P(z > 0) = Phi((mu + 0.5) / sigma); ndtr is Phi.
        # Not in place: the backward pass reuses the scaled shift.
        open_prob = ndtr(state.scaled_shift())
        total = total + np.dot(
            unbroadcast(l0_coef, (state.n_anchor_rows,)), np.sum(open_prob, axis=1)
        )
    if similarity_coef is not None:
        diff = state.gate_difference()
        total = total + np.dot(similarity_coef, np.einsum("ij,ij->i", diff, diff))
    return total


def _gate_penalty_vjp(argnums, ans, args, kwargs):
    names = ("mu_all", "state", "l0_coef", "similarity_coef")
    values = dict(zip(names, args))
    values.update(kwargs)
    state = values["state"]
    l0_coef = values.get("l0_coef")
    similarity_coef = values.get("similarity_coef")

    def d_mu_all(g):
        k, n = state.n_anchor_rows, state.n_anchors
        grad = state.new_gradient()
        if similarity_coef is not None:
            inside = interior_mask(state.gates)
            step = np.multiply(
                state.gate_difference(), (2.0 * g * similarity_coef)[:, None]
            )
            np.multiply(step, inside[:n], out=grad[:n])
            # -(step * inside) = (-step) * inside exactly: negation is exact.
            np.negative(step, out=step)
            np.multiply(step, inside[n:], out=grad[n:])
        else:
            grad[:] = 0.0
        if l0_coef is not None:
            # d/dmu Phi((mu + 0.5) / sigma) = exp(-x^2 / 2) / (sigma sqrt(2 pi))
            density = np.square(state.scaled_shift())
            density *= -0.5
            np.exp(density, out=density)
            scale = unbroadcast(l0_coef, (k,)) * float(
                g / (state.sigma * np.sqrt(2.0 * np.pi))
            )
            density *= scale[:, None]
            grad[:k] += density
        return grad

    def not_differentiable(g):
        raise NotImplementedError("gate_penalty is differentiable in mu_all only")

    return lambda g: [
        d_mu_all(g) if argnum == 0 else not_differentiable(g) for argnum in argnums
    ]


defvjp_argnums(gate_penalty, _gate_penalty_vjp)


# ----------------------------------------------------------------------------
# Reductions
# ----------------------------------------------------------------------------
@primitive
def sum_of_squares(*arrays):
    """``sum_k ||A_k||^2`` over any number of arrays, as one primitive."""
    return sum(float(np.vdot(a, a)) for a in arrays)


def _sum_of_squares_vjp(argnums, ans, args, kwargs):
    return lambda g: [(2.0 * g) * args[argnum] for argnum in argnums]


defvjp_argnums(sum_of_squares, _sum_of_squares_vjp)


@primitive
def sum_of_squares_in_list(params, indices, vspace):
    """:func:`sum_of_squares` of ``params[i]`` for ``i in indices``.

    ``params`` is the traced parameter list itself (see
    :class:`~sklspin._networks.ParamSlice`).
    """
    return sum_of_squares.fun(*(params[i] for i in indices))


def _sum_of_squares_in_list_vjp(argnums, ans, args, kwargs):
    params, indices, vs = args

    def vjp(g):
        if argnums != (0,) and list(argnums) != [0]:
            raise NotImplementedError("sum_of_squares_in_list: gradient in params only")
        return [list_gradient(vs, {i: (2.0 * g) * params[i] for i in indices})]

    return vjp


defvjp_argnums(sum_of_squares_in_list, _sum_of_squares_in_list_vjp)


@primitive
def weighted_sum(*coefficients_and_terms):
    """``sum_k sum(c_k * t_k)`` for arguments ``c_0, t_0, c_1, t_1, ...``.

    Combines the per-sample terms of the objective (each with its own
    per-sample coefficient) and scalar penalties in one primitive.
    """
    total = 0.0
    for c, t in zip(coefficients_and_terms[0::2], coefficients_and_terms[1::2]):
        if np.ndim(c) == 1 and np.shape(c) == np.shape(t):
            total = total + np.dot(c, t)
        else:
            total = total + np.sum(np.multiply(c, t))
    return total


def _weighted_sum_vjp(argnums, ans, args, kwargs):
    def grad_of(argnum, g):
        other = args[argnum + 1] if argnum % 2 == 0 else args[argnum - 1]
        if np.ndim(other) == 0:
            # Python floats, not NumPy float64 scalars, which would turn
            # every float32 gradient downstream into float64.
            return float(g) * float(other)
        return unbroadcast(np.multiply(float(g), other), np.shape(args[argnum]))

    return lambda g: [grad_of(argnum, g) for argnum in argnums]


defvjp_argnums(weighted_sum, _weighted_sum_vjp)


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
        "l2_weight",  # alpha / batch_size, multiplies 0.5 * ||W||^2
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

    The traced graph is small and independent of the batch size: one
    :func:`~sklspin._networks.dense_in_list` node per layer, one per loss
    or penalty term, one for the L2 sum and one for their weighted sum; no
    array is taken out of the traced parameter list.
    """
    keep_freed_memory_in_heap()
    gate_params, pred_params = _parameter_views(params, spec.n_gate_params)
    batch_size = batch.X.shape[0]
    weight = _per_sample_weight(batch)

    use_similarity = spec.similarity_weight > 0 and batch.X_neighbours is not None
    if use_similarity:
        X_all = _stacked(batch.X, batch.X_neighbours)
    else:
        X_all = batch.X
    mu_all = spec.gate_means(gate_params, X_all)
    state = GateState(getval(mu_all), batch_size, spec.sigma, batch.noise)

    outputs = mlp_forward(
        pred_params, gated_input(batch.X, mu_all, state), spec.activation
    )
    terms = [weight, TASK_LOSSES[spec.task_loss](outputs, batch.y)]

    l0_coef = spec.sparsity_weight * weight if spec.sparsity_weight > 0 else None
    similarity_coef = (
        spec.similarity_weight * batch.neighbour_weight * weight
        if use_similarity
        else None
    )
    if l0_coef is not None or similarity_coef is not None:
        terms += [1.0, gate_penalty(mu_all, state, l0_coef, similarity_coef)]
    if spec.l2_weight > 0:
        terms += [0.5 * spec.l2_weight, _squared_weights(gate_params, pred_params)]
    return weighted_sum(*terms)


PredictorSpec = namedtuple(
    "PredictorSpec",
    [
        "activation",  # hidden activation of the prediction network
        "task_loss",  # key of TASK_LOSSES
        "l2_weight",  # as in ObjectiveSpec
    ],
)


def predictor_objective(pred_params, batch, spec):
    """Objective of the prediction network alone, on inputs already gated.

    ``task_loss + l2_weight / 2 * ||W||^2`` over the prediction network's
    parameters, the task loss averaged over the batch as in
    :func:`objective`. ``batch.X`` holds the gated inputs ``x * z(x)``
    (noise-free gates of a frozen gating network); the other fields of
    :class:`Batch` but ``y`` and ``sample_weight`` are not used. This is
    what ``fit`` minimises while it fine-tunes the prediction network after
    the main training (``finetune_iter``).
    """
    keep_freed_memory_in_heap()
    _, pred_params = _parameter_views(pred_params, 0)
    outputs = mlp_forward(pred_params, batch.X, spec.activation)
    terms = [_per_sample_weight(batch), TASK_LOSSES[spec.task_loss](outputs, batch.y)]
    if spec.l2_weight > 0:
        terms += [0.5 * spec.l2_weight, _squared_weights([], pred_params)]
    return weighted_sum(*terms)


def _parameter_views(params, n_gate):
    """The gating and prediction parts of ``params``, traced or not.

    When ``params`` is a traced list, each part is a
    :class:`~sklspin._networks.ParamSlice`: the primitives that use the
    arrays read them inside the list, and no array is taken out of it.
    """
    n_params = len(params)
    if isbox(params) and isinstance(getval(params), list):
        list_space = vspace(getval(params))
        return (
            ParamSlice(params, 0, n_gate, list_space),
            ParamSlice(params, n_gate, n_params, list_space),
        )
    params = [params[i] for i in range(n_params)]
    return params[:n_gate], params[n_gate:]


def _per_sample_weight(batch):
    """Sample weights divided by the batch size, in the batch's dtype.

    In the batch's dtype: a float64 weight would turn a float32 step into
    float64.
    """
    return np.asarray(batch.sample_weight, dtype=batch.X.dtype) / batch.X.shape[0]


def _squared_weights(gate_params, pred_params):
    """``sum ||W||^2`` over the weight matrices (not biases) of both parts."""
    if isinstance(pred_params, ParamSlice):
        n_gate, n_params = pred_params.start, pred_params.stop
        indices = (*range(0, n_gate, 2), *range(n_gate, n_params, 2))
        return sum_of_squares_in_list(pred_params.params, indices, pred_params.vspace)
    return sum_of_squares(*(list(gate_params)[0::2] + list(pred_params)[0::2]))


def _stacked(X, X_neighbours):
    """``X`` on top of ``X_neighbours``, without a copy if they already are."""
    base = X.base
    if (
        base is not None
        and base is X_neighbours.base
        and base.ndim == 2
        and base.flags.c_contiguous
        and base.shape[0] == X.shape[0] + X_neighbours.shape[0]
        and X.shape[1:] == base.shape[1:]
        and X.ctypes.data == base.ctypes.data
        and X_neighbours.ctypes.data == base.ctypes.data + X.nbytes
    ):
        return base
    return np.concatenate([X, X_neighbours], axis=0)
