"""One pass of mini-batch training, and how it fails.

:func:`run_epoch` is the loop that ``fit``, ``partial_fit`` and the
fine-tuning of the prediction network share: shuffle the rows, build each
mini-batch, differentiate an objective with autograd and take one Adam
step. A non-finite loss or gradient raises :class:`TrainingDivergedError`.
What a batch holds and which objective is minimised are the caller's
choice (:mod:`sklspin._losses`); so is the schedule of the penalties
(:mod:`sklspin._base`).
"""

from collections import namedtuple

import numpy as np
from autograd import value_and_grad

from ._threads import one_blas_thread


class TrainingDivergedError(FloatingPointError, ValueError):
    """Training produced a non-finite (or overflowing) loss or gradient.

    A :class:`FloatingPointError` (what went wrong) and a :class:`ValueError`
    (the usual cause is the input: unscaled features, or a learning rate too
    large for them), so that code that expects scikit-learn's ``ValueError``
    for bad input catches it too. The message names the epoch and
    ``learning_rate_init``, and recommends standardising the inputs.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklspin import LLSPINRegressor, TrainingDivergedError
    >>> X = np.random.RandomState(0).normal(size=(50, 3)) * 1e200
    >>> try:
    ...     with warnings.catch_warnings():
    ...         warnings.simplefilter("ignore")  # the unit-scale warning
    ...         LLSPINRegressor(similarity_weight=0, max_iter=5).fit(X, X[:, 0])
    ... except TrainingDivergedError as error:
    ...     print("Standardise the inputs" in str(error))
    True
    """


# Training state of one epoch: the data and what the objective needs.
TrainingData = namedtuple(
    "TrainingData",
    [
        "X",
        "y",
        "sample_weight",
        "sampler",  # NeighbourSampler over X, or None
        # (n_samples,) each sample's affinity degree scaled to mean one, in
        # X's dtype: the weight of its sampled similarity term; or None.
        "neighbour_weight",
        "batch_size",
        "spec",  # ObjectiveSpec with the full sparsity_weight
        "n_gate_params",
        # Seed of the approximate neighbour search, drawn from the training
        # stream once per fit (or first partial_fit call that needs it) and
        # reused by later partial_fit calls, so that k calls follow fit's
        # random stream; None if no search needed one.
        "search_seed",
    ],
)


def run_epoch(
    n_rows,
    batch_size,
    make_batch,
    objective_fn,
    spec,
    params,
    optimizer,
    rng,
    where,
    learning_rate_init,
):
    """One pass over ``n_rows`` rows in shuffled mini-batches.

    ``make_batch(indices)`` builds a batch, ``objective_fn(params, batch,
    spec)`` is differentiated by autograd; ``params`` are updated in place
    by ``optimizer``. Returns the mean loss per row. Raises
    :class:`TrainingDivergedError`, naming ``where`` (the epoch) and
    ``learning_rate_init``, on a non-finite loss or gradient.
    """
    loss_and_grad = value_and_grad(objective_fn)
    order = rng.permutation(n_rows)
    total_loss = 0.0
    with one_blas_thread():
        for start in range(0, n_rows, batch_size):
            idx = order[start : start + batch_size]
            batch = make_batch(idx)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss, grads = loss_and_grad(params, batch, spec)
                # The squared norm, not the sum: Adam squares every
                # gradient, and one too large to square (above ~1e154)
                # would leave it with infinite second moments and frozen
                # weights, i.e. a fit that silently learns nothing.
                grad_norm2 = sum(float(np.vdot(g, g)) for g in grads)
            if not (np.isfinite(loss) and np.isfinite(grad_norm2)):
                raise TrainingDivergedError(
                    f"Training diverged: the loss or its gradient became "
                    f"non-finite or too large (loss={loss}) at {where}. "
                    "Standardise the inputs (e.g. with StandardScaler) "
                    "and/or lower learning_rate_init (currently "
                    f"{learning_rate_init})."
                )
            optimizer.update_params(params, grads)
            total_loss += loss * idx.shape[0]
    return total_loss / n_rows
