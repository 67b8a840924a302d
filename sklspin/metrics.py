"""Scores for per-sample feature selection against a known ground truth.

All functions compare a ground-truth mask ``mask_true`` (bool, shape
``(n_samples, n_features)``; ``mask_true[i, j]`` is True when feature ``j``
is informative for sample ``i``, as returned by the generators in
:mod:`sklspin.datasets`) with a ``selection``:

* a gate matrix with values in [0, 1], such as the per-sample gates of an
  LSPIN model: feature ``j`` counts as *selected* for sample ``i`` where
  ``selection[i, j] > 0``;
* or a boolean (or 0/1) matrix of the same shape;
* or a 1-D array of shape ``(n_features,)`` (a global selection, for
  baselines that pick one feature set for everybody), used for every sample.

For sample ``i`` write ``S`` for its selected set, ``G`` for its
ground-truth set, ``TP = #(S & G)``, ``FP = #(S - G)`` (``#`` counts
elements). The per-sample scores and their conventions when a denominator
is zero are:

============  =======================  ==========================================
score         definition               when the denominator is 0
============  =======================  ==========================================
F1            ``2 TP / (#S + #G)``     1.0 (nothing selected, nothing to find)
precision     ``TP / #S``              1.0 (empty selection: no false discovery)
TPR (recall)  ``TP / #G``              1.0 (nothing to find)
FDR           ``FP / #S``              0.0 (empty selection, as in the FDR
                                       literature: ``FP / max(#S, 1)``)
============  =======================  ==========================================

so precision = 1 - FDR always. An empty selection therefore has perfect
precision and zero FDR; it is F1 and TPR that penalise it (both are 0 when
``G`` is not empty). These are scikit-learn's scores with
``zero_division=1`` (:func:`~sklearn.metrics.f1_score`,
:func:`~sklearn.metrics.precision_score` and
:func:`~sklearn.metrics.recall_score` on the masks as multilabel
indicators, with scikit-learn's ``average="samples"``, or ``"micro"`` for
our ``"pooled"``).

``average="samples"`` (the default) returns the (weighted) mean of the
per-sample scores, the quantity reported in the LSPIN paper for F1;
``average="pooled"`` pools the counts of all samples first (micro average:
e.g. pooled F1 = ``2 sum TP / (sum #S + sum #G)``, with the same zero
conventions); ``average=None`` returns the per-sample scores.
"""

import numbers

import numpy as np
import scipy.sparse as sp

__all__ = [
    "feature_selection_f1",
    "feature_selection_fdr",
    "feature_selection_precision",
    "feature_selection_tpr",
]

_AVERAGES = ("samples", "pooled", None)


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------
def _as_numeric_array(a, name):
    if sp.issparse(a):
        a = a.toarray()
    try:
        a = np.asarray(a)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise ValueError(f"{name} could not be converted to an array: {exc}") from exc
    if a.dtype.kind == "b":
        return a
    if a.dtype.kind in "iuf":
        return a
    if a.dtype.kind == "O":
        # Numbers only: astype would also parse strings such as "1", which
        # a string array is refused for, and None or pandas' NA would fail
        # with a message that does not name them. Checked per type, not per
        # value (an object array holds few distinct types).
        for kind in set(map(type, a.flat)):
            real = issubclass(kind, (numbers.Real, np.bool_)) or (
                issubclass(kind, numbers.Number)  # e.g. Decimal, not complex
                and not issubclass(kind, numbers.Complex)
            )
            if not real:
                value = next(v for v in a.flat if type(v) is kind)
                raise ValueError(
                    f"{name} must contain booleans or numbers, found "
                    f"{value!r} of type {kind.__name__} (missing values "
                    "are not allowed)."
                )
        return a.astype(np.float64)
    raise ValueError(
        f"{name} must contain booleans or numbers, got an array of dtype {a.dtype}."
    )


