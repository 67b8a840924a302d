"""Fully connected networks as pure functions over lists of parameter arrays.

A network with layer sizes ``(n_in, h_1, ..., n_out)`` is stored as the flat
list ``[W_1, b_1, W_2, b_2, ...]`` so that autograd and the Adam optimizer
can treat every network the same way.
"""

from typing import NamedTuple

import numpy as np
from autograd.extend import SparseObject, defvjp_argnums, primitive
from scipy.special import expit as _expit


def init_mlp(layer_sizes, rng, activation="relu", output_scale=1.0):
    """Glorot-uniform initialisation of a fully connected network.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_inputs, hidden_1, ..., n_outputs)``.
    rng : numpy.random.RandomState
        Source of randomness.
    activation : str, default="relu"
        Hidden activation; the logistic function gets the narrower bound
        ``sqrt(2 / (fan_in + fan_out))`` instead of ``sqrt(6 / (fan_in +
        fan_out))``, as in scikit-learn's MLPs.
    output_scale : float, default=1.0
        Multiplier of the last layer's weights. The gating network uses a
        small value so that its initial gates barely depend on ``x`` (their
        level is set by the output bias afterwards).

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
        params.append(weights)
        params.append(np.zeros(fan_out))
    return params


_MALLOC_TUNED = False


def keep_freed_memory_in_heap():
    """Let glibc's malloc keep freed batch-sized arrays instead of unmapping them.

    A training step allocates and frees the same few-megabyte arrays (batch
    x features, and twice that with the neighbours) every time. glibc's
    malloc serves them from the top of its heap and, by default, gives that
    top back to the operating system (``M_TRIM_THRESHOLD``, 128 kB until
    raised) as soon as they are freed, so every step faults the same pages
    in again: measured at d = 1000, ~6,000 minor page faults per LSPIN step,
    costing more than all the gate arithmetic together (scikit-learn's MLP,
    whose temporaries are smaller, has none).

    glibc raises its thresholds by itself - to the size of the chunk, up to
    32 MB for ``M_MMAP_THRESHOLD`` and twice that for the trim threshold -
    whenever a program frees a large memory-mapped chunk, which any NumPy
    program that creates and drops a 32 MB array does. This function does
    exactly that once per process (an ``np.empty``, which touches no page,
    and its release). The only effect is that up to 64 MB of freed heap stay
    mapped for reuse. Other allocators ignore it, and glibc ignores it when
    the thresholds were fixed with ``mallopt`` or ``MALLOC_*_`` variables.
    """
    global _MALLOC_TUNED
    if not _MALLOC_TUNED:
        _MALLOC_TUNED = True
        chunk = np.empty((32 << 20) // 8 - 1024, dtype=np.float64)
        del chunk


class BoundedTanh(NamedTuple):
    """Output activation ``tanh`` rescaled to the interval ``(low, high)``.

    ``low + (high - low) * (1 + tanh(a)) / 2``; usable wherever an activation
    name is, and computed in place like them.
    """

    low: float
    high: float

    @property
    def centre(self):
        return 0.5 * (self.low + self.high)

    @property
    def half_width(self):
        return 0.5 * (self.high - self.low)

    def inverse(self, value):
        """Pre-activation whose output is ``value`` (inside the interval)."""
        return float(np.arctanh((value - self.centre) / self.half_width))


def _activate_inplace(out, activation):
    """Apply ``activation`` to the pre-activations ``out``, in place."""
    if isinstance(activation, BoundedTanh):
        np.tanh(out, out=out)
        out *= activation.half_width
        out += activation.centre
    elif activation == "tanh":
        np.tanh(out, out=out)
    elif activation == "relu":
        np.maximum(out, 0.0, out=out)
    elif activation == "logistic":
        _expit(out, out=out)
    elif activation != "identity":
        raise KeyError(activation)
    return out


def _activation_backward(activation, out, g):
    """Gradient with respect to the pre-activations, from the layer output."""
    if activation == "identity":
        return g
    g_pre = np.empty(
        np.broadcast_shapes(out.shape, np.shape(g)), dtype=np.result_type(out, g)
    )
    if isinstance(activation, BoundedTanh):  # h (1 - ((out - c) / h)^2)
        half_width = activation.half_width
        np.subtract(out, activation.centre, out=g_pre)
        np.multiply(g_pre, g_pre, out=g_pre)
        g_pre *= -1.0 / half_width
        g_pre += half_width
    elif activation == "tanh":  # 1 - out^2
        np.multiply(out, out, out=g_pre)
        np.subtract(1.0, g_pre, out=g_pre)
    elif activation == "relu":
        np.greater(out, 0.0, out=g_pre)
    else:  # logistic: out (1 - out)
        np.subtract(1.0, out, out=g_pre)
        g_pre *= out
    g_pre *= g
    return g_pre


@primitive
def dense(X, W, b, activation="identity"):
    """One fully connected layer, ``activation(X @ W + b)``, as a single primitive.

    The affine map and the activation are one node of autograd's graph with a
    hand-written vector-Jacobian product (:func:`autograd.extend.defvjp`):
    the backward pass computes the pre-activation gradient once and reuses
    it for ``X``, ``W`` and ``b``, and skips the input gradient when ``X`` is
    not traced (the first layer). This replaces the three to four traced
    operations of ``anp.dot(X, W) + b`` followed by an activation.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_in)
    W : ndarray of shape (n_in, n_out)
    b : ndarray of shape (n_out,)
    activation : {"identity", "tanh", "relu", "logistic"} or BoundedTanh, \
            default="identity"

    Returns
    -------
    out : ndarray of shape (n_samples, n_out)
    """
    return _dense_value(X, W, b, activation)


def _dense_value(X, W, b, activation):
    out = np.dot(X, W)
    out += b
    return _activate_inplace(out, activation)


def _rows(A):
    """``A`` as a 2-D array of rows (a no-op for the usual 2-D batches)."""
    if A.ndim == 2:
        return A
    return A.reshape(int(np.prod(A.shape[:-1])), A.shape[-1])


def _dense_vjp(argnums, ans, args, kwargs):
    X, W = args[0], args[1]
    activation = args[3] if len(args) > 3 else kwargs.get("activation", "identity")

    def vjp(g):
        g_pre = _activation_backward(activation, ans, g)
        grads = []
        for argnum in argnums:
            if argnum == 0:
                grads.append(np.dot(g_pre, W.T))
            elif argnum == 1:
                grads.append(np.dot(_rows(X).T, _rows(g_pre)))
            elif argnum == 2:
                grads.append(_rows(g_pre).sum(axis=0))
            else:
                raise NotImplementedError("dense is not differentiable in activation")
        return grads

    return vjp


defvjp_argnums(dense, _dense_vjp)


class ParamSlice:
    """The arrays ``params[start:stop]`` of a traced parameter list, left in it.

    ``value_and_grad`` over a list of arrays traces the list as one object;
    taking an array out of it is a traced operation whose backward pass
    builds a vector space of the whole list (one per array taken: 8 per
    LSPIN step) and scatters into it. :func:`mlp_forward` and the objective
    recognise this view and read the arrays inside single primitives
    (:func:`dense_in_list`, :func:`~sklspin._losses.sum_of_squares_in_list`)
    whose gradients are added straight into the list's gradient. Indexing
    the view (``view[i]``, ``len(view)``) still works for any other code and
    then takes the array out of the list the usual way.

    Parameters
    ----------
    params : autograd SequenceBox
        The traced parameter list.
    start, stop : int
        The slice of it that this view shows.
    vspace : autograd vector space
        ``vspace`` of the list's value, computed once per trace.
    """

    def __init__(self, params, start, stop, vspace):
        self.params = params
        self.start = start
        self.stop = stop
        self.vspace = vspace

    def __len__(self):
        return self.stop - self.start

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError("parameter index out of range")
        return self.params[self.start + index % len(self)]


@primitive
def dense_in_list(X, params, index, activation, vspace):
    """:func:`dense` with ``W, b = params[index], params[index + 1]``.

    ``params`` is the traced parameter list itself (see :class:`ParamSlice`);
    the gradients of ``W`` and ``b`` are added into the list's gradient in
    place.
    """
    return _dense_value(X, params[index], params[index + 1], activation)


def _dense_in_list_vjp(argnums, ans, args, kwargs):
    X, params, index, activation, vs = args
    W = params[index]

    def vjp(g):
        g_pre = _activation_backward(activation, ans, g)
        grads = []
        for argnum in argnums:
            if argnum == 0:
                grads.append(np.dot(g_pre, W.T))
            elif argnum == 1:
                grads.append(
                    list_gradient(
                        vs,
                        {
                            index: np.dot(_rows(X).T, _rows(g_pre)),
                            index + 1: _rows(g_pre).sum(axis=0),
                        },
                    )
                )
            else:
                raise NotImplementedError("dense_in_list: no gradient for argument")
        return grads

    return vjp


defvjp_argnums(dense_in_list, _dense_in_list_vjp)


def list_gradient(vs, parts):
    """A gradient of a parameter list that is non-zero only at ``parts``' keys.

    Returned as an autograd ``SparseObject``: autograd adds it in place into
    the list's accumulated gradient instead of building a full list.
    """

    def add_into(total):
        for position, value in parts.items():
            total[position] += value
        return total

    return SparseObject(vs, add_into)


def mlp_forward(params, X, activation="relu", output_activation="identity"):
    """Forward pass of :func:`init_mlp`'s network (NumPy or autograd arrays).

    Every layer is one :func:`dense` primitive, so a network with ``L``
    layers adds ``L`` nodes to autograd's graph (plus one per array taken
    out of a traced parameter list, unless ``params`` is a
    :class:`ParamSlice`).
    """
    n_layers = len(params) // 2
    out = X
    for layer in range(n_layers):
        act = activation if layer < n_layers - 1 else output_activation
        if isinstance(params, ParamSlice):
            out = dense_in_list(
                out, params.params, params.start + 2 * layer, act, params.vspace
            )
        else:
            out = dense(out, params[2 * layer], params[2 * layer + 1], act)
    return out
