"""k-nearest-neighbour Gaussian affinity, built with scipy and stored sparse.

The affinity ``K`` weights the gate-similarity penalty
``sum_ij K_ij ||z(x_i) - z(x_j)||^2``. It is non-zero only for pairs where
one point is among the other's ``n_neighbors`` nearest neighbours, so it
takes O(n * k) memory; a dense n x n matrix is never formed.
"""

import numbers
import warnings

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

BANDWIDTH_RULES = ("median", "self-tuning")


def _positive_fallback(values):
    """Median of the positive entries of ``values``, or 1.0 if there are none."""
    positive = values[values > 0]
    return float(np.median(positive)) if positive.size else 1.0


def nearest_neighbors(X, n_neighbors, workers=-1):
    """Indices and Euclidean distances of each point's nearest neighbours.

    The point itself is excluded, also when exact duplicates make the tree
    return another point at distance zero first.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_neighbors : int
        Number of neighbours, at most ``n_samples - 1``.
    workers : int, default=-1
        Threads used by :meth:`scipy.spatial.cKDTree.query`; the result does
        not depend on it.

    Returns
    -------
    indices : ndarray of shape (n_samples, n_neighbors), dtype intp
    distances : ndarray of shape (n_samples, n_neighbors)
        Sorted in increasing order along each row.
    """
    n_samples = X.shape[0]
    if not 1 <= n_neighbors <= n_samples - 1:
        raise ValueError(
            f"n_neighbors must be between 1 and n_samples - 1 = {n_samples - 1}, "
            f"got {n_neighbors}."
        )
    tree = cKDTree(X)
    distances, indices = tree.query(X, k=n_neighbors + 1, workers=workers)
    if not np.all(np.isfinite(distances)):
        raise ValueError(
            "Distances between samples overflow float64 (|X| is too large "
            "for a nearest-neighbour search). Standardise the inputs, e.g. "
            "with sklearn.preprocessing.StandardScaler."
        )
    is_self = indices == np.arange(n_samples)[:, None]
    # With duplicated rows the point itself may not be returned: drop the
    # farthest candidate instead so that every row keeps n_neighbors entries.
    is_self[~is_self.any(axis=1), -1] = True
    keep = ~is_self
    indices = indices[keep].reshape(n_samples, n_neighbors)
    distances = distances[keep].reshape(n_samples, n_neighbors)
    return indices, distances


def knn_gaussian_affinity(X, n_neighbors=10, bandwidth="median"):
    """Symmetric sparse k-nearest-neighbour Gaussian affinity matrix.

    ``K_ij = exp(-||x_i - x_j||^2 / (2 h_i h_j))`` when ``x_j`` is among the
    ``n_neighbors`` nearest neighbours of ``x_i`` or the reverse, and 0
    otherwise (including the diagonal).

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
        the positive ones, or 1.0 if every distance is zero.

    Returns
    -------
    affinity : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Symmetric, zero diagonal, between ``n_samples * n_neighbors`` and
        ``2 * n_samples * n_neighbors`` stored entries, values in ``(0, 1]``.
    """
    X = np.asarray(X, dtype=np.float64)
    n_samples = X.shape[0]
    indices, distances = nearest_neighbors(X, n_neighbors)

    if isinstance(bandwidth, str):
        if bandwidth == "median":
            scale = np.full(n_samples, np.median(distances))
        elif bandwidth == "self-tuning":
            scale = distances[:, -1].copy()
        else:
            raise ValueError(
                f"bandwidth must be one of {BANDWIDTH_RULES} or a positive "
                f"float, got {bandwidth!r}."
            )
        zero = scale <= 0
        if zero.any():
            scale[zero] = _positive_fallback(distances.ravel())
    elif isinstance(bandwidth, numbers.Real) and bandwidth > 0:
        scale = np.full(n_samples, float(bandwidth))
    else:
        raise ValueError(
            f"bandwidth must be one of {BANDWIDTH_RULES} or a positive float, "
            f"got {bandwidth!r}."
        )

    rows = np.repeat(np.arange(n_samples), n_neighbors)
    cols = indices.ravel()
    with np.errstate(under="ignore", over="ignore"):
        # (d / h_i) * (d / h_j) rather than d^2 / (h_i h_j): no overflow
        # unless h is tiny next to d, where the ratio may become inf and
        # the weight exp(-inf) = 0, floored below.
        ratio = distances.ravel() / scale[rows] * (distances.ravel() / scale[cols])
        weights = np.exp(-0.5 * ratio)
    # Underflow to 0 would silently drop an edge from the sparse structure.
    weights = np.maximum(weights, np.finfo(np.float64).tiny)
    directed = sparse.csr_matrix((weights, (rows, cols)), shape=(n_samples, n_samples))
    affinity = directed.maximum(directed.T).tocsr()
    affinity.sort_indices()
    return affinity


def effective_n_neighbors(n_neighbors, n_samples):
    """Clip ``n_neighbors`` to ``n_samples - 1``, warning when it is reduced."""
    if n_neighbors > n_samples - 1:
        warnings.warn(
            f"n_neighbors={n_neighbors} is not smaller than the number of "
            f"training samples ({n_samples}); using n_neighbors="
            f"{n_samples - 1} for the gate-similarity affinity.",
            UserWarning,
            stacklevel=3,
        )
        return n_samples - 1
    return n_neighbors


class NeighbourSampler:
    """Draws affinity-weighted neighbours for the mini-batch similarity penalty.

    For each anchor ``i`` it draws ``j`` with probability ``K_ij / d_i``
    where ``d_i = sum_j K_ij``; then ``d_i * ||z_i - z_j||^2`` is an
    unbiased estimate of the anchor's full penalty term
    ``sum_j K_ij ||z_i - z_j||^2`` at the cost of one extra gating-network
    row per anchor, whatever ``n_neighbors`` is. Draws for a whole epoch
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
        self.row_start = row_start
        self.row_last = np.maximum(row_end - 1, row_start)
        self.offset = np.where(row_start > 0, self.cumulative[row_start - 1], 0.0)
        end = np.where(row_end > 0, self.cumulative[np.maximum(row_end - 1, 0)], 0.0)
        self.degree = np.where(row_end > row_start, end - self.offset, 0.0)

    def sample(self, anchors, rng):
        """One neighbour per anchor; anchors without neighbours get themselves.

        Returns
        -------
        neighbours : ndarray of shape (len(anchors),), dtype intp
        degree : ndarray of shape (len(anchors),)
            ``d_i``, the weight of the anchor's sampled term.
        """
        anchors = np.asarray(anchors)
        u = rng.uniform(size=anchors.shape[0])
        target = self.offset[anchors] + u * self.degree[anchors]
        position = np.searchsorted(self.cumulative, target, side="right")
        position = np.clip(position, self.row_start[anchors], self.row_last[anchors])
        neighbours = self.indices[position] if self.indices.size else anchors.copy()
        isolated = self.degree[anchors] <= 0
        neighbours = np.where(isolated, anchors, neighbours)
        return neighbours.astype(np.intp), self.degree[anchors]
