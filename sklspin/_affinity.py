"""k-nearest-neighbour Gaussian affinity, stored sparse, and its sampler.

The affinity ``K`` weights the gate-similarity penalty
``sum_ij K_ij ||z(x_i) - z(x_j)||^2``. It is non-zero only for pairs where
one point is among the other's ``n_neighbors`` nearest neighbours, so it
takes O(n * k) memory; a dense n x n matrix is never formed. The neighbours
come from :mod:`sklspin._neighbors`; :class:`NeighbourSampler` draws one
affinity-weighted neighbour per mini-batch row for the penalty.
"""

import numbers

import numpy as np
from scipy import sparse

from ._neighbors import neighbor_pairs
from ._warnings import warn_user

BANDWIDTH_RULES = ("median", "self-tuning")


def _positive_fallback(values):
    """Median of the positive entries of ``values``, or 1.0 if there are none."""
    positive = values[values > 0]
    return float(np.median(positive)) if positive.size else 1.0


def knn_gaussian_affinity(
    X,
    n_neighbors=10,
    bandwidth="median",
    algorithm="auto",
    random_state=0,
    groups=None,
):
    """Symmetric sparse k-nearest-neighbour Gaussian affinity matrix.

    ``K_ij = exp(-||x_i - x_j||^2 / (2 h_i h_j))`` when ``x_j`` is among the
    ``n_neighbors`` nearest neighbours of ``x_i`` or the reverse, and 0
    otherwise (including the diagonal). With ``groups``, neighbours are
    searched only among the samples of the same group, so that no pair of
    samples from different groups is linked.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_neighbors : int, default=10
        Neighbours per point, at most ``n_samples - 1``.
    bandwidth : {"median", "self-tuning"} or float, default="median"
        The scale ``h``:

        - ``"median"``: one global ``h``, the median distance between points
          and their ``n_neighbors`` nearest neighbours;
        - ``"self-tuning"``: a local ``h_i`` per point, its distance to its
          ``n_neighbors``-th neighbour (Zelnik-Manor & Perona, 2004), which
          adapts to regions of different density;
        - a positive float: a fixed global ``h``.

        Zero scales (from duplicated points) are replaced by the median of
        the positive neighbour distances, or 1.0 if every distance is zero. Weights that
        underflow are floored at the smallest positive float, so that no
        edge is lost; when more than half do (a fixed ``h`` far below the
        neighbour distances) a warning says so, as such neighbours then
        count for nothing next to the others (or, if every weight
        underflows, all weigh the same).
    algorithm : {"auto", "exact", "approximate"}, default="auto"
        How the neighbours are found:

        - ``"exact"``: the exact neighbours (searches in
          :mod:`sklspin._neighbors`). Up to ``KD_TREE_MAX_FEATURES = 15``
          features from ``nearest_neighbors``, a kd-tree
          (:class:`scipy.spatial.cKDTree`), fast in few dimensions; above,
          from ``brute_force_nearest_neighbors``, blocked float64 matrix
          products, as on data that fill many dimensions each kd-tree query
          visits a large fraction of the points. Both take time about
          quadratic in ``n_samples`` on such data;
        - ``"approximate"``: ``approximate_nearest_neighbors``, a forest of
          random-projection trees, time linear in ``n_samples``; most of
          the true neighbours, and the others almost as close;
        - ``"auto"``: ``"exact"`` when ``n_samples <= 5000`` or
          ``n_features <= 5``, else ``"approximate"``.

        Measured on one core (2-core machine, shared). i.i.d. Gaussian data,
        the worst case for the kd-tree: at ``n_samples = 5000`` it takes 0.35 s
        for 20 features, 1.6 s for 100, 2.9 s for 200 and 9.9 s for 1000, the
        brute force 0.13 s, 0.2 s, 0.3 s and 1.0 s, the forest 0.17 s and 0.22
        s at 20 and 100 features; at ``10^4`` the kd-tree takes 1.9 s and 7.8 s
        for 20 and 100 features (the brute force 0.5 s and 0.8 s, the forest
        0.35 s and 0.47 s); with 5 features it takes 1.1 s at ``10^5`` (the
        forest 4.1 s), with 8 already 7.8 s (the forest 4.2 s). The kd-tree is
        faster than the brute force up to 8 features on Gaussian data (at 5000
        samples 0.08 s against 0.11 s for 8, 0.15 s against 0.12 s for 10, 0.30
        s against 0.13 s for 15), and up to about 50 on data in 20 Gaussian
        clusters (0.04 s against 0.13 s for 20, 0.15 s against 0.16 s for 50,
        0.9 s against 0.2 s for 100); below 5000 samples both take at most 0.07
        s up to 50 features. The switch at 15 features bounds the loss of
        either choice to about 0.2 s at 5000 samples.
    random_state : int, default=0
        Seed of the approximate search's random directions; the affinity
        depends on it only when the approximate search is used.
    groups : array-like of shape (n_samples,), default=None
        Known group of each sample (any labels ``numpy.unique`` can sort).
        Each group is searched on its own (``algorithm="auto"`` decides per
        group), with ``min(n_neighbors, group size - 1)`` neighbours per
        sample; samples alone in their group get no neighbour. Groups of
        at most ``SMALL_GROUP_MAX_SAMPLES = 128`` samples that share their
        size with another group are searched exactly whatever
        ``algorithm`` (an approximate search of so few rows is exact too),
        in vectorised batches of equal-size groups: 50,000 groups of 2
        rows of ``100,000 x 20`` took 0.03 s instead of 44 s as one search
        per group, 10,000 groups of 10 rows 0.11 s instead of 7.7 s. The
        ``"median"`` bandwidth is the median over all groups' neighbour
        distances. ``None`` (or a single group) gives the plain k-NN
        affinity.

    Returns
    -------
    affinity : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Symmetric, zero diagonal, between ``n_samples * n_neighbors`` and
        ``2 * n_samples * n_neighbors`` stored entries (fewer with small
        groups), values in ``(0, 1]``.
    """
    rows, cols, row_distances, farthest = neighbor_pairs(
        X, n_neighbors, algorithm, random_state, groups
    )
    n_samples = farthest.shape[0]

    if isinstance(bandwidth, str):
        if bandwidth == "median":
            median = np.median(row_distances) if row_distances.size else 1.0
            scale = np.full(n_samples, median)
        elif bandwidth == "self-tuning":
            scale = farthest.copy()
        else:
            raise ValueError(
                f"bandwidth must be one of {BANDWIDTH_RULES} or a positive "
                f"float, got {bandwidth!r}."
            )
        zero = scale <= 0
        if zero.any():
            scale[zero] = _positive_fallback(row_distances)
    elif isinstance(bandwidth, numbers.Real) and bandwidth > 0:
        scale = np.full(n_samples, float(bandwidth))
    else:
        raise ValueError(
            f"bandwidth must be one of {BANDWIDTH_RULES} or a positive float, "
            f"got {bandwidth!r}."
        )

    with np.errstate(under="ignore", over="ignore"):
        # (d / h_i) * (d / h_j) rather than d^2 / (h_i h_j): no overflow
        # unless h is tiny next to d, where the ratio may become inf and
        # the weight exp(-inf) = 0, floored below.
        ratio = row_distances / scale[rows] * (row_distances / scale[cols])
        weights = np.exp(-0.5 * ratio)
    # Underflow to 0 would silently drop an edge from the sparse structure.
    tiny = np.finfo(np.float64).tiny
    n_underflowed = int(np.count_nonzero(weights < tiny))
    if n_underflowed > weights.size // 2:
        # Next to any weight that did not underflow, the floored ones count
        # for nothing; if all are floored, they are equal, as if the
        # bandwidth were infinite.
        warn_user(
            f"The affinity bandwidth ({np.median(scale):.3g}) is tiny next to "
            "the distances between neighbours (median "
            f"{np.median(row_distances):.3g}): {n_underflowed} of "
            f"{weights.size} Gaussian weights underflow to the smallest "
            "float, so the similarity penalty ignores those neighbours (or, "
            "if every weight underflows, weighs them all alike instead of by "
            'distance). Use a larger affinity_bandwidth, or "median".',
            UserWarning,
        )
    weights = np.maximum(weights, tiny)
    directed = sparse.csr_matrix((weights, (rows, cols)), shape=(n_samples, n_samples))
    affinity = directed.maximum(directed.T).tocsr()
    affinity.sort_indices()
    return affinity


