"""Checks of the training inputs beyond scikit-learn's ``validate_data``.

Sample weights (rescaled to mean one), ``groups``, layer sizes, the
early-stopping split, and the warning about features far from unit scale.
Each raises a ``ValueError`` that names the argument and the remedy.
"""

import math
from numbers import Integral

import numpy as np
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
)

from ._warnings import warn_user

# Features whose largest absolute value lies outside this range get a
# warning that recommends standardising X: the gates multiply raw values and
# the affinity uses raw distances, so such inputs train poorly (or, far
# outside it, overflow).
_UNIT_SCALE_RANGE = (1e-4, 1e4)
# Weights whose largest value lies in this range are rescaled to mean one
# directly; outside it the sum of n weights could overflow or underflow.
_WEIGHT_SCALE_RANGE = (1e-200, 1e200)


def warn_if_far_from_unit_scale(X):
    """Warn when some non-zero feature of ``X`` is far from unit scale.

    Two column reductions, no temporary copy of ``X``.
    """
    if X.size == 0:
        return
    # In float64: compared in float32, 1e-4 rounds to the float32 below it.
    largest = np.maximum(X.max(axis=0), -X.min(axis=0)).astype(np.float64)
    largest = largest[largest > 0]
    low, high = _UNIT_SCALE_RANGE
    if largest.size and (largest.max() > high or largest.min() < low):
        warn_user(
            "Some features of X are far from unit scale (largest absolute "
            f"values from {largest.min():.3g} to {largest.max():.3g}). The "
            "gates multiply the raw feature values and the similarity penalty "
            "uses raw distances: standardise the inputs, e.g. with "
            "sklearn.preprocessing.StandardScaler in a Pipeline.",
            UserWarning,
        )


def normalised_sample_weight(sample_weight, X):
    """Validated sample weights rescaled to mean one, in ``X``'s dtype."""
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if np.any(sample_weight < 0):
        raise ValueError("sample_weight must be non-negative.")
    return rescaled_to_mean_one(sample_weight).astype(X.dtype, copy=False)


def rescaled_to_mean_one(weights):
    """Non-negative ``weights`` divided by their mean.

    Divided by their largest value first: the sum of weights near the
    largest float would overflow (and all weights became 0), the sum of
    subnormal ones would make ``n / sum`` infinite. Weights that are
    already of order one are scaled exactly as before, in one product.
    """
    largest = weights.max() if weights.size else 0.0
    if not largest > 0:
        raise ValueError("sample_weight must have a positive sum.")
    if not _WEIGHT_SCALE_RANGE[0] <= largest <= _WEIGHT_SCALE_RANGE[1]:
        weights = weights / largest
    return weights * (weights.shape[0] / weights.sum())


def without_zero_weight_rows(weights, *arrays):
    """``weights`` and the row-aligned ``arrays`` without the rows of weight
    0, the weights rescaled to mean one again.

    Such rows add nothing to the loss or the sparsity penalty, but as
    neighbours in the affinity they would still pull the gates of the rows
    around them: they are dropped, as if the caller had removed them.
    Without zero weights the same objects are returned; ``None`` entries
    of ``arrays`` pass through.
    """
    keep = weights > 0
    if keep.all():
        return (weights, *arrays)
    kept = (None if array is None else array[keep] for array in arrays)
    return (rescaled_to_mean_one(weights[keep]), *kept)


def validated_groups(groups, X, similarity_weight):
    """``groups`` as a 1-D array of one label per row of ``X``, or None.

    Warns that they have no effect when ``similarity_weight`` is 0.
    """
    if groups is None:
        return None
    groups = check_array(groups, ensure_2d=False, dtype=None, input_name="groups")
    if groups.ndim != 1:
        raise ValueError(
            f"groups must be 1-D, one label per sample; got an array of "
            f"shape {groups.shape}."
        )
    check_consistent_length(X, groups)
    try:
        # The neighbour search sorts the labels to form the groups.
        np.unique(groups)
    except TypeError as error:
        kinds = sorted({type(label).__name__ for label in groups})
        raise ValueError(
            "groups must hold labels of one sortable kind (e.g. all "
            f"integers or all strings); got labels of types {kinds}, "
            f"which numpy cannot sort ({error})."
        ) from None
    if similarity_weight <= 0:
        warn_user(
            "groups has no effect with similarity_weight=0: they only "
            "restrict the pairs of the gate-similarity penalty.",
            UserWarning,
        )
    return groups


def layer_sizes(sizes, name):
    """Validate a hidden-layer specification and return it as a tuple."""
    if isinstance(sizes, Integral):
        sizes = (sizes,)
    sizes = tuple(sizes)
    if any(not isinstance(s, Integral) or s < 1 for s in sizes):
        raise ValueError(f"{name} must contain positive integers only, got {sizes}.")
    return tuple(int(s) for s in sizes)


def check_validation_size(validation_fraction, n_samples, weighted=False):
    """Refuse an early-stopping validation split of fewer than 2 rows, or
    one that leaves no training row. ``weighted``: the caller gave sample
    weights, and ``n_samples`` counts the rows of positive weight."""
    samples = "samples of positive sample_weight" if weighted else "samples"
    # train_test_split's size of a fractional test split.
    n_validation = math.ceil(validation_fraction * n_samples)
    if n_validation < 2:
        # As scikit-learn's MLPs: R^2 of one row is undefined, and one
        # row's accuracy is too coarse to stop on.
        raise ValueError(
            "The validation set is too small: validation_fraction="
            f"{validation_fraction} of {n_samples} {samples} gives "
            f"{n_validation} row, and early_stopping needs at least 2. "
            "Increase validation_fraction or the number of samples, or "
            "set early_stopping=False."
        )
    if n_validation >= n_samples:
        raise ValueError(
            "The training set is empty: validation_fraction="
            f"{validation_fraction} of {n_samples} {samples} leaves no row to "
            "train on. Lower validation_fraction, or set early_stopping=False."
        )