def _check_mask_true(mask_true):
    G = _as_numeric_array(mask_true, "mask_true")
    if G.ndim != 2:
        raise ValueError(
            "mask_true must be a 2-D array of shape (n_samples, n_features), "
            f"got an array with {G.ndim} dimension(s) and shape {G.shape}."
        )
    if G.shape[0] == 0 or G.shape[1] == 0:
        raise ValueError(
            f"mask_true must have at least one sample and one feature, "
            f"got shape {G.shape}."
        )
    if G.dtype.kind == "b":
        return G
    if G.dtype.kind == "f" and np.isnan(G).any():
        raise ValueError("mask_true contains NaN.")
    if not np.isin(G, (0, 1)).all():
        raise ValueError(
            "mask_true must be boolean or contain only 0 and 1; got values "
            f"{np.unique(G[~np.isin(G, (0, 1))])[:5].tolist()}."
        )
    return G.astype(bool)


def _check_selection(selection, shape):
    S = _as_numeric_array(selection, "selection")
    if S.ndim not in (1, 2):
        raise ValueError(
            "selection must be a 2-D array of shape (n_samples, n_features) or "
            f"a 1-D array of shape (n_features,), got an array with {S.ndim} "
            f"dimension(s) and shape {S.shape}."
        )
    if S.ndim == 1 and S.shape[0] != shape[1]:
        raise ValueError(
            f"A 1-D selection must have one entry per feature: got shape "
            f"{S.shape}, but mask_true has {shape[1]} features (shape {shape})."
        )
    if S.ndim == 2 and S.shape != shape:
        raise ValueError(
            f"selection and mask_true must have the same shape, got "
            f"{S.shape} and {shape}."
        )
    if S.dtype.kind != "b":
        if S.dtype.kind == "f" and np.isnan(S).any():
            raise ValueError("selection contains NaN.")
        if (S < 0).any() or (S > 1).any():
            raise ValueError(
                "selection must be boolean or have values in [0, 1] (gates); "
                f"got values in [{S.min()}, {S.max()}]."
            )
        S = S > 0
    return np.broadcast_to(S, shape)


def _check_sample_weight(sample_weight, n_samples):
    if sample_weight is None:
        return None
    w = _as_numeric_array(sample_weight, "sample_weight")
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must be a 1-D array of length n_samples={n_samples}, "
            f"got shape {w.shape}."
        )
    w = w.astype(np.float64)
    if not np.isfinite(w).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if (w < 0).any():
        raise ValueError("sample_weight must be non-negative.")
    if w.sum() <= 0:
        raise ValueError("sample_weight must have a positive sum.")
    return w


def _check_average(average):
    if not (average is None or isinstance(average, str)) or average not in _AVERAGES:
        raise ValueError(
            f"average must be 'samples', 'pooled' or None, got {average!r}."
        )


def _counts(mask_true, selection, average, sample_weight):
    """Validate inputs; return per-sample TP, |S|, |G| and the weights."""
    _check_average(average)
    G = _check_mask_true(mask_true)
    S = _check_selection(selection, G.shape)
    w = _check_sample_weight(sample_weight, G.shape[0])
    tp = np.count_nonzero(S & G, axis=1).astype(np.float64)
    n_sel = np.count_nonzero(S, axis=1).astype(np.float64)
    n_true = np.count_nonzero(G, axis=1).astype(np.float64)
    return tp, n_sel, n_true, w


def _ratio(num, den, empty_value, average, w):
    """num / den per sample or pooled, ``empty_value`` where ``den == 0``."""
    if average == "pooled":
        if w is not None:
            num, den = num * w, den * w
        num, den = num.sum(), den.sum()
        return float(empty_value) if den == 0 else float(num / den)
    scores = np.full(num.shape, float(empty_value))
    np.divide(num, den, out=scores, where=den > 0)
    if average is None:
        return scores
    return float(np.average(scores, weights=w))


