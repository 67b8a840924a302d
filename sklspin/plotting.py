"""Plots of per-sample gates (requires matplotlib).

matplotlib is an optional dependency of sklspin (the ``plot`` extra): it is
imported only when a function of this module is called, and a clear
:class:`ImportError` says how to install it when it is missing.
"""

import warnings

import numpy as np

__all__ = ["plot_gate_image", "plot_gates"]

# Above this many groups the rows are still sorted by group, but neither
# separated nor labelled: one line and one label per group would cover the
# heat map (and take minutes to draw for thousands of groups).
_MAX_ANNOTATED_GROUPS = 50


def _pyplot():
    """Import and return ``matplotlib.pyplot``, with a helpful error."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "sklspin.plotting requires matplotlib, which is not installed. "
            "Install it with `pip install matplotlib` (or `pip install "
            "'sklspin[plot]'`)."
        ) from exc
    return plt


def _gate_array(gates):
    """``gates`` as a float64 array; a clear error for an estimator."""
    if hasattr(gates, "predict_gates"):
        raise TypeError(
            "gates must be an array of gate values, not an estimator: pass "
            "estimator.predict_gates(X)."
        )
    if hasattr(gates, "toarray"):  # a SciPy sparse matrix or array
        gates = gates.toarray()
    return np.asarray(gates, dtype=np.float64)


def _check_axes(axes):
    """Refuse anything in ``axes`` that is not a matplotlib Axes."""
    for ax in axes:
        if not (hasattr(ax, "imshow") and hasattr(ax, "figure")):
            raise TypeError(
                f"ax must be a matplotlib Axes (e.g. from plt.subplots()), got "
                f"{type(ax).__name__}: {ax!r}."
            )


def _check_gates(gates):
    gates = _gate_array(gates)
    if gates.ndim != 2 or gates.size == 0:
        raise ValueError(
            "gates must be a non-empty 2-D array of shape (n_samples, "
            f"n_features), got shape {gates.shape}."
        )
    return gates


def _group_order(groups, n_samples):
    """Stable order that sorts the rows by group, and the sorted groups."""
    if groups is None:
        return np.arange(n_samples), None
    groups = np.asarray(groups)
    if groups.shape != (n_samples,):
        raise ValueError(
            f"groups must have shape ({n_samples},) to match gates, got {groups.shape}."
        )
    try:
        order = np.argsort(groups, kind="stable")
    except TypeError as exc:
        raise TypeError(
            f"groups must be labels of one comparable type ({exc})."
        ) from exc
    return order, groups[order]


def _group_boundaries(sorted_groups):
    """Rows where a new group starts (NaN labels form one group)."""
    changed = sorted_groups[1:] != sorted_groups[:-1]
    if sorted_groups.dtype.kind == "f":
        both_nan = np.isnan(sorted_groups[1:]) & np.isnan(sorted_groups[:-1])
        changed &= ~both_nan
    return np.flatnonzero(changed) + 1


def _annotate_groups(ax, sorted_groups, boundaries):
    """Lines between consecutive groups and the group names on the y axis."""
    for boundary in boundaries:
        ax.axhline(boundary - 0.5, color="white", linewidth=1.5)
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [sorted_groups.shape[0]]])
    ax.set_yticks((starts + ends - 1) / 2.0)
    ax.set_yticklabels([str(sorted_groups[start]) for start in starts])
    ax.set_ylabel("samples, sorted by group")


def _checked_feature_names(feature_names, n_features):
    """``feature_names`` as a list of ``n_features`` strings, or None."""
    if feature_names is None:
        return None
    if isinstance(feature_names, str):
        raise TypeError(
            "feature_names must be a sequence of names, got the string "
            f"{feature_names!r}."
        )
    feature_names = [str(name) for name in feature_names]
    if len(feature_names) != n_features:
        raise ValueError(
            f"feature_names has {len(feature_names)} entries but gates has "
            f"{n_features} features."
        )
    return feature_names


def _feature_ticks(ax, n_features, feature_names):
    """Label the columns: ``feature_names`` (checked), else numbers."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.set_xlabel("feature")
    if feature_names is None:
        # Numbered from 1, as in the paper; above 30 features matplotlib
        # chooses which columns get a tick.
        if n_features <= 30:
            ax.set_xticks(np.arange(n_features))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{round(x) + 1}"))
        return
    ax.set_xticks(np.arange(n_features))
    ax.set_xticklabels(feature_names, rotation=90)


