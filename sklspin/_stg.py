"""STG estimators: one global stochastic gate vector shared by all samples.

Stochastic gates (STG; Yamada et al., ICML 2020) are the special case of
LSPIN where the gate means do not depend on the sample: one vector ``mu``
of shape ``(1, n_features)`` instead of the output of a gating network.
Here it is literally LSPIN's gating network with no inputs (``mu`` is its
output bias mapped by LSPIN's output function), so the gate-mean range and
the initial gates are LSPIN's too.
Everything else - the clipped Gaussian gates, the objective, Adam, early
stopping, the training loop - is the LSPIN core in
:class:`~sklspin._base.BaseLSPIN`; this module only changes where ``mu``
comes from, drops the similarity penalty (every sample has the same gates,
so it is identically zero) and adds scikit-learn's
:class:`~sklearn.feature_selection.SelectorMixin` API on top of the learned
gates.
"""

import inspect

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted

from ._base import BaseLSPIN
from ._docs import fill_doc
from ._gates import gate_values
from ._gating import global_gate_means, initial_gate_bias
from ._lspin import LSPINClassifier
from ._tasks import ClassifierTask, RegressorTask

# Hyper-parameters of the gating network and of the similarity penalty,
# which global gates do not have.
_LSPIN_ONLY_PARAMS = (
    "gating_hidden_layer_sizes",
    "gating_activation",
    "similarity_weight",
    "similarity_schedule",
    "n_neighbors",
    "affinity_bandwidth",
)

# The shared hyper-parameters take LSPINClassifier's defaults, so that the
# two families stay in sync while those are tuned (tests/test_docstrings.py
# checks that the docstrings below still state the actual values).
_LSPIN_DEFAULTS = {
    name: param.default
    for name, param in inspect.signature(LSPINClassifier.__init__).parameters.items()
    if param.default is not inspect.Parameter.empty
}


