"""Nearest-neighbour search for the kNN affinity: exact and approximate.

:func:`neighbor_pairs` finds each sample's nearest neighbours (within
its group, if groups are given) by an exact search on small or
low-dimensional data (scipy's kd-tree ``cKDTree`` on the distinct rows
in up to 15 dimensions, blocked brute-force matrix products above), and
otherwise by an approximate search whose time is linear in n: a forest
of random-projection trees with a brute-force search within each leaf.
The rule and the measurements behind it are in
:func:`sklspin._affinity.knn_gaussian_affinity`, whose ``algorithm``
parameter chooses the search. A float32 ``X`` is searched without a
float64 copy of the whole array (except by the kd-tree): rows are cast
in blocks, and distances are computed in float64.
"""

import numpy as np
from scipy.spatial import cKDTree

from ._threads import one_blas_thread
from ._warnings import warn_user

ALGORITHMS = ("auto", "exact", "approximate")

# algorithm="auto" searches exactly up to this many samples, or at any size
# when there are at most this many features; see
# sklspin._affinity.knn_gaussian_affinity for the measurements behind the
# rule.
EXACT_MAX_SAMPLES = 5_000
EXACT_MAX_FEATURES = 5
# The exact search uses the kd-tree up to this many features and the blocked
# brute force above (measurements in knn_gaussian_affinity); the kd-tree
# query runs in one thread below KD_TREE_THREADS_MIN_SAMPLES samples.
KD_TREE_MAX_FEATURES = 15
KD_TREE_THREADS_MIN_SAMPLES = 2_000
# Groups of at most this many samples are searched together, by brute force
# over batches of equal-size groups (see _search_within_groups).
SMALL_GROUP_MAX_SAMPLES = 128

# The approximate search (see approximate_nearest_neighbors): trees, target
# leaf size, random directions per tree (at least depth + 4), a node splits
# on one of its _N_WIDEST widest directions, whose spread is estimated from
# _SPREAD_SAMPLE of its rows.
_N_TREES = 12
_LEAF_SIZE = 512
_N_DIRECTIONS = 16
_N_WIDEST = 3
_SPREAD_SAMPLE = 64
# Temporary blocks (leaf products, gathered rows) take about this many
# bytes: small enough to stay in cache between the passes over them.
_BLOCK_BYTES = 2**21
# The brute-force search ranks the candidates of a block of rows against all
# rows at once, in about this many bytes: large blocks share the cost of
# casting and centring each column block.
_BRUTE_BLOCK_BYTES = 2**24
# Candidates beyond n_neighbors (by float64 products) whose exact distances
# are computed, so that rounding in the products does not decide near-ties.
_EXTRA_CANDIDATES = 4


def _check_n_neighbors(n_neighbors, n_samples):
    if not 1 <= n_neighbors <= n_samples - 1:
        raise ValueError(
            f"n_neighbors must be between 1 and n_samples - 1 = {n_samples - 1}, "
            f"got {n_neighbors}."
        )


def _check_finite(distances):
    if not np.all(np.isfinite(distances)):
        raise ValueError(
            "Distances between samples overflow float64 (|X| is too large "
            "for a nearest-neighbour search). Standardise the inputs, e.g. "
            "with sklearn.preprocessing.StandardScaler."
        )


def nearest_neighbors(X, n_neighbors, workers=None):
    """Indices and Euclidean distances of each point's nearest neighbours.

    An exact kd-tree search (:class:`scipy.spatial.cKDTree`, on a float64
    copy of ``X`` if it has another dtype). The point itself is excluded,
    also when exact duplicates make the tree return another point at
    distance zero first.

    A kd-tree cannot split equal points, so a query scans every copy of
    its point: 100,000 rows of 5 binary features took 15 s, worse than
    quadratic in n. When ``X`` has duplicated rows, the tree therefore
    holds its distinct rows only (0.02 s there), and each row's neighbours
    are the other copies of the row (at distance zero), then the copies
    of the nearest distinct rows by distance. Ties are broken
    deterministically: the copies of a row by increasing index, distinct
    rows at equal distances in the order the tree returns them. Finding
    the duplicates costs a sort of one weighted sum per row (2 ms at
    ``10^5 x 5``, 17 ms at ``10^6 x 5``); data without any are searched
    as before.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_neighbors : int
        Number of neighbours, at most ``n_samples - 1``.
    workers : int, default=None
        Threads used by :meth:`scipy.spatial.cKDTree.query`; the result does
        not depend on it. ``None``: one thread below
        ``KD_TREE_THREADS_MIN_SAMPLES`` queried (distinct) rows, where
        starting threads costs more than it saves, else all.

    Returns
    -------
    indices : ndarray of shape (n_samples, n_neighbors), dtype intp
    distances : ndarray of shape (n_samples, n_neighbors)
        Sorted in increasing order along each row.
    """
    X = np.asarray(X, dtype=np.float64)
    _check_n_neighbors(n_neighbors, X.shape[0])
    groups = _equal_row_groups(X)
    if groups is not None:
        return _neighbors_of_distinct_rows(X, *groups, n_neighbors, workers)
    distances, indices = _kd_tree_query(X, n_neighbors + 1, workers)
    _check_finite(distances)
    return _drop_self(indices, distances)


