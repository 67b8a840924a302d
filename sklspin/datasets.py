"""Synthetic data sets with known per-sample informative features.

Every generator follows the scikit-learn ``make_*`` conventions (keyword
arguments ``n_samples`` and ``random_state``) and returns four arrays::

    X, y, mask, groups = make_...(n_samples=..., random_state=...)

``X`` : ndarray of shape (n_samples, n_features), float64
    The inputs.
``y`` : ndarray of shape (n_samples,)
    ``int64`` labels in ``{0, 1}`` for classification problems, ``float64``
    targets for regression problems.
``mask`` : ndarray of shape (n_samples, n_features), bool
    ``mask[i, j]`` is True when feature ``j`` is informative for sample
    ``i`` (the ground truth for per-sample feature selection, see
    :func:`sklspin.metrics.feature_selection_f1`).
``groups`` : ndarray of shape (n_samples,), int64
    The sub-population each sample belongs to (0, 1, ...). Samples of the
    same group share the same informative set.

Features are numbered from 1 in the formulas below (``x1`` is column 0), as
in the paper (Yang, Lindenbaum & Kluger, "Locally Sparse Neural Networks
for Tabular Biomedical Data", ICML 2022), and so are the columns of the
plots of :mod:`sklspin.plotting`. The feature names that scikit-learn and
sklspin generate for arrays without column names
(``get_feature_names_out``, ``predict_gates(X, as_frame=True)``) count
from 0 instead: column 0, the paper's ``x1``, is named ``x0`` there.

The exact sequence of random draws is an implementation detail: a fixed
``random_state`` gives identical data within one version of ``sklspin``.
"""

import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError

__all__ = [
    "make_paper_e1",
    "make_paper_e2",
    "make_paper_e3",
    "make_paper_e4",
    "make_paper_e5",
    "make_paper_synthetic",
    "make_two_group_classification",
    "make_two_group_linear",
]