class _BaseSTG(SelectorMixin, BaseLSPIN):
    """Global stochastic gates on the LSPIN core. Not for direct use."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # transform selects columns: a float32 X stays float32.
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # Global gates keep the shorter ramp. With LSPIN's 100 epochs, on the
    # validation parts of E1-E5 (7 seeds), the prediction network of E4 (46
    # noise features, 600 training rows) learnt to use the noise features
    # before their gates closed, and STG then kept 29 of 50 features (F1
    # 0.605 -> 0.133, accuracy 95.5 -> 73.9 %), although E1-E3 and E5 gained.
    _sparsity_warmup_epochs = 20

    _parameter_constraints: dict = {
        key: value
        for key, value in BaseLSPIN._parameter_constraints.items()
        if key not in _LSPIN_ONLY_PARAMS
    }

    def __init__(
        self,
        hidden_layer_sizes=_LSPIN_DEFAULTS["hidden_layer_sizes"],
        activation=_LSPIN_DEFAULTS["activation"],
        *,
        sparsity_weight=_LSPIN_DEFAULTS["sparsity_weight"],
        sigma=_LSPIN_DEFAULTS["sigma"],
        alpha=_LSPIN_DEFAULTS["alpha"],
        batch_size=_LSPIN_DEFAULTS["batch_size"],
        learning_rate_init=_LSPIN_DEFAULTS["learning_rate_init"],
        max_iter=_LSPIN_DEFAULTS["max_iter"],
        finetune_iter=_LSPIN_DEFAULTS["finetune_iter"],
        tol=_LSPIN_DEFAULTS["tol"],
        n_iter_no_change=_LSPIN_DEFAULTS["n_iter_no_change"],
        early_stopping=_LSPIN_DEFAULTS["early_stopping"],
        validation_fraction=_LSPIN_DEFAULTS["validation_fraction"],
        beta_1=_LSPIN_DEFAULTS["beta_1"],
        beta_2=_LSPIN_DEFAULTS["beta_2"],
        epsilon=_LSPIN_DEFAULTS["epsilon"],
        warm_start=_LSPIN_DEFAULTS["warm_start"],
        random_state=_LSPIN_DEFAULTS["random_state"],
        verbose=_LSPIN_DEFAULTS["verbose"],
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.sparsity_weight = sparsity_weight
        self.sigma = sigma
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.finetune_iter = finetune_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- hooks of BaseLSPIN --------------------------------------------------
    def _gating_hidden_sizes(self, n_features):
        return ()  # a vector of gates, no network

    def _init_gate_params(self, n_features, rng):
        # LSPIN's gating network without inputs, [W (0, d), b (d,)], with
        # LSPIN's initial output bias: the gates start where LSPIN's do. The
        # base class's [W, b] packing, warm starts and L2 penalty (on weight
        # matrices only, so the gates are not shrunk) work unchanged.
        bias = np.full(n_features, initial_gate_bias())
        return [np.zeros((0, n_features)), bias]

    _gate_means = staticmethod(global_gate_means)

    def _similarity_weight(self):
        return 0.0

    def _summarise_gates(self, X, sample_weight=None):
        # Run by BaseLSPIN at the end of fit and partial_fit. Every sample's
        # gates are gates_, so their (weighted) means over the samples are
        # gates_ exactly, without the rounding of a mean.
        mu = global_gate_means(self._params()[:2], np.empty((1, 0)))
        self.gates_ = np.array(gate_values(mu)[0])
        self.feature_importances_ = self.gates_.astype(np.float64)
        self.gate_open_fraction_ = (self.gates_ > 0).astype(np.float64)

    # -- feature selection -----------------------------------------------------
    def _get_support_mask(self):
        check_is_fitted(self)
        return self.gates_ > 0


@fill_doc
class STGClassifier(ClassifierMixin, ClassifierTask, _BaseSTG):
    """Classifier with stochastic gates: embedded global feature selection.

    STG [1]_ multiplies every input feature by a gate
    ``z_j = clip(mu_j + 0.5 + sigma * eps, 0, 1)`` learned jointly with the
    prediction network, and penalises the expected number of open gates.
    Unlike :class:`~sklspin.LSPINClassifier` (one gate vector per sample,
    from a gating network [2]_), the gate means ``mu`` are the same for every
    sample, so the model selects one set of features for the whole
    population. The estimator is also a scikit-learn feature selector:
    ``get_support``, ``transform`` and ``get_feature_names_out`` use the
    features whose learned gate is open.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(64,)
        Sizes of the hidden layers of the prediction network, each at least
        1; an int ``n`` is one hidden layer of ``n`` units. ``()`` gives
        *Linear STG* (logistic or softmax regression on the gated inputs); a
        non-empty tuple gives *Nonlinear STG*, an MLP on the gated inputs.

    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Hidden activation of the prediction network (unused when
        ``hidden_layer_sizes=()``).

    sparsity_weight : float, default=0.05
        Weight of the expected number of open gates,
        ``sum_j Phi((mu_j + 0.5) / sigma)``, added to the per-sample
        log-loss. A feature is worth its gate only if it lowers the average
        log-loss by more than about ``sparsity_weight``: raise it for
        sparser selections. Values must be in the range ``[0, inf)``. On
        :func:`~sklearn.datasets.make_moons` (``noise=0.1``) with eight
        Gaussian noise features, all standardised, and 800 training samples,
        the default, with all other parameters at their defaults, selected
        exactly the two moon features (five seeds). With few samples, a
        flexible prediction network can fit noise features well enough to
        keep their gates open at smaller weights: with 240 training samples
        and four noise features (five seeds), ``sparsity_weight=0.01`` kept
        one to four noise features, the default none.

    {sigma}

    alpha : float, default=1e-4
        Strength of the L2 penalty on the weight matrices of the prediction
        network: ``0.5 * alpha / batch_size * ||W||^2`` is added to each
        mini-batch's mean loss, as in scikit-learn's MLPs, with the nominal
        ``batch_size`` also for a smaller last batch (scikit-learn's MLPs
        divide by its own size). The gate means are not penalised. Values
        must be in the range ``[0, inf)``.

    {optimisation}

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified by
        class when every class has at least 2 samples and each part room
        for one of every class, else at random with a warning), stop on its accuracy and
        keep the best parameters among the epochs after the ramp of the
        sparsity penalty (the first 20).

    {validation_fraction}

    {adam}

    {warm_start}

    random_state : int, RandomState instance or None, default=None
        Controls the random draws of ``fit`` and ``partial_fit``: the weight
        initialisation, the mini-batch order, the gate noise and the
        early-stopping split.
        {random_state_reproducible}

    {verbose}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen during ``fit``, or the ``classes`` of the first
        ``partial_fit`` call.

    n_outputs_ : int
        Number of output units: 1 for two classes, else ``n_classes``.

    gates_ : ndarray of shape (n_features,)
        The learned global gates ``clip(mu + 0.5, 0, 1)``, the same for every
        sample. Feature ``j`` is selected when ``gates_[j] > 0``; closed
        gates are exactly zero.

    feature_importances_ : ndarray of shape (n_features,)
        Mean gate over the training samples, i.e. ``gates_`` (the summary
        that every sklspin estimator exposes, usable by
        :class:`~sklearn.feature_selection.SelectFromModel`).

    gate_open_fraction_ : ndarray of shape (n_features,)
        Fraction of training samples whose gate is open (weighted by
        ``sample_weight``): 1.0 for the selected features and 0.0 for the
        others.

    {prediction_coefs}

    gating_coefs_ : list of one ndarray of shape (0, n_features)
        The global gates are stored as LSPIN's gating network without
        inputs: this is its (empty) weight matrix.

    gating_intercepts_ : list of one ndarray of shape (n_features,)
        Output bias of that network, mapped to the gate means ``mu`` by
        LSPIN's gating output (a rescaled tanh); ``gates_ = clip(mu + 0.5, 0,
        1)``.

    {input_features}

    {loss_curve}

    {network_summary}

    {finetune_attribute}

    {training_counts}

    best_loss_ : float or None
        Lowest epoch loss of the last ``fit`` after the 20-epoch ramp of the
        sparsity penalty (the loss of the last epoch while the objective
        still ramps up, so that the stopping rule compares losses of one
        objective), or ``None`` with ``early_stopping=True``.

    validation_scores_ : list of float or None
        Accuracy on the validation split after every epoch of the last
        ``fit`` (one entry per epoch of that fit, also when ``warm_start``
        keeps counting ``n_iter_``); ``None`` unless
        ``early_stopping=True``.

    best_validation_score_ : float or None
        Score of the parameters kept by early stopping: the best validation
        score among the epochs after the sparsity ramp and the fine-tuning
        epochs (``finetune_validation_scores_``); if the fit ended inside
        the ramp, the last epoch's score unless a fine-tuning epoch scored
        higher. So unlike in scikit-learn's MLPs it
        need not be ``max(validation_scores_)``. ``None`` unless
        ``early_stopping=True``.

    See Also
    --------
    STGRegressor : The same global gates for regression.
    LSPINClassifier : Per-sample gates from a gating network.
    LLSPINClassifier : Per-sample gates with a linear prediction model.
    sklearn.feature_selection.SelectFromModel : Meta-transformer selecting
        features from an estimator's ``feature_importances_``.

    Notes
    -----
    Standardise the inputs first (for example in a
    :class:`~sklearn.pipeline.Pipeline` with
    :class:`~sklearn.preprocessing.StandardScaler`): the gates multiply the
    raw feature values. ``predict_gates(X)`` returns ``gates_`` broadcast to
    ``(n_samples, n_features)``, the same accessor as the LSPIN estimators.

    Without string column names in ``X``, ``get_feature_names_out`` and
    ``predict_gates(X, as_frame=True)`` name the columns ``x0``, ``x1``,
    ..., counted from 0 as in scikit-learn, while the paper and
    :mod:`sklspin.datasets` count features from 1: the paper's ``x1`` is
    ``x0`` there.

    References
    ----------
    .. [1] Y. Yamada, O. Lindenbaum, S. Negahban and Y. Kluger, "Feature
       Selection using Stochastic Gates", Proceedings of the 37th
       International Conference on Machine Learning (ICML), PMLR 119, 2020.
       https://arxiv.org/abs/1810.04247

    .. [2] J. Yang, O. Lindenbaum and Y. Kluger, "Locally Sparse Neural
       Networks for Tabular Biomedical Data", Proceedings of the 39th
       International Conference on Machine Learning (ICML), PMLR 162, 2022.

    Examples
    --------
    Two moons among four noise features; the default ``sparsity_weight``
    closes the noise gates:

    >>> import numpy as np
    >>> from sklearn.datasets import make_moons
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklspin import STGClassifier
    >>> X, y = make_moons(n_samples=300, noise=0.1, random_state=0)
    >>> noise = np.random.RandomState(0).standard_normal((300, 4))
    >>> X = StandardScaler().fit_transform(np.hstack([X, noise]))
    >>> stg = STGClassifier(random_state=0)
    >>> stg.fit(X, y).get_support()
    array([ True,  True, False, False, False, False])
    >>> stg.transform(X).shape
    (300, 2)
    >>> stg.predict_gates(X[:2]).round(2)
    array([[1., 1., 0., 0., 0., 0.],
           [1., 1., 0., 0., 0., 0.]])
    >>> bool(stg.score(X, y) > 0.95)
    True
    """

    @fill_doc
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one pass over the given batch of data.

        {partial_fit_summary}
        {partial_fit_schedule_stg}

        On the first call the parameters are initialised from
        ``random_state``.

        Parameters
        ----------
        {partial_fit_X}

        {partial_fit_classes}

        {partial_fit_sample_weight}

        Returns
        -------
        self : object
            The updated estimator.

        Notes
        -----
        {partial_fit_notes}
        """
        # ClassifierTask.partial_fit, whose docstring describes the
        # similarity penalty that STG does not have.
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