# --------------------------------------------------------------------------
# public scores
# --------------------------------------------------------------------------
def feature_selection_f1(
    mask_true, selection, *, average="samples", sample_weight=None
):
    """Per-sample feature-selection F1 score.

    For each sample, ``F1 = 2 |S & G| / (|S| + |G|)`` where ``S`` is the
    set of selected features (gate > 0) and ``G`` the set of informative
    ones; ``F1 = 1`` when both sets are empty. With the default
    ``average="samples"`` this is the "feature F1" of the LSPIN paper.

    Parameters
    ----------
    mask_true : array-like of shape (n_samples, n_features)
        Ground-truth informative features per sample, boolean or 0/1.
    selection : array-like of shape (n_samples, n_features) or (n_features,)
        Gates in [0, 1] (a feature is selected where its gate is > 0) or a
        boolean selection. A 1-D array is a global selection applied to every
        sample.
    average : {"samples", "pooled"} or None, default="samples"
        ``"samples"``: mean of the per-sample scores; ``"pooled"``: the
        score of the counts summed over all samples (micro average);
        ``None``: the per-sample scores.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, used by ``average="samples"`` (weighted
        mean) and ``average="pooled"`` (weighted counts); the per-sample
        scores returned by ``average=None`` do not depend on them.

    Returns
    -------
    score : float or ndarray of shape (n_samples,)
        The averaged score, or the per-sample scores if ``average=None``.

    See Also
    --------
    feature_selection_precision, feature_selection_tpr, feature_selection_fdr

    Examples
    --------
    >>> import numpy as np
    >>> from sklspin.metrics import feature_selection_f1
    >>> mask_true = np.array([[True, True, False, False],
    ...                       [False, False, True, True]])
    >>> gates = np.array([[1.0, 0.3, 0.0, 0.0],    # S = G: F1 = 1
    ...                   [0.0, 0.0, 0.8, 0.0]])   # 2 * 1 / (1 + 2) = 2/3
    >>> feature_selection_f1(mask_true, gates, average=None)
    array([1.        , 0.66666667])
    >>> round(feature_selection_f1(mask_true, gates), 4)
    0.8333
    >>> feature_selection_f1(mask_true, gates, average="pooled")  # 2*3/(3+4)
    0.8571428571428571
    >>> feature_selection_f1(mask_true, [True, True, True, True])  # global
    0.6666666666666666
    """
    tp, n_sel, n_true, w = _counts(mask_true, selection, average, sample_weight)
    return _ratio(2.0 * tp, n_sel + n_true, 1.0, average, w)


def feature_selection_precision(
    mask_true, selection, *, average="samples", sample_weight=None
):
    """Per-sample feature-selection precision.

    For each sample, ``precision = |S & G| / |S|``, the fraction of selected
    features (gate > 0) that are informative; an empty selection has
    precision 1 (it makes no false discovery), so that
    ``precision = 1 - FDR`` always.

    Parameters
    ----------
    mask_true : array-like of shape (n_samples, n_features)
        Ground-truth informative features per sample, boolean or 0/1.
    selection : array-like of shape (n_samples, n_features) or (n_features,)
        Gates in [0, 1] (a feature is selected where its gate is > 0) or a
        boolean selection. A 1-D array is a global selection applied to every
        sample.
    average : {"samples", "pooled"} or None, default="samples"
        ``"samples"``: mean of the per-sample scores; ``"pooled"``: the
        score of the counts summed over all samples (micro average);
        ``None``: the per-sample scores.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, used by ``average="samples"`` (weighted
        mean) and ``average="pooled"`` (weighted counts); the per-sample
        scores returned by ``average=None`` do not depend on them.

    Returns
    -------
    score : float or ndarray of shape (n_samples,)
        The averaged score, or the per-sample scores if ``average=None``.

    See Also
    --------
    feature_selection_fdr : One minus the precision.

    Examples
    --------
    >>> import numpy as np
    >>> from sklspin.metrics import feature_selection_precision
    >>> mask_true = np.array([[True, True, False, False],
    ...                       [False, False, True, True]])
    >>> gates = np.array([[1.0, 0.0, 0.5, 0.0],    # 1 / 2
    ...                   [0.0, 0.0, 0.0, 0.0]])   # empty selection: 1
    >>> feature_selection_precision(mask_true, gates, average=None)
    array([0.5, 1. ])
    >>> feature_selection_precision(mask_true, gates)
    0.75
    >>> feature_selection_precision(mask_true, gates, average="pooled")  # 1/2
    0.5
    """
    tp, n_sel, _, w = _counts(mask_true, selection, average, sample_weight)
    return _ratio(tp, n_sel, 1.0, average, w)