# --------------------------------------------------------------------------
# validation helpers: they raise InvalidParameterError, as scikit-learn's
# make_* functions do (both a ValueError and a TypeError)
# --------------------------------------------------------------------------
def _check_int(value, name, min_value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"{name} must be an integer >= {min_value}, got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < min_value:
        raise InvalidParameterError(
            f"{name} must be an integer >= {min_value}, got {value}."
        )
    return int(value)


def _check_nonneg_float(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"{name} must be a non-negative real number, got {value!r} "
            f"of type {type(value).__name__}."
        )
    if not np.isfinite(value) or value < 0:
        raise InvalidParameterError(
            f"{name} must be a finite number >= 0, got {value}."
        )
    return float(value)


def _balanced_groups(n_samples, n_groups, rng):
    """Group labels in random order with group sizes differing by at most 1.

    Group ``g`` gets ``n_samples // n_groups`` samples plus one extra when
    ``g < n_samples % n_groups``.
    """
    groups = np.arange(n_samples, dtype=np.int64) % n_groups
    groups.sort()
    return rng.permutation(groups)


# --------------------------------------------------------------------------
# E1 - E3
# --------------------------------------------------------------------------
def _logit_a(X):
    # A(x) = x1 * x2
    return X[:, 0] * X[:, 1]


def _logit_b(X):
    # B(x) = x3^2 + x4^2 + x5^2 + x6^2 - 4
    return np.sum(X[:, 2:6] ** 2, axis=1) - 4.0


def _logit_c(X):
    # C(x) = -10 sin(0.2 x7) + |x8| + x9 + exp(-x10) - 2.4
    return (
        -10.0 * np.sin(0.2 * X[:, 6])
        + np.abs(X[:, 7])
        + X[:, 8]
        + np.exp(-X[:, 9])
        - 2.4
    )


# branch -> (logit function, 0-based indices of its variables)
_BRANCHES = {
    "A": (_logit_a, [0, 1]),
    "B": (_logit_b, [2, 3, 4, 5]),
    "C": (_logit_c, [6, 7, 8, 9]),
}

# data set -> (branch used when x11 < 0, branch used when x11 >= 0)
_E123 = {"E1": ("A", "B"), "E2": ("A", "C"), "E3": ("B", "C")}

_E123_DOC = """
    Generate the paper's synthetic classification data set {name}.

    Generating process (features numbered from 1, ``x1`` is column 0)::

        x ~ N(0, I_11)                                  (d = 11, no noise
                                                         features appended)
        A(x) = x1 * x2
        B(x) = x3^2 + x4^2 + x5^2 + x6^2 - 4
        C(x) = -10 sin(0.2 x7) + |x8| + x9 + exp(-x10) - 2.4
        logit(x) = {low}(x) if x11 < 0 else {high}(x)
        y = 1[1 / (1 + exp(logit(x))) > 0.5]            (i.e. y = 1[logit < 0])

    The group of a sample is ``0`` when ``x11 < 0`` (branch {low}) and ``1``
    otherwise (branch {high}). The informative set of a sample is the
    variables of its branch plus ``x11``, which decides the branch and is
    therefore informative for every sample: {{{low_set}, x11}} for group 0
    and {{{high_set}, x11}} for group 1.

    This is our reading of the paper's description, consistent with the
    feature-F1 values reported there for the baselines: on {name}, keeping all
    11 features scores a per-sample F1 of
    {all_f1}.

    Parameters
    ----------
    n_samples : int, default=1500
        Number of samples (>= 1). The default is our choice; the paper's
        exact sample size is not reproduced.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the random draws. Pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 11), dtype float64
        The inputs.
    y : ndarray of shape (n_samples,), dtype int64
        Binary labels in {{0, 1}}.
    mask : ndarray of shape (n_samples, 11), dtype bool
        Per-sample ground-truth informative features.
    groups : ndarray of shape (n_samples,), dtype int64
        ``0`` where ``x11 < 0``, else ``1``.

    See Also
    --------
    make_paper_synthetic : Generate any of E1-E5 by name.

    Examples
    --------
    >>> from sklspin.datasets import make_paper_{lname}
    >>> X, y, mask, groups = make_paper_{lname}(n_samples=200, random_state=0)
    >>> X.shape, y.shape, mask.shape, groups.shape
    ((200, 11), (200,), (200, 11), (200,))
    >>> sorted(set(y.tolist()))
    [0, 1]
    >>> mask[groups == 0][0].nonzero()[0].tolist()
    {low_idx}
    """


def _make_e123(name, n_samples, random_state):
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, 11))
    low, high = _E123[name]
    f_low, idx_low = _BRANCHES[low]
    f_high, idx_high = _BRANCHES[high]

    groups = (X[:, 10] >= 0).astype(np.int64)
    in_low = groups == 0
    logit = np.where(in_low, f_low(X), f_high(X))
    # 1 / (1 + exp(logit)) > 0.5  <=>  logit < 0 (avoids overflow in exp)
    y = (logit < 0).astype(np.int64)

    mask = np.zeros((n_samples, 11), dtype=bool)
    mask[np.ix_(in_low, idx_low)] = True
    mask[np.ix_(~in_low, idx_high)] = True
    mask[:, 10] = True
    return X, y, mask, groups


def _e123_docstring(name):
    low, high = _E123[name]
    idx_low = _BRANCHES[low][1]
    idx_high = _BRANCHES[high][1]
    # keeping all 11 features scores F1 = 2 k / (k + 11) on a sample whose
    # informative set has k features (its branch variables plus x11)
    k_low, k_high = len(idx_low) + 1, len(idx_high) + 1
    if k_low == k_high:
        all_f1 = f"2*{k_low}/{k_low + 11} = {2 * k_low / (k_low + 11):.4g}"
    else:
        f1_low, f1_high = 2 * k_low / (k_low + 11), 2 * k_high / (k_high + 11)
        all_f1 = (
            f"2*{k_low}/{k_low + 11} = {f1_low:.4g} on group 0 and "
            f"2*{k_high}/{k_high + 11} = {f1_high:.4g} on group 1\n"
            f"    (about {(f1_low + f1_high) / 2:.4g} on average)"
        )
    return _E123_DOC.format(
        name=name,
        lname=name.lower(),
        low=low,
        high=high,
        low_set=", ".join(f"x{i + 1}" for i in idx_low),
        high_set=", ".join(f"x{i + 1}" for i in idx_high),
        low_idx=[*idx_low, 10],
        all_f1=all_f1,
    )


