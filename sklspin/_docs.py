"""Shared numpydoc fragments for the estimators' docstrings.

Class docstrings contain ``{placeholders}`` that :func:`fill_doc` replaces
with the fragments below, so that a parameter shared by several estimators
is described once.
"""

import inspect
import string
import textwrap

_FRAGMENTS = {
    "fit_data": """
X : array-like of shape (n_samples, n_features)
    Training data; standardise it first (the gates multiply the raw
    feature values, so a closed gate means "feature at zero").
y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    Class labels for the classifiers (1-D: multilabel targets are not
    supported); target values, one column per output, for the regressors.
sample_weight : array-like of shape (n_samples,), default=None
    Per-sample weights; ``None`` weighs every sample equally. Rows of
    weight 0 are dropped before training, as if removed.
""",
    "prediction_network": """
hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(64,)
    Sizes of the hidden layers of the prediction network, which receives
    the gated input ``x * z(x)``, each at least 1; an int ``n`` is one
    hidden layer of ``n`` units. ``()`` gives a linear predictor (LLSPIN).

activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
    Hidden-layer activation of the prediction network.
""",
    "gating": """
gating_hidden_layer_sizes : "auto", array-like of shape (n_layers - 2,) \
or int, default=$gating_hidden_layer_sizes
    Sizes of the hidden layers of the gating network that maps a sample
    ``x`` to its gate means ``mu(x)`` in ``(-1, 1.5)`` through a ``tanh``
    output layer rescaled to that interval, each at least 1; an int ``n``
    is one hidden layer of ``n`` units. ``"auto"``: one hidden layer of
    64; for a linear gating network (``gating_activation="identity"``), no
    hidden layer up to 256 features (one weight matrix,
    ``mu(x) = -1 + 1.25 (1 + tanh(W x + b))``) and the hidden layer of 64
    above, so that the gating network's size stays linear in the number
    of features. Among a few hundred noise features the full matrix
    selected far better than the bottleneck, with 500 it was no longer
    better overall (user guide, "Many features"); pass
    ``gating_hidden_layer_sizes=()`` to keep it above 256 features when
    ``n_features ** 2`` weights fit in memory, and compare on held-out
    data.

gating_activation : {"identity", "logistic", "tanh", "relu"}, \
default=$gating_activation
    Hidden-layer activation of the gating network. With LSPIN's defaults
    the gating network is linear (``"identity"``; of rank at most 64 above
    256 features): the prediction network is non-linear already, and a
    gating network that can compute the label itself tends to encode the
    prediction in *which* gates it opens (a different set for each class)
    rather than select the features that explain it. LLSPIN's default is
    ``"tanh"`` with a hidden layer: with a linear predictor, the gating
    network is what makes the model non-linear (a different linear model
    in each region of the input space).

sparsity_weight : float, default=$sparsity_weight
    Weight of the expected-L0 penalty ``sum_j Phi((mu_j(x) + 0.5) / sigma)``,
    the expected number of open gates of a sample. It is the price of
    keeping one feature open for one sample, in units of the task loss
    (log-loss, or half squared error on standardised targets: a feature
    must explain more than about twice this fraction of the target's
    variance to stay open). Larger values select fewer features; choose it
    on a task metric with cross-validation. LLSPIN's default is lower, as
    a linear predictor gains less from each open feature. Values must be in
    the range ``[0, inf)``.

similarity_weight : float, default=$similarity_weight
    Weight of the gate-similarity penalty ``sum_j K_ij ||z_i - z_j||^2``,
    which makes neighbouring samples select the same features. ``0``
    disables it and skips building the affinity. LSPIN's default is lower:
    with its linear gating network, input-space neighbourhoods that
    straddle sub-populations blur the gates more than the penalty helps
    (see the user guide); LLSPIN's ``tanh`` gating network needs the
    penalty to keep its gates from encoding the label. Values must be in
    the range ``[0, inf)``.

similarity_schedule : {"anneal", "constant"}, default="anneal"
    How the similarity penalty's weight changes during training:

    - ``"anneal"``: ``similarity_weight`` for the first 30 epochs, a tenth
      of it afterwards. Early on, the penalty keeps the gating network
      from encoding the label in the gates (closing every gate for one
      class) before the predictor has learnt which features matter; later,
      where input-space neighbourhoods straddle sub-populations, a full
      weight would blur their gates together;
    - ``"constant"``: ``similarity_weight`` throughout, for data whose
      sub-populations are well separated in input space.

{sigma}

n_neighbors : int, default=10
    Neighbours per sample in the k-nearest-neighbour affinity ``K``, at
    least 1. It is reduced, with a warning, to ``n_samples - 1`` on smaller
    training sets.

affinity_bandwidth : {"median", "self-tuning"} or float, default="median"
    Scale of the Gaussian affinity ``exp(-||x_i - x_j||^2 / (2 h_i h_j))``:
    ``"median"`` uses the median distance of points to their
    ``n_neighbors`` nearest neighbours, ``"self-tuning"`` each point's
    distance to its ``n_neighbors``-th neighbour, a positive float a fixed
    scale.
""",
    "training": """
alpha : float, default=1e-4
    Strength of the L2 penalty on the weight matrices of both networks:
    ``0.5 * alpha / batch_size * ||W||^2`` is added to each mini-batch's
    mean loss, as in scikit-learn's MLPs, with the nominal ``batch_size``
    also for a smaller last batch (scikit-learn's MLPs divide by its own
    size). Values must be in the range ``[0, inf)``.

{optimisation}

early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data (stratified for
    classifiers when every class has at least 2 samples and each part room
    for one of every class, else at random with a warning), stop when its
    score (accuracy or R^2, with noise-free gates) stops improving, and keep
    the best parameters. Only epochs after the ramp of the sparsity penalty
    (the first 100) compete: parameters trained against the weaker penalty
    of the ramp, whose gates are not sparse yet, are never kept, and a fit
    that ends inside the ramp keeps its last parameters.

{validation_fraction}

{adam}

{warm_start}

random_state : int, RandomState instance or None, default=None
    Controls the random draws of ``fit`` and ``partial_fit``: the weight
    initialisation, the mini-batch order, the gate noise, the neighbour
    sampling, the early-stopping split and, above 5,000 training samples
    with more than 5 features, the randomised search for the affinity's
    nearest neighbours.
    {random_state_reproducible}

{verbose}
""",
    "attributes": """
{loss_curve}

{network_summary}

{finetune_attribute}

{training_counts}

best_loss_ : float or None
    Lowest epoch loss of the last ``fit`` after the ramp of the sparsity
    penalty (the loss of the last epoch while the objective still ramps
    up, so that the stopping rule compares losses of one objective), or
    ``None`` with ``early_stopping=True``.

validation_scores_ : list of float or None
    Validation score of each epoch of the last ``fit`` with
    ``early_stopping=True``, else ``None``.

best_validation_score_ : float or None
    Score of the parameters kept by early stopping: the best validation
    score among the epochs after the sparsity ramp and the fine-tuning
    epochs (``finetune_validation_scores_``); if the fit ended inside the
    ramp, the last epoch's score unless a fine-tuning epoch scored higher.
    Epochs inside the ramp are recorded in
    ``validation_scores_`` but do not compete, so unlike in scikit-learn's
    MLPs it need not be ``max(validation_scores_)``. ``None`` without
    early stopping.

{prediction_coefs}

gating_coefs_ : list of ndarray
    Weight matrices of the gating network.

gating_intercepts_ : list of ndarray
    Bias vectors of the gating network.

feature_importances_ : ndarray of shape (n_features,)
    Mean gate value of each feature over the training samples, in [0, 1],
    weighted by ``sample_weight`` (rows of weight 0 do not count); usable
    by :class:`~sklearn.feature_selection.SelectFromModel`.

gate_open_fraction_ : ndarray of shape (n_features,)
    Fraction of training samples for which each feature's gate is open,
    weighted by ``sample_weight`` like ``feature_importances_``.

n_neighbors_ : int
    Number of neighbours actually used in the affinity, per sample
    (``n_neighbors``, or fewer for small data; with ``groups``, at most
    the size of the largest group minus one, fewer in smaller groups), 0
    when the similarity penalty is off.

{input_features}
""",
    # Fragments shared by the LSPIN and LLSPIN fragments above and the STG
    # docstrings, whose other text is their own. A fragment may contain the
    # placeholder of a later one, also as the last line of a parameter's
    # description ("random_state_reproducible"), where it continues that
    # description's paragraph.
    "sigma": """
sigma : float, default=0.5
    Standard deviation of the Gaussian noise injected into the gates during
    training. Values must be in the range ``(0, inf)``.
""",
    "optimisation": """
batch_size : int or "auto", default="auto"
    Mini-batch size; ``"auto"`` uses ``min(n_samples, 256, max(32, n_samples // 16))``
    so that even small data sets get several Adam steps per epoch. An int
    must be at least 1; one larger than the number of training samples is
    reduced to it, with a warning.

learning_rate_init : float, default=0.01
    Step size of Adam. Values must be in the range ``(0, inf)``.

max_iter : int, default=500
    Maximum number of epochs, at least 1.

{finetune}

tol : float, default=1e-5
    Tolerance for the stopping rule: training stops when the training loss
    (or the validation score, with ``early_stopping``) has not improved by
    at least ``tol`` for more than ``n_iter_no_change`` consecutive epochs. Smaller
    than scikit-learn's MLPs' ``1e-4``: the regressors fit standardised
    targets, and a near-exact fit keeps improving by less than ``1e-4``
    per epoch long after the rule would stop it. Values must be in the
    range ``[0, inf)``.

n_iter_no_change : int, default=50
    Number of consecutive epochs without improvement tolerated, at least
    1: training stops at the next one, as in scikit-learn's MLPs.
""",
    "validation_fraction": """
validation_fraction : float, default=0.1
    Fraction of the training data held out when ``early_stopping=True``.
    Values must be in the range ``(0, 1)``.
""",
    "adam": """
beta_1 : float, default=0.9
    Exponential decay rate of Adam's first moment estimates. Values must be
    in the range ``[0, 1)``.

beta_2 : float, default=0.999
    Exponential decay rate of Adam's second moment estimates. Values must
    be in the range ``[0, 1)``.

epsilon : float, default=1e-8
    Numerical stability constant of Adam. Values must be in the range
    ``(0, inf)``.
""",
    "random_state_reproducible": """
Pass an int for results that are identical from run to run, bit for
bit (also across ``clone`` and pickling, and whatever the number of
BLAS threads).
""",
    "verbose": """
verbose : bool or int, default=False
    Print one line per epoch (its loss, its validation score with
    ``early_stopping=True``, and its duration), fine-tuning epochs and
    ``partial_fit`` calls included, and why training stopped. An int must
    be at least 0 and counts as a bool: any positive value prints the
    same lines.
""",
    "loss_curve": """
loss_curve_ : list of float
    Mean training objective (task loss plus penalties) of each epoch.
""",
    "training_counts": """
n_iter_ : int
    Number of epochs run since the parameters were initialised: across
    ``warm_start`` fits and ``partial_fit`` calls too.

t_ : int
    Number of training samples seen by the optimizer.
""",
    "prediction_coefs": """
coefs_ : list of ndarray
    Weight matrices of the prediction network; ``coefs_[i]`` has shape
    ``(n_units_in, n_units_out)`` for layer ``i``. Like ``intercepts_``,
    ``gating_coefs_`` and ``gating_intercepts_``, float32 after training
    on float32 ``X`` and float64 otherwise.

intercepts_ : list of ndarray
    Bias vectors of the prediction network; ``intercepts_[i]`` has shape
    ``(n_units_out,)`` for layer ``i``.
""",
    "input_features": """
n_features_in_ : int
    Number of features seen during ``fit``.

feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during ``fit``, when ``X`` has string column
    names.
""",
    "warm_start": """
warm_start : bool, default=False
    Reuse the parameters of the previous call to ``fit`` as initialisation.
    As in scikit-learn's MLPs, Adam starts afresh and the random draws
    restart from ``random_state``, so two fits of ``max_iter=k`` are not
    one fit of ``max_iter=2 * k``. As in them, ``t_`` and ``loss_curve_``
    carry over; unlike them, so does the epoch count ``n_iter_`` (theirs
    counts the last fit's epochs only), and the penalties' schedules (the
    ramp of the sparsity penalty and, in LSPIN and LLSPIN, the anneal of
    the similarity penalty), which run on it, continue where the previous
    fit left them instead of starting again. The regressors estimate their
    internal target scaling (mean and standard deviation of ``y``) anew on
    every fit. Use :meth:`partial_fit` to continue the optimizer too.
""",
    "finetune": """
finetune_iter : int, default=$finetune_iter
    Number of epochs, after the main training, that train the prediction
    network alone on the noise-free gates that :meth:`predict` uses, with a
    fresh Adam at a tenth of ``learning_rate_init``; the gates, and so the
    feature selection, stay as trained. The main training feeds the
    predictor noisy gates, which shrink its inputs at random; fine-tuning
    fits it to the inputs it will see. On validation data of the paper's
    E5 it lowered LSPIN's MSE from 0.0021 to 1.4e-7, and on E4 raised the
    accuracy by 1.7 points; on small noisy data it can over-fit a little
    (user guide, "Fine-tuning"). With ``early_stopping=True`` each of these
    epochs competes for the best validation score too. ``0`` switches it
    off (negative values are refused); :meth:`partial_fit` never
    fine-tunes.
""",
    "network_summary": """
loss_ : float
    Training objective of the last epoch, ``loss_curve_[-1]`` (as in
    scikit-learn's MLPs; fine-tuning has its own ``finetune_loss_curve_``).

n_layers_ : int
    Number of layers of the prediction network, input and output included.

out_activation_ : str
    Output function of the prediction network: ``"logistic"`` for two
    classes, ``"softmax"`` for more, ``"identity"`` for regression.
""",
    "finetune_attribute": """
finetune_loss_curve_ : list of float
    Mean task loss (plus the L2 penalty) of each fine-tuning epoch
    (``finetune_iter``); empty after :meth:`partial_fit`.

finetune_validation_scores_ : list of float or None
    Validation score after each fine-tuning epoch with
    ``early_stopping=True``, else ``None`` (also after :meth:`partial_fit`).
""",
    "partial_fit_summary": """
Continues the training of ``fit`` or of previous ``partial_fit``
calls: one epoch of mini-batch Adam over ``(X, y)``, with Adam's
moment estimates, its step count and the random stream carried over
from the previous call, so that data too large for memory (or a
stream) can be fitted batch by batch, e.g. by dask-ml's
``Incremental``. ``max_iter``, ``tol`` and ``n_iter_no_change`` are
not used and no ``ConvergenceWarning`` is raised; with the same data
on every call, ``k`` calls give bit-for-bit the model of ``fit`` with
``max_iter=k`` and ``finetune_iter=0`` (when its stopping rule does
not end training earlier).
""",
    # One of the next two follows "partial_fit_summary", in the same
    # paragraph: the schedules of LSPIN and LLSPIN, or STG's.
    "partial_fit_schedules": """
Each call counts as one epoch (``n_iter_``) for the schedules of the
penalties: the sparsity penalty ramps up over the first 100 calls and,
with ``similarity_schedule="anneal"``, the similarity penalty drops to a
tenth after 30. Warnings about the data (features far from unit scale,
fewer rows than ``batch_size`` or than ``n_neighbors + 1``) are given on
the first call of an unfitted estimator only.
""",
    "partial_fit_schedule_stg": """
Each call counts as one epoch (``n_iter_``) for the schedule of the
sparsity penalty, which ramps up over the first 20 calls. Warnings about
the data (features far from unit scale, fewer rows than ``batch_size``)
are given on the first call of an unfitted estimator only.
""",
    "partial_fit_first_call_regressor": """
On the first call the parameters are initialised from
``random_state``, and the internal target scaling (mean and
standard deviation of ``y``) is estimated from this first batch and
then kept: the first batch should represent the range of ``y``.
""",
    "partial_fit_X": """
X : array-like of shape (n_samples, n_features)
    One batch of training data; standardise it first, with a scaler
    fitted beforehand (or itself updated with ``partial_fit``).
""",
    "partial_fit_classes": """
y : array-like of shape (n_samples,)
    Class labels of the batch.

classes : array-like of shape (n_classes,), default=None
    All the classes that can appear in any batch, e.g.
    ``np.unique(y_all)``. Required on the first call and optional
    afterwards (it must then equal ``classes_``); a batch need not
    contain every class. It comes before ``sample_weight``, as in
    :meth:`sklearn.linear_model.SGDClassifier.partial_fit`, whereas
    scikit-learn 1.9's ``MLPClassifier.partial_fit`` takes
    ``sample_weight`` first: pass both by keyword.
""",
    "partial_fit_sample_weight": """
sample_weight : array-like of shape (n_samples,), default=None
    Per-sample weights, normalised to mean one within the batch;
    ``None`` weighs every sample equally. Rows of weight 0 are dropped.
""",
    "partial_fit_affinity": """
The gate-similarity penalty uses a k-nearest-neighbour affinity
built within each batch (``fit`` builds it over the whole training
set): neighbours are searched only among the batch's samples, so
use batches large enough for them to be near (a few thousand rows,
shuffled), and ``n_neighbors`` is reduced, with a warning, for
batches of at most ``n_neighbors`` samples. Unlike ``fit``,
``partial_fit`` takes no ``groups``: a batch's samples are linked to
their nearest neighbours among all the batch's samples.
""",
    "partial_fit_notes": """
``early_stopping=True`` is not supported (``ValueError``).
``feature_importances_`` and ``gate_open_fraction_`` summarise the
gates of the last batch.
""",
}


def _literal(value):
    """``value`` as numpydoc writes a default: strings in double quotes."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def fill_doc(obj):
    """Fill ``obj.__doc__``: shared fragments and, for a class, its defaults.

    ``{name}`` placeholders are replaced by the fragments above, in their
    order, so a fragment may contain the placeholder of a later one; then, when
    ``obj`` is a class, ``$parameter`` placeholders by that parameter's
    default in ``obj.__init__`` as numpydoc writes it (``_literal``: strings
    in double quotes), for the fragments whose
    default differs between estimators.
    """
    doc = obj.__doc__
    for name, text in _FRAGMENTS.items():
        key = "{" + name + "}"
        if key not in doc:
            continue
        line = next(ln for ln in doc.splitlines() if ln.strip() == key)
        indent = line[: len(line) - len(line.lstrip())]
        block = textwrap.indent(text.strip("\n"), indent).lstrip()
        doc = doc.replace(key, block)
    if isinstance(obj, type):
        defaults = {
            name: _literal(param.default)
            for name, param in inspect.signature(obj.__init__).parameters.items()
        }
        doc = string.Template(doc).safe_substitute(defaults)
    obj.__doc__ = doc
    return obj