def _kd_tree_query(X, k, workers):
    """Distances and indices of the ``k`` nearest rows of ``X`` (itself included)."""
    if workers is None:
        workers = 1 if X.shape[0] < KD_TREE_THREADS_MIN_SAMPLES else -1
    tree = cKDTree(X)
    distances, indices = tree.query(X, k=k, workers=workers)
    # The query drops the last axis when k == 1.
    return distances.reshape(-1, k), indices.reshape(-1, k)


def _drop_self(indices, distances):
    """Each row's candidates without the row itself, one fewer per row."""
    n_samples, n_candidates = indices.shape
    is_self = indices == np.arange(n_samples)[:, None]
    # With duplicated rows the point itself may not be returned: drop the
    # farthest candidate instead so that every row keeps n_neighbors entries.
    is_self[~is_self.any(axis=1), -1] = True
    keep = ~is_self
    indices = indices[keep].reshape(n_samples, n_candidates - 1)
    distances = distances[keep].reshape(n_samples, n_candidates - 1)
    return indices, distances


def _row_keys(X):
    """A weighted sum of each row of ``X``: equal rows get equal keys.

    Computed one column at a time, so that each key is rounded the same
    way wherever its row is (a BLAS product may not).
    """
    weights = np.random.default_rng(0).uniform(0.5, 1.0, X.shape[1])
    keys = np.zeros(X.shape[0])
    for column, weight in enumerate(weights):
        keys += X[:, column] * weight
    return keys


def _equal_row_groups(X):
    """The groups of equal rows of ``X``, or ``None`` if its rows are distinct.

    Returns
    -------
    order : ndarray of shape (n_samples,), dtype intp
        The rows, equal rows together, each group in increasing index.
    bounds : ndarray of shape (n_distinct + 1,), dtype intp
        Group ``u`` is ``order[bounds[u]:bounds[u + 1]]``.
    """
    keys = _row_keys(X)
    sorted_keys = np.sort(keys)
    if not np.any(sorted_keys[1:] == sorted_keys[:-1]):
        return None
    order = np.argsort(keys, kind="stable")
    rows = X[order]
    new = np.any(rows[1:] != rows[:-1], axis=1)
    if np.any(new & (keys[order][1:] == keys[order][:-1])):
        # Distinct rows of equal keys may sit between equal rows: sort by
        # the values too.
        order = np.lexsort((*X.T[::-1], keys))
        rows = X[order]
        new = np.any(rows[1:] != rows[:-1], axis=1)
    if new.all():
        return None
    bounds = np.flatnonzero(np.r_[True, new, True])
    return order, bounds