def plot_gates(
    gates,
    *,
    groups=None,
    mask_true=None,
    feature_names=None,
    ax=None,
    cmap="viridis",
    title="Gates",
    colorbar=True,
):
    """Draw per-sample gates as a heat map, optionally next to the truth.

    Rows are samples and columns features. With ``groups`` the rows are
    sorted by group (stable sort, so the order within a group is kept) and
    the groups are separated by white lines; with ``mask_true`` a second
    panel shows the ground-truth informative features of the same rows, so
    that the learned and the true selection can be compared at a glance.

    Parameters
    ----------
    gates : array-like or sparse matrix of shape (n_samples, n_features)
        Gate values, for example from ``predict_gates``. Any real values
        are accepted; the colour scale spans ``[0, 1]``.
    groups : array-like of shape (n_samples,), default=None
        A group label per sample (known sub-population, cluster or predicted
        class) used to sort and annotate the rows. ``None`` keeps the rows
        in their order.
    mask_true : array-like of shape (n_samples, n_features), default=None
        Ground-truth informative features per sample (boolean or 0/1), such
        as the ``mask`` returned by the generators of
        :mod:`sklspin.datasets`. When given, it is drawn in a second panel
        to the right of the gates.
    feature_names : sequence of str, default=None
        Column labels. ``None`` takes the column names of a pandas
        ``gates`` (e.g. from ``predict_gates(X, as_frame=True)``) and
        otherwise numbers the features from 1, as the paper and
        :mod:`sklspin.datasets` do: column 0 is labelled ``1``. The names
        that ``predict_gates(X, as_frame=True)`` generates when the model
        was fitted without string column names count from 0, as
        scikit-learn's do (column 0 is ``x0``), so the same gates are
        labelled one apart in the two cases.
    ax : matplotlib Axes or sequence of two Axes, default=None
        Where to draw: one Axes without ``mask_true``, two with it.
        ``None`` creates a new figure.
    cmap : str or matplotlib Colormap, default="viridis"
        Colour map of the gates.
    title : str or None, default="Gates"
        Title of the gates panel.
    colorbar : bool, default=True
        Whether to add a colour bar for the gate values.

    Returns
    -------
    axes : ndarray of matplotlib Axes of shape (1,) or (2,)
        The gates panel, followed by the ground-truth panel if
        ``mask_true`` was given.

    See Also
    --------
    plot_gate_image : The gates of one sample drawn as an image.

    Examples
    --------
    >>> import numpy as np
    >>> from sklspin.plotting import plot_gates
    >>> gates = np.array([[0.9, 0.0, 0.0],
    ...                   [0.0, 0.7, 0.4],
    ...                   [1.0, 0.1, 0.0],
    ...                   [0.0, 0.8, 0.6]])
    >>> mask_true = gates > 0
    >>> axes = plot_gates(gates, groups=[0, 1, 0, 1], mask_true=mask_true)
    >>> axes.shape
    (2,)
    """
    plt = _pyplot()
    if feature_names is None and hasattr(gates, "columns"):
        feature_names = list(gates.columns)
    gates = _check_gates(gates)
    n_samples, n_features = gates.shape
    order, sorted_groups = _group_order(groups, n_samples)
    # Every argument is checked before anything is drawn.
    feature_names = _checked_feature_names(feature_names, n_features)
    if mask_true is not None:
        mask_true = np.asarray(mask_true)
        if mask_true.shape != gates.shape:
            raise ValueError(
                f"mask_true must have the shape of gates {gates.shape}, got "
                f"{mask_true.shape}."
            )

    n_panels = 1 if mask_true is None else 2
    if ax is None:
        width = min(4.0 + 0.25 * n_features, 9.0) * (1.0 if n_panels == 1 else 1.6)
        fig, axes = plt.subplots(
            1,
            n_panels,
            figsize=(width, 4.5),
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
        axes = axes[0]
    else:
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.shape != (n_panels,):
            raise ValueError(
                f"ax must be {'one Axes' if n_panels == 1 else 'two Axes'} "
                f"{'without' if n_panels == 1 else 'with'} mask_true, got "
                f"{axes.size}."
            )
        _check_axes(axes)
        fig = axes[0].figure

    image = axes[0].imshow(
        gates[order],
        aspect="auto",
        interpolation="nearest",
        cmap=cmap,
        vmin=0.0,
        vmax=1.0,
    )
    if title is not None:
        axes[0].set_title(title)
    if colorbar:
        fig.colorbar(image, ax=axes[0], label="gate value")

    if mask_true is not None:
        axes[1].imshow(
            mask_true[order].astype(np.float64),
            aspect="auto",
            interpolation="nearest",
            cmap=cmap,
            vmin=0.0,
            vmax=1.0,
        )
        axes[1].set_title("True informative features")

    boundaries = None
    if sorted_groups is not None:
        boundaries = _group_boundaries(sorted_groups)
        if boundaries.size + 1 > _MAX_ANNOTATED_GROUPS:
            warnings.warn(
                f"groups has {boundaries.size + 1} distinct values: the rows "
                "are sorted by group but the groups are not marked (at most "
                f"{_MAX_ANNOTATED_GROUPS} are). groups should name a few "
                "sub-populations, not a continuous variable.",
                UserWarning,
                stacklevel=2,
            )
            boundaries = None
    for panel in axes:
        _feature_ticks(panel, n_features, feature_names)
        if boundaries is not None:
            _annotate_groups(panel, sorted_groups, boundaries)
        elif sorted_groups is not None:
            panel.set_ylabel("samples, sorted by group")
    if sorted_groups is None:
        axes[0].set_ylabel("samples")
    if n_panels == 2:
        axes[1].set_ylabel("")
    return axes


def plot_gate_image(
    gates,
    image_shape,
    *,
    image=None,
    ax=None,
    cmap="magma",
    overlay_cmap="Reds",
    title=None,
):
    """Draw the gates of one sample in the shape of an image.

    For image data flattened into features (pixels), the gates of a sample
    reshaped to the image show which pixels the model looks at, as in the
    MNIST figure of the LSPIN paper. With ``image`` the sample itself is
    drawn in grey and the open gates on top of it.

    Parameters
    ----------
    gates : array-like of shape (n_features,) or (1, n_features)
        The gates of one sample, e.g. ``model.predict_gates(X[i:i+1])``.
    image_shape : tuple of int
        ``(height, width)`` with ``height * width == n_features``.
    image : array-like of shape (n_features,) or image_shape, default=None
        The sample's input values. When given it is drawn in grey, and only
        the open gates (gate > 0) are coloured over it.
    ax : matplotlib Axes, default=None
        Where to draw; ``None`` creates a new figure.
    cmap : str or matplotlib Colormap, default="magma"
        Colour map of the gate values when ``image`` is None.
    overlay_cmap : str or matplotlib Colormap, default="Reds"
        Colour map of the open gates drawn over ``image``.
    title : str or None, default=None
        Title of the Axes; ``None`` sets none.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with the image.

    See Also
    --------
    plot_gates : Heat map of the gates of many samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklspin.plotting import plot_gate_image
    >>> gates = np.zeros(64)
    >>> gates[[18, 19, 26, 27]] = 1.0  # four open pixels of an 8 x 8 image
    >>> ax = plot_gate_image(gates, (8, 8), title="open pixels")
    >>> ax.get_title()
    'open pixels'
    """
    plt = _pyplot()
    gates = _gate_array(gates)
    if gates.ndim == 2 and gates.shape[0] == 1:
        gates = gates[0]  # predict_gates of one sample
    if gates.ndim != 1:
        raise ValueError(
            "gates must be the gates of one sample, of shape (n_features,) "
            f"or (1, n_features); got shape {gates.shape}."
        )
    if (
        np.ndim(image_shape) != 1
        or len(image_shape) != 2
        or any(int(size) != size or size < 1 for size in image_shape)
    ):
        raise ValueError(
            f"image_shape must be (height, width), two positive integers; got "
            f"{image_shape!r}."
        )
    image_shape = tuple(int(size) for size in image_shape)
    if int(np.prod(image_shape)) != gates.size:
        raise ValueError(
            f"image_shape {image_shape} does not match the {gates.size} gates."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(3.0, 3.0), layout="constrained")
    else:
        _check_axes([ax])
    gate_image = gates.reshape(image_shape)
    if image is None:
        ax.imshow(gate_image, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        image = np.asarray(image, dtype=np.float64)
        if image.size != gates.size:
            raise ValueError(
                f"image has {image.size} values but there are {gates.size} gates."
            )
        # The sample in light grey, the open gates over it in colour. The
        # colour scale starts below 0 so that even a barely open gate shows.
        ax.imshow(
            image.reshape(image_shape),
            cmap="Greys",
            alpha=0.45,
            interpolation="nearest",
        )
        overlay = np.ma.masked_where(gate_image <= 0, gate_image)
        ax.imshow(
            overlay,
            cmap=overlay_cmap,
            vmin=-0.25,
            vmax=1.0,
            interpolation="nearest",
        )
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return ax
