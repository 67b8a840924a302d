"""Plots of per-sample gates (requires matplotlib).

matplotlib is an optional dependency of sklspin (the ``plot`` extra): it is
imported only when a function of this module is called, and a clear
:class:`ImportError` says how to install it when it is missing.
"""

import numpy as np

__all__ = ["plot_gate_image", "plot_gates"]


def _pyplot():
    """Import and return ``matplotlib.pyplot``, with a helpful error."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "sklspin.plotting requires matplotlib, which is not installed. "
            "Install it with `pip install matplotlib` (or `pip install "
            "sklspin[plot]`)."
        ) from exc
    return plt


def _check_gates(gates):
    gates = np.asarray(gates, dtype=np.float64)
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
    order = np.argsort(groups, kind="stable")
    return order, groups[order]


def _annotate_groups(ax, sorted_groups):
    """Lines between consecutive groups and the group names on the y axis."""
    boundaries = np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1
    for boundary in boundaries:
        ax.axhline(boundary - 0.5, color="white", linewidth=1.5)
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [sorted_groups.shape[0]]])
    ax.set_yticks((starts + ends - 1) / 2.0)
    ax.set_yticklabels([str(sorted_groups[start]) for start in starts])
    ax.set_ylabel("samples, sorted by group")


def _feature_ticks(ax, n_features, feature_names):
    if feature_names is None:
        if n_features <= 30:
            ax.set_xticks(np.arange(n_features))
            ax.set_xticklabels([str(j + 1) for j in range(n_features)])
        ax.set_xlabel("feature")
        return
    feature_names = [str(name) for name in feature_names]
    if len(feature_names) != n_features:
        raise ValueError(
            f"feature_names has {len(feature_names)} entries but gates has "
            f"{n_features} features."
        )
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
    gates : array-like of shape (n_samples, n_features)
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
        Column labels. ``None`` numbers the features from 1 (as in the
        paper) when there are at most 30 of them.
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
    gates = _check_gates(gates)
    n_samples, n_features = gates.shape
    order, sorted_groups = _group_order(groups, n_samples)

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
        axes = np.atleast_1d(np.asarray(ax, dtype=object))
        if axes.shape != (n_panels,):
            raise ValueError(
                f"ax must be {'one Axes' if n_panels == 1 else 'two Axes'} "
                f"{'without' if n_panels == 1 else 'with'} mask_true, got "
                f"{axes.size}."
            )
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
        mask_true = np.asarray(mask_true)
        if mask_true.shape != gates.shape:
            raise ValueError(
                f"mask_true must have the shape of gates {gates.shape}, got "
                f"{mask_true.shape}."
            )
        axes[1].imshow(
            mask_true[order].astype(np.float64),
            aspect="auto",
            interpolation="nearest",
            cmap=cmap,
            vmin=0.0,
            vmax=1.0,
        )
        axes[1].set_title("True informative features")

    for panel in axes:
        _feature_ticks(panel, n_features, feature_names)
        if sorted_groups is not None:
            _annotate_groups(panel, sorted_groups)
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
    gates : array-like of shape (n_features,)
        The gates of one sample, e.g. ``model.predict_gates(X[i:i+1])[0]``.
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
    title : str, default=None
        Title of the Axes.

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
    gates = np.asarray(gates, dtype=np.float64).ravel()
    image_shape = tuple(int(size) for size in image_shape)
    if int(np.prod(image_shape)) != gates.size:
        raise ValueError(
            f"image_shape {image_shape} does not match the {gates.size} gates."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(3.0, 3.0), layout="constrained")
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