def _neighbors_of_distinct_rows(X, order, bounds, n_neighbors, workers):
    """Nearest neighbours of rows with duplicates, from those of the distinct rows.

    The kd-tree holds one row of each group of equal rows; each distinct
    row ``u`` gets a list of ``n_neighbors + 1`` samples: the copies of
    ``u``, then those of its nearest distinct rows, in order of distance
    (each group in increasing index). A sample's neighbours are its row's
    list without the sample itself (or without the last entry, if the list
    holds ``n_neighbors + 1`` other copies of the row).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    order, bounds : ndarray of dtype intp
        The groups of equal rows, from :func:`_equal_row_groups`.
    n_neighbors : int
    workers : int or None

    Returns
    -------
    indices : ndarray of shape (n_samples, n_neighbors), dtype intp
    distances : ndarray of shape (n_samples, n_neighbors)
    """
    counts = np.diff(bounds)
    n_distinct = counts.shape[0]
    width = n_neighbors + 1
    # n_neighbors + 1 distinct rows (or all) hold at least as many samples.
    distances, nearest = _kd_tree_query(
        X[order[bounds[:-1]]], min(n_distinct, width), workers
    )
    nearest, distances = _drop_self(nearest, distances)
    nearest = np.c_[np.arange(n_distinct), nearest]
    distances = np.c_[np.zeros(n_distinct), distances]
    # Copies taken from each neighbouring group, row by row: width in all.
    # The tree marks the rows it could not rank (their distance overflows)
    # with index n_distinct: they give no copies, and if the list is short
    # for want of them, the overflow is reported.
    sizes = np.r_[counts, 0][nearest]
    taken = np.clip(width - (np.cumsum(sizes, axis=1) - sizes), 0, sizes).ravel()
    if taken.sum() < n_distinct * width:
        _check_finite(distances)
    first = np.repeat(np.cumsum(taken) - taken, taken)
    positions = np.repeat(bounds[nearest.ravel()], taken)
    positions += np.arange(n_distinct * width) - first
    lists = order[positions].reshape(n_distinct, width)
    list_distances = np.repeat(distances.ravel(), taken).reshape(n_distinct, width)
    group = np.empty(X.shape[0], dtype=np.intp)
    group[order] = np.repeat(np.arange(n_distinct), counts)
    indices, distances = _drop_self(lists[group], list_distances[group])
    _check_finite(distances)
    return indices, distances


def _as_float(X):
    """``X`` as a float32 or float64 array, converted only from other dtypes."""
    X = np.asarray(X)
    if X.dtype in (np.float32, np.float64):
        return X
    return X.astype(np.float64)


def _nearest_candidates(X, rows, candidates, n_neighbors):
    """The ``n_neighbors`` candidates of each row nearest by exact distance.

    Distances are computed in float64 from ``X`` (whatever its dtype),
    in blocks of rows; ties are broken by index.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    rows : ndarray of shape (n_rows,), dtype intp
    candidates : ndarray of shape (n_rows, n_candidates), dtype intp
        Distinct per row, never the row itself; ``n_candidates >=
        n_neighbors``.
    n_neighbors : int

    Returns
    -------
    indices : ndarray of shape (n_rows, n_neighbors), dtype intp
    distances : ndarray of shape (n_rows, n_neighbors)
        Sorted in increasing order along each row (ties by index).
    """
    n_rows, n_candidates = candidates.shape
    indices = np.empty((n_rows, n_neighbors), dtype=np.intp)
    distances = np.empty((n_rows, n_neighbors))
    for block in _row_blocks(n_rows, n_candidates * X.shape[1]):
        block_candidates = candidates[block]
        with np.errstate(over="ignore", invalid="ignore"):
            exact = np.sqrt(_squared_distances(X, rows[block], block_candidates))
        order = np.lexsort((block_candidates, exact), axis=1)[:, :n_neighbors]
        indices[block] = np.take_along_axis(block_candidates, order, axis=1)
        distances[block] = np.take_along_axis(exact, order, axis=1)
    _check_finite(distances)
    return indices, distances


def _n_candidates(n_neighbors, n_others):
    """Candidates taken from the product keys, whose exact distances rank them."""
    return min(n_others, n_neighbors + _EXTRA_CANDIDATES)