def make_paper_e1(*, n_samples=1500, random_state=None):
    return _make_e123("E1", n_samples, random_state)


def make_paper_e2(*, n_samples=1500, random_state=None):
    return _make_e123("E2", n_samples, random_state)


def make_paper_e3(*, n_samples=1500, random_state=None):
    return _make_e123("E3", n_samples, random_state)


make_paper_e1.__doc__ = _e123_docstring("E1")
make_paper_e2.__doc__ = _e123_docstring("E2")
make_paper_e3.__doc__ = _e123_docstring("E3")


# --------------------------------------------------------------------------
# E4
# --------------------------------------------------------------------------
def make_paper_e4(*, n_samples=1000, random_state=None):
    """Generate the paper's synthetic classification data set E4.

    Two Gaussian groups in 4 dimensions, followed by 46 pure-noise features
    (d = 50). Features are numbered from 1 (``x1`` is column 0)::

        group 0 (paper's group 1): x1..x4 ~ N(+1, 0.5^2) i.i.d.
            logit = exp(x1 * x2 - 0.9)
        group 1 (paper's group 2): x1..x4 ~ N(-1, 0.5^2) i.i.d.
            logit = exp(x3^2 + x4^2 - 2.5)
        x5..x50 ~ N(0, 0.5^2) i.i.d. for every sample
        y = 1[1 / (1 + logit) > 0.5]

    so ``y = 1[x1 * x2 < 0.9]`` in group 0 and ``y = 1[x3^2 + x4^2 < 2.5]``
    in group 1; both groups are close to balanced.

    The groups have ``n_samples // 2`` samples each (group 0 gets one more
    when ``n_samples`` is odd) and the rows are in random order, so groups
    are not contiguous; ``groups`` stays aligned with the rows.

    Ground-truth mask: {x1, x2} for group 0 and {x3, x4} for group 1, as in
    the paper. The group itself is not a deterministic function of x (it is
    a latent mixture component), although it is easy to infer from any of
    x1..x4; those group-revealing features are *not* part of the mask.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples (>= 2), split evenly between the two groups. The
        default is the paper's 500 samples per group.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the random draws. Pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 50), dtype float64
        The inputs.
    y : ndarray of shape (n_samples,), dtype int64
        Binary labels in {0, 1}.
    mask : ndarray of shape (n_samples, 50), dtype bool
        Per-sample ground-truth informative features.
    groups : ndarray of shape (n_samples,), dtype int64
        ``0`` for the group centred at +1, ``1`` for the group at -1.

    See Also
    --------
    make_paper_synthetic : Generate any of E1-E5 by name.

    Examples
    --------
    >>> from sklspin.datasets import make_paper_e4
    >>> X, y, mask, groups = make_paper_e4(n_samples=100, random_state=0)
    >>> X.shape, y.shape, mask.shape, groups.shape
    ((100, 50), (100,), (100, 50), (100,))
    >>> mask.sum(axis=1).tolist() == [2] * 100
    True
    >>> mask[groups == 1][0].nonzero()[0].tolist()
    [2, 3]
    """
    n_samples = _check_int(n_samples, "n_samples", 2)
    rng = check_random_state(random_state)
    groups = _balanced_groups(n_samples, 2, rng)
    centre = np.where(groups == 0, 1.0, -1.0)[:, None]
    X = np.empty((n_samples, 50))
    X[:, :4] = centre + 0.5 * rng.standard_normal((n_samples, 4))
    X[:, 4:] = 0.5 * rng.standard_normal((n_samples, 46))

    in0 = groups == 0
    # 1 / (1 + exp(s)) > 0.5  <=>  exp(s) < 1  <=>  s < 0
    score = np.where(
        in0,
        X[:, 0] * X[:, 1] - 0.9,
        X[:, 2] ** 2 + X[:, 3] ** 2 - 2.5,
    )
    y = (score < 0).astype(np.int64)

    mask = np.zeros((n_samples, 50), dtype=bool)
    mask[np.ix_(in0, [0, 1])] = True
    mask[np.ix_(~in0, [2, 3])] = True
    return X, y, mask, groups