@fill_doc
class STGRegressor(RegressorMixin, RegressorTask, _BaseSTG):
    """Regressor with stochastic gates: embedded global feature selection.

    STG [1]_ multiplies every input feature by a gate
    ``z_j = clip(mu_j + 0.5 + sigma * eps, 0, 1)`` learned jointly with the
    prediction network, and penalises the expected number of open gates.
    Unlike :class:`~sklspin.LSPINRegressor` (one gate vector per sample,
    from a gating network [2]_), the gate means ``mu`` are the same for every
    sample, so the model selects one set of features for the whole
    population. The estimator is also a scikit-learn feature selector:
    ``get_support``, ``transform`` and ``get_feature_names_out`` use the
    features whose learned gate is open. Targets are standardised
    internally, so ``sparsity_weight`` does not depend on the scale of
    ``y``.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(64,)
        Sizes of the hidden layers of the prediction network, each at least
        1; an int ``n`` is one hidden layer of ``n`` units. ``()`` gives
        *Linear STG* (linear regression on the gated inputs); a non-empty
        tuple gives *Nonlinear STG*, an MLP on the gated inputs.

    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Hidden activation of the prediction network (unused when
        ``hidden_layer_sizes=()``).

    sparsity_weight : float, default=0.05
        Weight of the expected number of open gates,
        ``sum_j Phi((mu_j + 0.5) / sigma)``, added to the per-sample half
        squared error of the standardised targets. A feature is worth its
        gate only if it lowers the average task loss by more than about
        ``sparsity_weight``, i.e. explains more than about twice this
        fraction of the variance of ``y``: raise it for sparser selections.
        Values must be in the range ``[0, inf)``. On
        :func:`~sklspin.datasets.make_paper_e5` with 1200 training samples,
        the default, with all other parameters at their defaults, selected
        exactly the union of the informative features, columns 0-3 and 20
        (the paper's ``x1``-``x4`` and ``x21``), on five seeds, although
        ``x1`` and ``x4`` each explain only about 9 % of the variance of
        ``y`` (through one group out of three), i.e. about 0.045 of half
        squared error. With fewer samples the balance shifts: with 240
        training samples (five seeds), the default kept one to four of
        these five features and ``sparsity_weight=0.01`` all five (with
        eight of the 16 noise features on one seed, none on the others).

    {sigma}

    alpha : float, default=1e-4
        Strength of the L2 penalty on the weight matrices of the prediction
        network: ``0.5 * alpha / batch_size * ||W||^2`` is added to each
        mini-batch's mean loss, as in scikit-learn's MLPs, with the nominal
        ``batch_size`` also for a smaller last batch (scikit-learn's MLPs
        divide by its own size). The gate means are not penalised. Values
        must be in the range ``[0, inf)``.

    {optimisation}

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop on its
        coefficient of determination R^2 and keep the best parameters among
        the epochs after the ramp of the sparsity penalty (the first 20).

    {validation_fraction}

    {adam}

    {warm_start}

    random_state : int, RandomState instance or None, default=None
        Controls the random draws of ``fit`` and ``partial_fit``: the weight
        initialisation, the mini-batch order, the gate noise and the
        early-stopping split.
        {random_state_reproducible}

    {verbose}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.

    gates_ : ndarray of shape (n_features,)
        The learned global gates ``clip(mu + 0.5, 0, 1)``, the same for every
        sample. Feature ``j`` is selected when ``gates_[j] > 0``; closed
        gates are exactly zero.

    feature_importances_ : ndarray of shape (n_features,)
        Mean gate over the training samples, i.e. ``gates_`` (the summary
        that every sklspin estimator exposes, usable by
        :class:`~sklearn.feature_selection.SelectFromModel`).

    gate_open_fraction_ : ndarray of shape (n_features,)
        Fraction of training samples whose gate is open (weighted by
        ``sample_weight``): 1.0 for the selected features and 0.0 for the
        others.

    {prediction_coefs}

    gating_coefs_ : list of one ndarray of shape (0, n_features)
        The global gates are stored as LSPIN's gating network without
        inputs: this is its (empty) weight matrix.

    gating_intercepts_ : list of one ndarray of shape (n_features,)
        Output bias of that network, mapped to the gate means ``mu`` by
        LSPIN's gating output (a rescaled tanh); ``gates_ = clip(mu + 0.5, 0,
        1)``.

    {input_features}

    {loss_curve}

    {network_summary}

    {finetune_attribute}

    {training_counts}

    best_loss_ : float or None
        Lowest epoch loss of the last ``fit`` after the 20-epoch ramp of the
        sparsity penalty (the loss of the last epoch while the objective
        still ramps up, so that the stopping rule compares losses of one
        objective), or ``None`` with ``early_stopping=True``.

    validation_scores_ : list of float or None
        R^2 on the validation split after every epoch of the last
        ``fit`` (one entry per epoch of that fit, also when ``warm_start``
        keeps counting ``n_iter_``); ``None`` unless
        ``early_stopping=True``.

    best_validation_score_ : float or None
        Score of the parameters kept by early stopping: the best validation
        score among the epochs after the sparsity ramp and the fine-tuning
        epochs (``finetune_validation_scores_``); if the fit ended inside
        the ramp, the last epoch's score unless a fine-tuning epoch scored
        higher. So unlike in scikit-learn's MLPs it
        need not be ``max(validation_scores_)``. ``None`` unless
        ``early_stopping=True``.

    See Also
    --------
    STGClassifier : The same global gates for classification.
    LSPINRegressor : Per-sample gates from a gating network.
    LLSPINRegressor : Per-sample gates with a linear prediction model.
    sklearn.feature_selection.SelectFromModel : Meta-transformer selecting
        features from an estimator's ``feature_importances_``.

    Notes
    -----
    Standardise the inputs first (for example in a
    :class:`~sklearn.pipeline.Pipeline` with
    :class:`~sklearn.preprocessing.StandardScaler`): the gates multiply the
    raw feature values. ``predict_gates(X)`` returns ``gates_`` broadcast to
    ``(n_samples, n_features)``, the same accessor as the LSPIN estimators.

    Without string column names in ``X``, ``get_feature_names_out`` and
    ``predict_gates(X, as_frame=True)`` name the columns ``x0``, ``x1``,
    ..., counted from 0 as in scikit-learn, while the paper and
    :mod:`sklspin.datasets` count features from 1: the paper's ``x1`` is
    ``x0`` there.

    References
    ----------
    .. [1] Y. Yamada, O. Lindenbaum, S. Negahban and Y. Kluger, "Feature
       Selection using Stochastic Gates", Proceedings of the 37th
       International Conference on Machine Learning (ICML), PMLR 119, 2020.
       https://arxiv.org/abs/1810.04247

    .. [2] J. Yang, O. Lindenbaum and Y. Kluger, "Locally Sparse Neural
       Networks for Tabular Biomedical Data", Proceedings of the 39th
       International Conference on Machine Learning (ICML), PMLR 162, 2022.

    Examples
    --------
    A target that depends on three of eight features, two of them through
    an interaction. Even with so few samples, the default
    ``sparsity_weight`` (written out here) closes the other gates:

    >>> import numpy as np
    >>> from sklspin import STGRegressor
    >>> X = np.random.RandomState(0).standard_normal((300, 8))
    >>> y = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2])
    >>> stg = STGRegressor(sparsity_weight=0.05, random_state=0)
    >>> stg.fit(X, y).get_support(indices=True)
    array([0, 1, 2])
    >>> stg.get_feature_names_out()
    array(['x0', 'x1', 'x2'], dtype=object)
    >>> bool(stg.score(X, y) > 0.9)
    True
    """

    @fill_doc
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one pass over the given batch of data.

        {partial_fit_summary}
        {partial_fit_schedule_stg}

        {partial_fit_first_call_regressor}

        Parameters
        ----------
        {partial_fit_X}

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets of the batch.

        {partial_fit_sample_weight}

        Returns
        -------
        self : object
            The updated estimator.

        Notes
        -----
        {partial_fit_notes}
        """
        # RegressorTask.partial_fit, whose docstring describes the
        # similarity penalty that STG does not have.
        return super().partial_fit(X, y, sample_weight=sample_weight)