def brute_force_nearest_neighbors(X, n_neighbors):
    """Exact nearest neighbours by blocked brute force, in bounded memory.

    For a block of rows at a time, the squared distances to every row are
    ranked from float64 matrix products of the rows centred on their mean
    (accurate also far from the origin), one block of columns at a time;
    the ``n_neighbors + 4`` best of each row get their exact distance
    (float64 differences) and the ``n_neighbors`` nearest are kept. Exact
    up to the rounding of the products, about ``1e-16`` times the squared
    distance of the rows from the data's mean: among more than 4 rows
    whose squared distances to a row differ by less (near-duplicates far
    from the mean), the ones kept may not be the nearest. The
    time is quadratic in ``n_samples`` (about linear in ``n_features``),
    unlike a kd-tree's whatever the dimension; the memory besides the
    result is a few blocks of about 16 MB (more when a single row has more
    than 2 million samples or features). A float32 ``X`` is cast to
    float64 one such block at a time. The products run in one BLAS thread, so
    that the result does not depend on the thread settings.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite values.
    n_neighbors : int
        Number of neighbours, at most ``n_samples - 1``.

    Returns
    -------
    indices : ndarray of shape (n_samples, n_neighbors), dtype intp
        Never the row itself (duplicated rows are each other's neighbours,
        at distance zero).
    distances : ndarray of shape (n_samples, n_neighbors)
        Euclidean distances, sorted in increasing order along each row
        (ties by index).
    """
    X = _as_float(X)
    n_samples, n_features = X.shape
    _check_n_neighbors(n_neighbors, n_samples)
    n_candidates = _n_candidates(n_neighbors, n_samples - 1)
    search = _search_copy(X)
    center = search.mean(axis=0, dtype=np.float64)
    columns = _row_blocks(n_samples, n_features)
    half_norms = np.empty(n_samples)
    for block in columns:
        others = search[block] - center
        half_norms[block] = 0.5 * np.einsum("ij,ij->i", others, others)
    # Each block holds keys (rows x n_samples) and centred rows (rows x d).
    step = max(1, _BRUTE_BLOCK_BYTES // (8 * max(n_samples, n_features)))
    indices = np.empty((n_samples, n_neighbors), dtype=np.intp)
    distances = np.empty((n_samples, n_neighbors))
    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n_samples, step):
            rows = np.arange(start, min(start + step, n_samples))
            # A slice: no copy of the rows before the float64 difference.
            points = search[start : start + step] - center
            # ||x_c||^2 / 2 - x_r.x_c ranks row r's neighbours c.
            keys = np.empty((rows.shape[0], n_samples))
            for block in columns:
                keys[:, block] = points @ (search[block] - center).T
            del points
            np.subtract(half_norms, keys, out=keys)
            keys[np.arange(rows.shape[0]), rows] = np.inf
            # No NaN or overflow here: _search_copy bounds the magnitudes.
            candidates = _smallest(keys, n_candidates) % n_samples
            del keys
            indices[rows], distances[rows] = _nearest_candidates(
                X, rows, candidates, n_neighbors
            )
    return indices, distances


# ---------------------------------------------------------------------------
# Approximate search: a forest of random-projection trees
# ---------------------------------------------------------------------------
def _search_copy(X):
    """``X``, times a power of two if its magnitude is far from one.

    Scaling by a power of two changes no ranking of distances; it keeps the
    float32 projections and squared norms of the search away from overflow
    and underflow. ``X`` itself is returned (no copy) in the usual case.
    """
    # max(max, -min) rather than max(abs): no temporary copy of X.
    largest = max(float(X.max()), -float(X.min())) if X.size else 0.0
    if not np.isfinite(largest):
        raise ValueError("X contains NaN or infinity.")
    if largest == 0.0:
        return X
    exponent = np.frexp(largest)[1]
    if abs(exponent) <= 50:
        return X
    return np.ldexp(X, -exponent)