# --------------------------------------------------------------------------
# E5
# --------------------------------------------------------------------------
def make_paper_e5(*, n_samples=1500, random_state=None):
    """Generate the paper's synthetic regression data set E5.

    Features are numbered from 1 (``x1`` is column 0)::

        x1..x20 ~ uniform on {-1, +1} i.i.d.
        x21     ~ uniform on {-1, 0, +1}
        y = x1 * x2 + 2 * x21   if x21 == -1   (group 0)
        y = x2 * x3 + 2 * x21   if x21 ==  0   (group 1)
        y = x3 * x4 + 2 * x21   if x21 == +1   (group 2)

    There is no additive noise, so ``y`` takes values in {-3, -1, 1, 3}.
    The informative sets are {x1, x2, x21}, {x2, x3, x21} and
    {x3, x4, x21} for groups 0, 1 and 2 (``groups = x21 + 1``).

    Parameters
    ----------
    n_samples : int, default=1500
        Number of samples (>= 1). The default is our choice.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the random draws. Pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 21), dtype float64
        The inputs (all entries in {-1, 0, 1}).
    y : ndarray of shape (n_samples,), dtype float64
        Regression targets.
    mask : ndarray of shape (n_samples, 21), dtype bool
        Per-sample ground-truth informative features.
    groups : ndarray of shape (n_samples,), dtype int64
        ``x21 + 1``, in {0, 1, 2}.

    See Also
    --------
    make_paper_synthetic : Generate any of E1-E5 by name.

    Examples
    --------
    >>> from sklspin.datasets import make_paper_e5
    >>> X, y, mask, groups = make_paper_e5(n_samples=300, random_state=0)
    >>> X.shape, y.shape, mask.shape, groups.shape
    ((300, 21), (300,), (300, 21), (300,))
    >>> sorted(set(y.tolist()))
    [-3.0, -1.0, 1.0, 3.0]
    >>> mask[groups == 2][0].nonzero()[0].tolist()
    [2, 3, 20]
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)
    X = np.empty((n_samples, 21))
    X[:, :20] = 2.0 * rng.randint(0, 2, size=(n_samples, 20)) - 1.0
    X[:, 20] = rng.randint(-1, 2, size=n_samples).astype(np.float64)

    groups = (X[:, 20] + 1).astype(np.int64)
    # group g uses the product x_{g+1} * x_{g+2} (0-based columns g, g + 1)
    rows = np.arange(n_samples)
    y = X[rows, groups] * X[rows, groups + 1] + 2.0 * X[:, 20]

    mask = np.zeros((n_samples, 21), dtype=bool)
    mask[rows, groups] = True
    mask[rows, groups + 1] = True
    mask[:, 20] = True
    return X, y, mask, groups


# --------------------------------------------------------------------------
# dispatcher
# --------------------------------------------------------------------------
_PAPER_GENERATORS = {
    "E1": make_paper_e1,
    "E2": make_paper_e2,
    "E3": make_paper_e3,
    "E4": make_paper_e4,
    "E5": make_paper_e5,
}


def make_paper_synthetic(name, *, n_samples=None, random_state=None):
    """Generate one of the paper's synthetic benchmarks E1-E5 by name.

    A thin dispatcher over :func:`make_paper_e1` ... :func:`make_paper_e5`,
    convenient for looping over the benchmarks. E1-E4 are binary
    classification problems, E5 is a regression problem.

    Parameters
    ----------
    name : {"E1", "E2", "E3", "E4", "E5"}
        The data set (case-insensitive).
    n_samples : int or None, default=None
        Number of samples; ``None`` uses the generator's default (1500 for
        E1-E3 and E5, 1000 for E4).
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the random draws.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
        The inputs.
    y : ndarray of shape (n_samples,)
        ``int64`` labels in {0, 1} for E1-E4, ``float64`` targets for E5.
    mask : ndarray of shape (n_samples, n_features), dtype bool
        Per-sample ground-truth informative features.
    groups : ndarray of shape (n_samples,), dtype int64
        Sub-population labels.

    Examples
    --------
    >>> from sklspin.datasets import make_paper_synthetic
    >>> for name in ["E1", "E2", "E3", "E4", "E5"]:
    ...     X, y, mask, groups = make_paper_synthetic(name, random_state=0)
    ...     print(name, X.shape, y.dtype)
    E1 (1500, 11) int64
    E2 (1500, 11) int64
    E3 (1500, 11) int64
    E4 (1000, 50) int64
    E5 (1500, 21) float64
    """
    if not isinstance(name, str) or name.upper() not in _PAPER_GENERATORS:
        raise InvalidParameterError(
            f"name must be one of {sorted(_PAPER_GENERATORS)}, got {name!r}."
        )
    func = _PAPER_GENERATORS[name.upper()]
    if n_samples is None:
        return func(random_state=random_state)
    return func(n_samples=n_samples, random_state=random_state)


# --------------------------------------------------------------------------
# the paper's introductory two-group example
# --------------------------------------------------------------------------
# 0-based column -> weight, for each group
_TWO_GROUP_WEIGHTS = np.array(
    [
        [-2.0, 1.0, -0.5, 0.0, 0.0],  # group 0: y = -2 x1 + x2 - 0.5 x3
        [0.0, 0.0, -0.5, 1.0, -2.0],  # group 1: y = -0.5 x3 + x4 - 2 x5
    ]
)
_TWO_GROUP_CENTRES = np.array([1.0, -1.0])


_EQUAL_TWO_GROUP_WEIGHTS = np.array(
    [[1.0, -1.0, 1.0, 0.0, 0.0], [0.0, 0.0, -1.0, 1.0, 1.0]]
)


def _two_group_x(n_samples, n_noise_features, noise, random_state, table=None):
    n_samples = _check_int(n_samples, "n_samples", 2)
    n_noise_features = _check_int(n_noise_features, "n_noise_features", 0)
    noise = _check_nonneg_float(noise, "noise")
    rng = check_random_state(random_state)
    groups = _balanced_groups(n_samples, 2, rng)
    n_features = 5 + n_noise_features
    X = 0.5 * rng.standard_normal((n_samples, n_features))
    X[:, :5] += _TWO_GROUP_CENTRES[groups][:, None]
    table = _TWO_GROUP_WEIGHTS if table is None else table
    W = table[groups]  # (n_samples, 5) per-sample weights
    mask = np.zeros((n_samples, n_features), dtype=bool)
    mask[:, :5] = W != 0
    eps = noise * rng.standard_normal(n_samples)
    return X, W, mask, groups, eps


def make_two_group_linear(
    *, n_samples=1000, n_noise_features=0, noise=0.0, random_state=None
):
    """Generate the two-group linear regression from the paper's introduction.

    A 5-dimensional Gaussian mixture whose two components follow different
    linear models (features numbered from 1, ``x1`` is column 0)::

        group 0: x1..x5 ~ N(+1, 0.5^2) i.i.d.,  y = -2 x1 + x2 - 0.5 x3 + e
        group 1: x1..x5 ~ N(-1, 0.5^2) i.i.d.,  y = -0.5 x3 + x4 - 2 x5 + e
        e ~ N(0, noise^2)
        x6..x(5 + n_noise_features) ~ N(0, 0.5^2) i.i.d. (pure noise)

    The noise features have the same spread as the informative ones within
    a group, so they cannot be told apart by scale. The groups have
    ``n_samples // 2`` samples each (group 0 gets one more when
    ``n_samples`` is odd), in random row order.

    Ground-truth mask: {x1, x2, x3} for group 0 and {x3, x4, x5} for
    group 1 (the features with a non-zero weight; x3 is shared).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples (>= 2).
    n_noise_features : int, default=0
        Number of N(0, 0.5^2) noise features appended after the 5
        informative ones (>= 0); ``n_features = 5 + n_noise_features``.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to ``y`` (>= 0).
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the random draws. Pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 5 + n_noise_features), dtype float64
        The inputs.
    y : ndarray of shape (n_samples,), dtype float64
        Regression targets.
    mask : ndarray of shape (n_samples, 5 + n_noise_features), dtype bool
        Per-sample ground-truth informative features.
    groups : ndarray of shape (n_samples,), dtype int64
        ``0`` for the group centred at +1, ``1`` for the group at -1.

    See Also
    --------
    make_two_group_classification : The same inputs with binary labels.

    Examples
    --------
    >>> from sklspin.datasets import make_two_group_linear
    >>> X, y, mask, groups = make_two_group_linear(
    ...     n_samples=100, n_noise_features=3, random_state=0
    ... )
    >>> X.shape, y.shape, mask.shape, groups.shape
    ((100, 8), (100,), (100, 8), (100,))
    >>> mask[groups == 0][0].nonzero()[0].tolist()
    [0, 1, 2]
    >>> mask[groups == 1][0].nonzero()[0].tolist()
    [2, 3, 4]
    """
    X, W, mask, groups, eps = _two_group_x(
        n_samples, n_noise_features, noise, random_state
    )
    y = np.sum(W * X[:, :5], axis=1) + eps
    return X, y, mask, groups


def make_two_group_classification(
    *,
    n_samples=1000,
    n_noise_features=0,
    noise=0.0,
    weights="paper",
    random_state=None,
):
    """Generate a heterogeneous two-group binary classification problem.

    The inputs, groups and ground-truth mask are those of
    :func:`make_two_group_linear`; the label is the sign of the group's
    linear score, measured from the group's centre so that both groups are
    balanced and the group alone says nothing about the label::

        group 0: x1..x5 ~ N(+1, 0.5^2),  s = -2 u1 + u2 - 0.5 u3
        group 1: x1..x5 ~ N(-1, 0.5^2),  s = -0.5 u3 + u4 - 2 u5
        u = x - centre  (centre = +1 for group 0, -1 for group 1)
        y = 1[s + e > 0],   e ~ N(0, noise^2)

    (Thresholding the *uncentred* score of the introduction's regression at
    0 would put about 90 % of group 0 in class 0 and 90 % of group 1 in
    class 1, so the group membership alone would predict the label.)

    With ``noise=0`` each group is linearly separable by a hyperplane that
    uses only its own three features, but no single global hyperplane
    separates the classes: a per-sample feature selector must choose
    {x1, x2, x3} for group 0 and {x3, x4, x5} for group 1. ``noise > 0``
    flips labels near the boundary (label noise).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples (>= 2).
    n_noise_features : int, default=0
        Number of N(0, 0.5^2) noise features appended after the 5
        informative ones (>= 0); ``n_features = 5 + n_noise_features``.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to the score before
        thresholding (>= 0).
    weights : {"paper", "equal"}, default="paper"
        ``"paper"`` uses the coefficients above; ``"equal"`` uses
        ``s = u1 - u2 + u3`` (group 0) and ``s = -u3 + u4 + u5`` (group 1),
        so that every informative feature matters as much as the others
        (with ``"paper"``, x3's coefficient is four times smaller than
        the largest, and a sparsity penalty may rightly drop it).
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the random draws. Pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 5 + n_noise_features), dtype float64
        The inputs.
    y : ndarray of shape (n_samples,), dtype int64
        Binary labels in {0, 1}.
    mask : ndarray of shape (n_samples, 5 + n_noise_features), dtype bool
        Per-sample ground-truth informative features.
    groups : ndarray of shape (n_samples,), dtype int64
        ``0`` for the group centred at +1, ``1`` for the group at -1.

    See Also
    --------
    make_two_group_linear : The regression version.

    Examples
    --------
    >>> from sklspin.datasets import make_two_group_classification
    >>> X, y, mask, groups = make_two_group_classification(
    ...     n_samples=200, n_noise_features=15, random_state=0
    ... )
    >>> X.shape, y.shape, mask.shape, groups.shape
    ((200, 20), (200,), (200, 20), (200,))
    >>> y.dtype, sorted(set(y.tolist()))
    (dtype('int64'), [0, 1])
    """
    if weights not in ("paper", "equal"):
        raise InvalidParameterError(
            f'weights must be "paper" or "equal", got {weights!r}.'
        )
    table = _EQUAL_TWO_GROUP_WEIGHTS if weights == "equal" else None
    X, W, mask, groups, eps = _two_group_x(
        n_samples, n_noise_features, noise, random_state, table
    )
    U = X[:, :5] - _TWO_GROUP_CENTRES[groups][:, None]
    score = np.sum(W * U, axis=1) + eps
    y = (score > 0).astype(np.int64)
    return X, y, mask, groups