def feature_selection_tpr(
    mask_true, selection, *, average="samples", sample_weight=None
):
    """Per-sample feature-selection true positive rate (recall).

    For each sample, ``TPR = |S & G| / |G|``, the fraction of informative
    features that are selected (gate > 0); ``TPR = 1`` for a sample with no
    informative feature.

    Parameters
    ----------
    mask_true : array-like of shape (n_samples, n_features)
        Ground-truth informative features per sample, boolean or 0/1.
    selection : array-like of shape (n_samples, n_features) or (n_features,)
        Gates in [0, 1] (a feature is selected where its gate is > 0) or a
        boolean selection. A 1-D array is a global selection applied to every
        sample.
    average : {"samples", "pooled"} or None, default="samples"
        ``"samples"``: mean of the per-sample scores; ``"pooled"``: the
        score of the counts summed over all samples (micro average);
        ``None``: the per-sample scores.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, used by ``average="samples"`` (weighted
        mean) and ``average="pooled"`` (weighted counts); the per-sample
        scores returned by ``average=None`` do not depend on them.

    Returns
    -------
    score : float or ndarray of shape (n_samples,)
        The averaged score, or the per-sample scores if ``average=None``.

    See Also
    --------
    feature_selection_fdr, feature_selection_f1

    Examples
    --------
    >>> import numpy as np
    >>> from sklspin.metrics import feature_selection_tpr
    >>> mask_true = np.array([[True, True, False, False],
    ...                       [False, False, True, True]])
    >>> gates = np.array([[1.0, 0.0, 0.5, 0.0],    # 1 / 2
    ...                   [0.0, 0.0, 0.9, 0.2]])   # 2 / 2
    >>> feature_selection_tpr(mask_true, gates, average=None)
    array([0.5, 1. ])
    >>> feature_selection_tpr(mask_true, gates)
    0.75
    >>> feature_selection_tpr(mask_true, gates, sample_weight=[3, 1])
    0.625
    """
    tp, _, n_true, w = _counts(mask_true, selection, average, sample_weight)
    return _ratio(tp, n_true, 1.0, average, w)


def feature_selection_fdr(
    mask_true, selection, *, average="samples", sample_weight=None
):
    """Per-sample feature-selection false discovery rate.

    For each sample, ``FDR = |S - G| / |S|``, the fraction of selected
    features (gate > 0) that are not informative; an empty selection has
    ``FDR = 0``. Equal to ``1 - precision``.

    Parameters
    ----------
    mask_true : array-like of shape (n_samples, n_features)
        Ground-truth informative features per sample, boolean or 0/1.
    selection : array-like of shape (n_samples, n_features) or (n_features,)
        Gates in [0, 1] (a feature is selected where its gate is > 0) or a
        boolean selection. A 1-D array is a global selection applied to every
        sample.
    average : {"samples", "pooled"} or None, default="samples"
        ``"samples"``: mean of the per-sample scores; ``"pooled"``: the
        score of the counts summed over all samples (micro average);
        ``None``: the per-sample scores.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, used by ``average="samples"`` (weighted
        mean) and ``average="pooled"`` (weighted counts); the per-sample
        scores returned by ``average=None`` do not depend on them.

    Returns
    -------
    score : float or ndarray of shape (n_samples,)
        The averaged score, or the per-sample scores if ``average=None``.

    See Also
    --------
    feature_selection_precision, feature_selection_tpr

    Examples
    --------
    >>> import numpy as np
    >>> from sklspin.metrics import feature_selection_fdr
    >>> mask_true = np.array([[True, True, False, False],
    ...                       [False, False, True, True]])
    >>> gates = np.array([[1.0, 0.0, 0.5, 0.7],    # 2 false of 3 selected
    ...                   [0.0, 0.0, 0.0, 0.0]])   # empty selection: 0
    >>> feature_selection_fdr(mask_true, gates, average=None)
    array([0.66666667, 0.        ])
    >>> round(feature_selection_fdr(mask_true, gates), 4)
    0.3333
    """
    tp, n_sel, _, w = _counts(mask_true, selection, average, sample_weight)
    return _ratio(n_sel - tp, n_sel, 0.0, average, w)