def _tree_leaves(X, center, depth, rng):
    """Leaves of one random-projection tree, as groups of equal-size leaves.

    The rows are projected on ``_N_DIRECTIONS`` (at least ``depth + 4``, at
    most ``n_features``) random orthonormal directions; every node is split
    at the median of one of its ``_N_WIDEST`` projections of widest spread
    (drawn at random, so that the trees differ), for ``depth`` levels. All
    nodes of a level are split at once: they hold ``m`` or ``m + 1`` rows,
    stored as the rows of a matrix padded with -1.

    Returns
    -------
    groups : list of ndarray of shape (n_leaves, leaf_size), dtype intp
        One array per leaf size; each row lists the rows of one leaf.
    """
    n_samples, n_features = X.shape
    n_directions = min(n_features, max(_N_DIRECTIONS, depth + 4))
    basis = np.linalg.qr(rng.standard_normal((n_features, n_directions)))[0]
    shift = center @ basis
    # One row per direction: a node's values are gathered from one array.
    projections = np.empty((n_directions, n_samples), dtype=np.float32)
    step = max(1, _BLOCK_BYTES // (8 * n_features))
    for start in range(0, n_samples, step):
        stop = start + step
        projections[:, start:stop] = (X[start:stop] @ basis - shift).T
    nodes = np.arange(n_samples)[None, :]
    sizes = np.array([n_samples])
    for _ in range(depth):
        n_nodes, width = nodes.shape
        smallest = int(sizes.min())
        n_sample = min(smallest, _SPREAD_SAMPLE)
        sample = nodes[:, (np.arange(n_sample) * smallest) // n_sample]
        spread = projections[:, sample].var(axis=2).T
        widest = np.argsort(spread, axis=1, kind="stable")[:, -_N_WIDEST:]
        choice = rng.integers(widest.shape[1], size=n_nodes)
        direction = widest[np.arange(n_nodes), choice]
        padding = nodes < 0
        values = np.take(projections, direction[:, None] * n_samples + nodes)
        values[padding] = np.inf
        halves = sizes // 2
        # Also partition at the last place, where the padding (inf) goes.
        order = np.argpartition(values, np.unique([*halves, width - 1]), axis=1)
        nodes = np.take_along_axis(nodes, order, axis=1)
        child_width = -(-width // 2)
        position = np.arange(child_width)
        left = np.where(position < halves[:, None], nodes[:, :child_width], -1)
        source = np.minimum(halves[:, None] + position, width - 1)
        right = np.where(
            position < (sizes - halves)[:, None],
            np.take_along_axis(nodes, source, axis=1),
            -1,
        )
        nodes = np.stack([left, right], axis=1).reshape(2 * n_nodes, child_width)
        sizes = np.stack([halves, sizes - halves], axis=1).ravel()
    return [nodes[sizes == size, :size] for size in np.unique(sizes)]


def _smallest(keys, k):
    """Flat positions of the ``k`` smallest entries along the last axis.

    ``keys`` must be C-contiguous; the result, of shape
    ``keys.shape[:-1] + (k,)``, indexes ``keys.ravel()``, each row's
    positions in any order. Fast path: the ``k``-th smallest value of each
    row by a partition of the values, then the entries not above it; rows
    where ties put more than ``k`` entries there fall back to
    ``argpartition``.
    """
    threshold = np.partition(keys, k - 1, axis=-1)[..., k - 1 : k]
    below = keys <= threshold
    found = np.flatnonzero(below)
    shape = keys.shape[:-1] + (k,)
    # Every row has at least k entries not above its k-th smallest value.
    if found.size == np.prod(shape):
        return found.reshape(shape)
    width = keys.shape[-1]
    row_start = np.arange(0, keys.size, width).reshape(keys.shape[:-1] + (1,))
    exact = np.count_nonzero(below, axis=-1) == k
    below[~exact] = False
    positions = np.empty(shape, dtype=np.intp)
    positions[exact] = np.flatnonzero(below).reshape(-1, k)
    positions[~exact] = (
        row_start[~exact] + np.argpartition(keys[~exact], k - 1, axis=-1)[..., :k]
    )
    return positions


def _leaf_neighbors(X, groups, n_neighbors, indices, keys):
    """Exact neighbours within each leaf, written to ``indices`` and ``keys``.

    ``keys`` are squared distances, from the Gram matrix of each leaf
    centred on its mean (accurate also far from the origin), in float64:
    in float32 their rounding, about 6e-8 of the leaf's squared extent,
    shuffled the neighbours within tight clusters (recall 0.21 on 400
    clusters of spread 1e-4). Leaves of equal size are multiplied in
    batches.
    """
    n_features = X.shape[1]
    for members in groups:
        size = members.shape[1]
        diagonal = np.arange(size)
        per_batch = max(1, _BLOCK_BYTES // (8 * size * max(size, n_features)))
        for start in range(0, members.shape[0], per_batch):
            batch = members[start : start + per_batch]
            points = np.asarray(X[batch], dtype=np.float64)
            points -= points.mean(axis=1, keepdims=True)
            half_norms = 0.5 * np.einsum("bij,bij->bi", points, points)
            # (||x_i - x_j||^2 - ||x_i||^2) / 2 = ||x_j||^2 / 2 - x_i.x_j ranks
            # row i's neighbours; the row's constant is restored once chosen.
            gram = np.matmul(points, points.transpose(0, 2, 1))
            np.subtract(half_norms[:, None, :], gram, out=gram)
            gram[:, diagonal, diagonal] = np.inf
            nearest = _smallest(gram, n_neighbors)
            keys[batch] = 2.0 * (gram.ravel()[nearest] + half_norms[:, :, None])
            # gram[b, i, j] is at (b * size + i) * size + j; its row is batch[b, j].
            member = nearest // (size * size) * size + nearest % size
            indices[batch] = batch.ravel()[member]


def _merge_tree(indices, keys, candidates, candidate_keys, n_neighbors):
    """Row-wise the ``n_neighbors`` best of two lists of distinct neighbours.

    ``candidates`` already in ``indices`` are ignored. Returns new arrays.
    """
    known = candidates == indices[:, :1]
    for column in range(1, indices.shape[1]):
        known |= candidates == indices[:, column : column + 1]
    candidate_keys = np.where(known, np.inf, candidate_keys)
    merged = np.concatenate([indices, candidates], axis=1)
    merged_keys = np.concatenate([keys, candidate_keys], axis=1)
    best = _smallest(merged_keys, n_neighbors)
    return merged.ravel()[best], merged_keys.ravel()[best]


def _row_blocks(n_samples, row_size):
    """Slices of rows whose temporaries take about ``_BLOCK_BYTES``."""
    step = max(1, _BLOCK_BYTES // (8 * max(1, row_size)))
    return [slice(start, start + step) for start in range(0, n_samples, step)]


def _squared_distances(X, rows, candidates):
    """``||x_i - x_c||^2`` for the rows ``rows`` and their ``candidates``.

    In float64 whatever the dtype of ``X``.
    """
    difference = np.asarray(X[candidates], dtype=np.float64)
    difference -= X[rows][:, None, :]
    return np.einsum("rcj,rcj->rc", difference, difference)


def approximate_nearest_neighbors(
    X, n_neighbors, n_trees=None, leaf_size=None, random_state=0
):
    """Approximate nearest neighbours from a forest of random-projection trees.

    Each of ``n_trees`` trees splits the rows recursively at the median of
    their projection on a random direction, to a depth where the leaves hold
    about ``leaf_size`` rows; within each leaf the exact neighbours are found
    by brute force (one float64 BLAS product per leaf), and every row keeps
    the ``n_neighbors`` nearest distinct candidates over all trees. A row's
    true neighbours are missed only when every tree separates them from it,
    which happens more often when the data fill many dimensions: the recall
    is high on data of low intrinsic dimension or made of clusters, and
    lowest on i.i.d. Gaussian data in high dimension, where, however, the
    neighbours found are almost as close as the true ones. The time is
    linear in ``n_samples`` (the tree splits add a ``log n_samples``
    factor of cheap work); the memory besides ``X`` is O(n_samples *
    n_neighbors) plus a float32 ``n_samples x 16`` projection per tree,
    and ``X`` is not copied unless its magnitude is extreme (beyond
    ``2**50`` or below ``2**-50``), when a scaled copy is searched.

    The result depends only on ``X``, ``n_neighbors``, the settings and
    ``random_state``, not on the number of BLAS threads: the products run
    in one thread (they are small: threads would not pay).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite values.
    n_neighbors : int
        Number of neighbours, at most ``n_samples - 1``.
    n_trees : int, default=None
        Trees in the forest; more trees find more of the true neighbours,
        at a cost linear in their number. ``None``: ``12 * leaf_size``
        divided by the actual rows per leaf (8 to 17 trees with the default
        ``leaf_size``), so that the work per row is the same at any
        ``n_samples``.
    leaf_size : int, default=None
        Target rows per leaf (``None``: 512); the leaves hold between about
        0.7 and 1.4 times as many, and always more than ``n_neighbors``.
    random_state : int, default=0
        Seed of the random directions: equal seeds give equal results.

    Returns
    -------
    indices : ndarray of shape (n_samples, n_neighbors), dtype intp
        Distinct, never the row itself (duplicated rows may be each other's
        neighbours, at distance zero).
    distances : ndarray of shape (n_samples, n_neighbors)
        Euclidean distances, computed exactly (in float64, from ``X``) for
        the pairs found, sorted in increasing order along each row (ties by
        index).
    """
    X = _as_float(X)
    n_samples, n_features = X.shape
    _check_n_neighbors(n_neighbors, n_samples)
    leaf_size = _LEAF_SIZE if leaf_size is None else leaf_size
    if leaf_size < 1 or (n_trees is not None and n_trees < 1):
        raise ValueError(
            f"leaf_size and n_trees must be positive, got {leaf_size} and {n_trees}."
        )
    depth = max(0, round(np.log2(n_samples / leaf_size)))
    while depth > 0 and n_samples // 2**depth <= n_neighbors:
        depth -= 1
    if n_trees is None:
        # The leaves hold 0.7 to 1.4 times leaf_size rows, depending on
        # where n_samples falls between powers of two: the number of trees
        # compensates, so that the work per row does not depend on it.
        n_trees = max(1, round(_N_TREES * leaf_size / (n_samples // 2**depth)))
    if depth == 0:
        n_trees = 1  # a single leaf holding every row: an exact search
    rng = np.random.default_rng(random_state)
    search = _search_copy(X)
    center = search.mean(axis=0, dtype=np.float64)
    indices = np.empty((n_samples, n_neighbors), dtype=np.intp)
    keys = np.empty((n_samples, n_neighbors))
    tree_indices, tree_keys = np.empty_like(indices), np.empty_like(keys)
    with one_blas_thread():
        for tree in range(n_trees):
            leaves = _tree_leaves(search, center, depth, rng)
            if tree == 0:
                _leaf_neighbors(search, leaves, n_neighbors, indices, keys)
                continue
            _leaf_neighbors(search, leaves, n_neighbors, tree_indices, tree_keys)
            for rows in _row_blocks(n_samples, 2 * n_neighbors):
                indices[rows], keys[rows] = _merge_tree(
                    indices[rows],
                    keys[rows],
                    tree_indices[rows],
                    tree_keys[rows],
                    n_neighbors,
                )
        del tree_indices, tree_keys
    del keys
    return _nearest_candidates(X, np.arange(n_samples), indices, n_neighbors)


def uses_approximate_search(n_samples, n_features):
    """Whether ``algorithm="auto"`` picks the approximate search."""
    return _resolve_algorithm("auto", n_samples, n_features) == "approximate"


def _resolve_algorithm(algorithm, n_samples, n_features):
    """``"exact"`` or ``"approximate"`` for ``algorithm`` on data of this shape."""
    if not (isinstance(algorithm, str) and algorithm in ALGORITHMS):
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}.")
    if algorithm != "auto":
        return algorithm
    if n_samples <= EXACT_MAX_SAMPLES or n_features <= EXACT_MAX_FEATURES:
        return "exact"
    return "approximate"


def uses_kd_tree(n_features):
    """Whether the exact search uses the kd-tree rather than brute force."""
    return n_features <= KD_TREE_MAX_FEATURES


def _search(X, n_neighbors, algorithm, random_state):
    """Neighbour indices and distances by the search ``algorithm`` resolves to."""
    n_samples, n_features = X.shape
    if _resolve_algorithm(algorithm, n_samples, n_features) == "approximate":
        return approximate_nearest_neighbors(X, n_neighbors, random_state=random_state)
    if uses_kd_tree(n_features):
        return nearest_neighbors(X, n_neighbors)
    return brute_force_nearest_neighbors(X, n_neighbors)


def _equal_groups_neighbors(X, search, members, n_neighbors):
    """Exact neighbours within each of many groups of equal size, batched.

    The candidates of every row (``n_neighbors + 4``, or its whole group)
    are ranked by :func:`_leaf_neighbors` on ``search`` (``X``, scaled by
    :func:`_search_copy`) from float64 products of each group centred on
    its mean, many groups per product; their exact distances from ``X``
    choose the neighbours, as in :func:`brute_force_nearest_neighbors`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    search : ndarray of shape (n_samples, n_features)
        ``_search_copy(X)``.
    members : ndarray of shape (n_groups, size), dtype intp
        Each row lists the samples of one group.
    n_neighbors : int
        At most ``size - 1``.

    Returns
    -------
    indices : ndarray of shape (n_groups * size, n_neighbors), dtype intp
        Sample indices into ``X``; row ``g * size + i`` holds the neighbours
        of ``members[g, i]``.
    distances : ndarray of shape (n_groups * size, n_neighbors)
        Sorted in increasing order along each row (ties by index).
    """
    rows = members.ravel()
    n_candidates = _n_candidates(n_neighbors, members.shape[1] - 1)
    # Indexed by sample, as _leaf_neighbors writes them; only `rows` are set.
    candidates = np.empty((X.shape[0], n_candidates), dtype=np.intp)
    keys = np.empty((X.shape[0], n_candidates))
    with one_blas_thread():
        _leaf_neighbors(search, [members], n_candidates, candidates, keys)
    return _nearest_candidates(X, rows, candidates[rows], n_neighbors)


def _search_within_groups(X, groups, n_neighbors, algorithm, random_state):
    """Neighbours of every sample among the samples of its own group.

    Returns the flat ``rows, cols, distances`` of the directed neighbour
    pairs and each sample's distance to its farthest neighbour (0 for
    samples alone in their group).
    """
    n_samples = X.shape[0]
    groups = np.asarray(groups)
    if groups.shape != (n_samples,):
        raise ValueError(
            f"groups must have shape ({n_samples},), one label per sample; "
            f"got shape {groups.shape}."
        )
    if n_neighbors < 1:
        raise ValueError(f"n_neighbors must be at least 1, got {n_neighbors}.")
    labels, codes = np.unique(groups, return_inverse=True)
    members = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[members], np.arange(labels.shape[0] + 1))
    sizes = np.diff(bounds)
    reduced = labels[sizes <= n_neighbors]
    rows, cols, distances = [], [], []
    farthest = np.zeros(n_samples)

    def add(index, neighbour_indices, neighbour_distances):
        k = neighbour_indices.shape[1]
        rows.append(np.repeat(index, k))
        cols.append(neighbour_indices.ravel())
        distances.append(neighbour_distances.ravel())
        farthest[index] = neighbour_distances[:, -1]

    # Many small groups: one vectorised search per group size, not a call
    # per group (whose fixed cost dominates for groups of a few samples).
    # A group without another of its size is searched on its own, as if it
    # were the whole data (one group gives the plain affinity exactly).
    small = (sizes >= 2) & (sizes <= SMALL_GROUP_MAX_SAMPLES)
    small &= np.bincount(sizes)[sizes] >= 2
    search = _search_copy(X) if small.any() else X
    for size in np.unique(sizes[small]):
        same_size = bounds[:-1][small & (sizes == size)]
        group_members = members[same_size[:, None] + np.arange(size)]
        k = min(n_neighbors, int(size) - 1)
        add(
            group_members.ravel(),
            *_equal_groups_neighbors(X, search, group_members, k),
        )
    for code in np.flatnonzero((sizes >= 2) & ~small):
        index = members[bounds[code] : bounds[code + 1]]
        k = min(n_neighbors, index.shape[0] - 1)
        group_indices, group_distances = _search(X[index], k, algorithm, random_state)
        add(index, index[group_indices], group_distances)
    if reduced.size:
        shown = ", ".join(str(label) for label in reduced[:5])
        more = f" and {len(reduced) - 5} more" if len(reduced) > 5 else ""
        warn_user(
            f"{len(reduced)} group(s) ({shown}{more}) have at most n_neighbors="
            f"{n_neighbors} samples: their samples are linked to the other "
            "samples of their group only (a sample alone in its group to none).",
            UserWarning,
        )
    if not rows:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0), farthest
    return (
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(distances),
        farthest,
    )


def neighbor_pairs(X, n_neighbors, algorithm="auto", random_state=0, groups=None):
    """Every sample's nearest neighbours, as flat directed pairs.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Float32 or float64 values are searched as they are, other dtypes as
        float64.
    n_neighbors : int
        Neighbours per sample, at most ``n_samples - 1``. With ``groups``,
        a sample of a group of at most ``n_neighbors`` samples gets the
        other samples of its group only (with a warning).
    algorithm : {"auto", "exact", "approximate"}, default="auto"
        The search; see :func:`sklspin._affinity.knn_gaussian_affinity`.
    random_state : int, default=0
        Seed of the approximate search.
    groups : array-like of shape (n_samples,), default=None
        Neighbours are searched only within each sample's group.

    Returns
    -------
    rows, cols : ndarray of shape (n_pairs,), dtype intp
        Sample ``cols[p]`` is a neighbour of sample ``rows[p]``.
    distances : ndarray of shape (n_pairs,)
        Their Euclidean distances.
    farthest : ndarray of shape (n_samples,)
        Each sample's distance to its farthest neighbour (0 for a sample
        without any).
    """
    X = _as_float(X)
    n_samples = X.shape[0]
    if groups is not None:
        return _search_within_groups(X, groups, n_neighbors, algorithm, random_state)
    _check_n_neighbors(n_neighbors, n_samples)
    indices, distances = _search(X, n_neighbors, algorithm, random_state)
    rows = np.repeat(np.arange(n_samples), n_neighbors)
    return rows, indices.ravel(), distances.ravel(), distances[:, -1]