def effective_n_neighbors(n_neighbors, n_samples, warn=True):
    """Clip ``n_neighbors`` to ``n_samples - 1``, warning (if ``warn``)
    when it is reduced."""
    if n_neighbors > n_samples - 1:
        if not warn:
            return n_samples - 1
        warn_user(
            f"n_neighbors={n_neighbors} is not smaller than the number of "
            f"training samples ({n_samples}); using n_neighbors="
            f"{n_samples - 1} for the gate-similarity affinity.",
            UserWarning,
        )
        return n_samples - 1
    return n_neighbors


class NeighbourSampler:
    """Draws affinity-weighted neighbours for the mini-batch similarity penalty.

    For each anchor ``i`` it draws ``j`` with probability ``K_ij / d_i``
    where ``d_i = sum_j K_ij``; then ``d_i * ||z_i - z_j||^2`` is an
    unbiased estimate of the anchor's full penalty term
    ``sum_j K_ij ||z_i - z_j||^2`` at the cost of one extra gating-network
    row per anchor, whatever ``n_neighbors`` is. Draws for a whole mini-batch
    are made in one vectorised call.

    Parameters
    ----------
    affinity : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
    """

    def __init__(self, affinity):
        affinity = sparse.csr_matrix(affinity)
        self.indptr = affinity.indptr
        self.indices = affinity.indices
        self.cumulative = np.cumsum(affinity.data)
        row_start, row_end = self.indptr[:-1], self.indptr[1:]
        # The cumulative sum before each stored entry (a leading zero), so
        # that an affinity without any entry needs no special case.
        before = np.concatenate([[0.0], self.cumulative])
        self.offset = before[row_start]
        self.degree = np.where(row_end > row_start, before[row_end] - self.offset, 0.0)
        # Rows without neighbours (after the last stored entry, their start
        # is one past the end) get any valid position: sample() replaces
        # their draw by the anchor itself.
        last_entry = max(self.indices.size - 1, 0)
        self.row_start = np.minimum(row_start, last_entry)
        self.row_last = np.minimum(np.maximum(row_end - 1, row_start), last_entry)

    def sample(self, anchors, rng):
        """One neighbour per anchor; anchors without neighbours get themselves.

        The weight of an anchor's sampled term, its degree ``d_i``, does not
        depend on the draw: it is ``self.degree[anchor]``.

        Returns
        -------
        neighbours : ndarray of shape (len(anchors),), dtype intp
        """
        anchors = np.asarray(anchors)
        degree = self.degree[anchors]
        u = rng.uniform(size=anchors.shape[0])
        target = self.offset[anchors] + u * degree
        position = np.searchsorted(self.cumulative, target, side="right")
        position = np.clip(position, self.row_start[anchors], self.row_last[anchors])
        neighbours = self.indices[position] if self.indices.size else anchors.copy()
        neighbours = np.where(degree <= 0, anchors, neighbours)
        return neighbours.astype(np.intp)
