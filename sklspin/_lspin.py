"""Public LSPIN and LLSPIN estimators: thin subclasses of the shared base."""

from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context

from ._base import BaseLSPIN
from ._docs import fill_doc
from ._gating import _LINEAR_HIDDEN_RATE_FLOOR
from ._tasks import ClassifierTask, RegressorTask


class _LocallySparse(BaseLSPIN):
    """What LSPIN and LLSPIN share beyond the base: ``fit`` with ``groups``,
    and the hidden-layer rate floor of a linear gating network."""

    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def fit(self, X, y, sample_weight=None, groups=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        {fit_data}
            They take no part in the gate-similarity affinity either.
        groups : array-like of shape (n_samples,), default=None
            Known sub-population of each sample (cohort, tissue, subtype;
            any labels), when there is one: the gate-similarity penalty
            then links each sample only to its nearest neighbours *within
            its group*, so that the gates of different groups are free to
            differ while those of one group are pulled together - the
            supervised affinity of the LSPIN paper's experiments, kept
            sparse. ``None`` (default) links nearest neighbours in the whole
            training set. Groups of at most ``n_neighbors`` samples get
            fewer neighbours (with a warning). Has no effect when
            ``similarity_weight=0`` (warning). Not needed at prediction
            time; :meth:`partial_fit` takes no ``groups`` (it links
            nearest neighbours within each batch). In a
            :class:`~sklearn.pipeline.Pipeline`, without metadata routing
            (scikit-learn's default), pass it as ``<step name>__groups``,
            also through a search's ``fit`` or ``cross_validate``'s
            ``params``; with routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``), call
            ``set_fit_request(groups=True)`` on the estimator and pass
            ``groups=`` to the pipeline or search instead (the
            ``<step name>__groups`` form then raises a ``TypeError``). See
            :ref:`known-groups`.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, groups)

    def _gating_hidden_rate_floor(self):
        linear = self.gating_activation == "identity"
        return _LINEAR_HIDDEN_RATE_FLOOR if linear else 0.0


class _LSPINFamily(_LocallySparse):
    """Hyper-parameters of the estimators with an MLP prediction network."""

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="relu",
        *,
        gating_hidden_layer_sizes="auto",
        gating_activation="identity",
        sparsity_weight=0.05,
        similarity_weight=0.03,
        similarity_schedule="anneal",
        sigma=0.5,
        n_neighbors=10,
        affinity_bandwidth="median",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=0.01,
        max_iter=500,
        finetune_iter=10,
        tol=1e-5,
        n_iter_no_change=50,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        warm_start=False,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.gating_hidden_layer_sizes = gating_hidden_layer_sizes
        self.gating_activation = gating_activation
        self.sparsity_weight = sparsity_weight
        self.similarity_weight = similarity_weight
        self.similarity_schedule = similarity_schedule
        self.sigma = sigma
        self.n_neighbors = n_neighbors
        self.affinity_bandwidth = affinity_bandwidth
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


class _LLSPINFamily(_LocallySparse):
    """Hyper-parameters of the estimators with a linear prediction network."""

    _parameter_constraints = {
        key: value
        for key, value in BaseLSPIN._parameter_constraints.items()
        if key not in ("hidden_layer_sizes", "activation")
    }

    # With a linear predictor a gate's task gradient is w_j * x_j * residual:
    # while a coefficient w_j still has the wrong sign it pushes that
    # feature's gate shut, and a shut gate then starves w_j of gradient. With
    # random initial coefficients (Glorot, up to +-1 for a few features) and
    # a gating network as fast as the predictor, true features were locked
    # out this way on the paper's two-group linear regression (1,000 rows,
    # validation parts of 6 seeds: per-sample F1 0.63, 0.31 at worst). Zero
    # initial coefficients (BaseLSPIN._initialise_parameters, for every
    # linear prediction network) and gating weights learning at 0.3 times
    # their rate give F1 1.000 on all six (0.88 and 0.97 at 500 and 2,000
    # rows, against 0.48 and 0.46). Either change alone gave 0.75 or 0.78.
    # See doc/user_guide.rst, "llspin-start".
    _gating_weight_rate_factor = 0.3

    def __init__(
        self,
        *,
        gating_hidden_layer_sizes="auto",
        gating_activation="tanh",
        sparsity_weight=0.01,
        similarity_weight=0.1,
        similarity_schedule="anneal",
        sigma=0.5,
        n_neighbors=10,
        affinity_bandwidth="median",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=0.01,
        max_iter=500,
        finetune_iter=10,
        tol=1e-5,
        n_iter_no_change=50,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        warm_start=False,
        random_state=None,
        verbose=False,
    ):
        self.gating_hidden_layer_sizes = gating_hidden_layer_sizes
        self.gating_activation = gating_activation
        self.sparsity_weight = sparsity_weight
        self.similarity_weight = similarity_weight
        self.similarity_schedule = similarity_schedule
        self.sigma = sigma
        self.n_neighbors = n_neighbors
        self.affinity_bandwidth = affinity_bandwidth
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

    def _prediction_hidden_sizes(self):
        return ()

    def _prediction_activation(self):
        return "identity"


@fill_doc
class LSPINClassifier(ClassifierMixin, ClassifierTask, _LSPINFamily):
    """Locally sparse network classifier (LSPIN).

    A gating network gives every sample ``x`` its own sparse gate vector
    ``z(x)`` in ``[0, 1]^n_features``; a multi-layer perceptron classifies
    the gated input ``x * z(x)``. Training minimises the log-loss plus an
    expected-L0 penalty on the stochastic gates (``sparsity_weight``) and a
    penalty that makes the gates of nearby samples agree
    (``similarity_weight``, over a k-nearest-neighbour Gaussian affinity).
    The result is a per-sample feature selection: :meth:`predict_gates`
    tells which features each prediction uses.

    Standardise the inputs first (e.g. in a :class:`~sklearn.pipeline.Pipeline`
    with :class:`~sklearn.preprocessing.StandardScaler`): a closed gate sets
    a feature to zero, which should mean "at its average".

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {prediction_network}

    {gating}

    {training}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen during ``fit``, or the ``classes`` of the first
        ``partial_fit`` call.

    n_outputs_ : int
        Number of output units: 1 for two classes, else ``n_classes``.

    {attributes}

    See Also
    --------
    LLSPINClassifier : The same model with a linear (softmax) predictor.
    LSPINRegressor : The regression counterpart.
    STGClassifier : One set of features for all samples (global gates).
    sklearn.neural_network.MLPClassifier : A network without gates.

    References
    ----------
    .. [1] J. Yang, O. Lindenbaum and Y. Kluger, "Locally Sparse Neural
       Networks for Tabular Biomedical Data", Proceedings of the 39th
       International Conference on Machine Learning (ICML), PMLR 162, 2022.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklspin import LSPINClassifier
    >>> from sklspin.datasets import make_two_group_classification
    >>> X, y, mask, groups = make_two_group_classification(
    ...     n_samples=300, random_state=0)
    >>> model = make_pipeline(
    ...     StandardScaler(), LSPINClassifier(random_state=0))
    >>> bool(model.fit(X, y).score(X, y) > 0.9)
    True
    >>> gates = model[-1].predict_gates(model[0].transform(X))
    >>> gates.shape
    (300, 5)
    """


@fill_doc
class LSPINRegressor(RegressorMixin, RegressorTask, _LSPINFamily):
    """Locally sparse network regressor (LSPIN).

    A gating network gives every sample ``x`` its own sparse gate vector
    ``z(x)``; a multi-layer perceptron predicts the target from the gated
    input ``x * z(x)``. Training minimises the half squared error on
    internally standardised targets plus an expected-L0 penalty on the
    stochastic gates and a gate-similarity penalty over a kNN affinity.
    Single- and multi-output targets are supported.

    Standardise the inputs first (e.g. with
    :class:`~sklearn.preprocessing.StandardScaler` in a pipeline).

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {prediction_network}

    {gating}

    {training}

    Attributes
    ----------
    n_outputs_ : int
        Number of target columns.

    {attributes}

    See Also
    --------
    LLSPINRegressor : The same model with a linear predictor.
    LSPINClassifier : The classification counterpart.
    STGRegressor : One set of features for all samples (global gates).
    sklearn.neural_network.MLPRegressor : A network without gates.

    References
    ----------
    .. [1] J. Yang, O. Lindenbaum and Y. Kluger, "Locally Sparse Neural
       Networks for Tabular Biomedical Data", ICML 2022.

    Examples
    --------
    >>> from sklspin import LSPINRegressor
    >>> from sklspin.datasets import make_two_group_linear
    >>> X, y, mask, groups = make_two_group_linear(n_samples=300, random_state=0)
    >>> model = LSPINRegressor(random_state=0).fit(X, y)
    >>> model.predict(X[:3]).shape
    (3,)
    >>> model.predict_gates(X[:3]).shape
    (3, 5)

    Each sample's open gates against its group's true features:

    >>> from sklspin.metrics import feature_selection_f1
    >>> bool(feature_selection_f1(mask, model.predict_gates(X) > 0) > 0.95)
    True
    """


@fill_doc
class LLSPINClassifier(ClassifierMixin, ClassifierTask, _LLSPINFamily):
    """Linear locally sparse classifier (LLSPIN).

    Logistic (binary) or softmax (multi-class) regression on the gated
    input ``x * z(x)``, where a gating network gives every sample its own
    sparse gate vector ``z(x)``. Each sample thus gets its own sparse linear
    model, whose coefficients are the predictor's weights masked by the
    sample's gates. Training is as for :class:`LSPINClassifier`, except
    that the coefficients start at zero and the gating network's weight
    matrices learn at 0.3 times the rate, so that early wrong-signed
    coefficients cannot shut the gates of features they will need (see
    :ref:`llspin-start`).

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {gating}

    {training}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen during ``fit``, or the ``classes`` of the first
        ``partial_fit`` call.

    n_outputs_ : int
        Number of output units: 1 for two classes, else ``n_classes``.

    {attributes}

    See Also
    --------
    LSPINClassifier : The same model with an MLP predictor.
    LLSPINRegressor : The regression counterpart.
    STGClassifier : One set of features for all samples; with
        ``hidden_layer_sizes=()``, one sparse linear model.
    sklearn.linear_model.LogisticRegression : One global linear model.

    References
    ----------
    .. [1] J. Yang, O. Lindenbaum and Y. Kluger, "Locally Sparse Neural
       Networks for Tabular Biomedical Data", ICML 2022.

    Examples
    --------
    >>> from sklspin import LLSPINClassifier
    >>> from sklspin.datasets import make_two_group_classification
    >>> X, y, mask, groups = make_two_group_classification(
    ...     n_samples=300, random_state=0)
    >>> model = LLSPINClassifier(random_state=0).fit(X, y)
    >>> model.predict_proba(X[:2]).shape
    (2, 2)
    """


@fill_doc
class LLSPINRegressor(RegressorMixin, RegressorTask, _LLSPINFamily):
    """Linear locally sparse regressor (LLSPIN).

    Linear regression on the gated input ``x * z(x)``, where a gating
    network gives every sample its own sparse gate vector ``z(x)``: every
    sample gets its own sparse linear model. Training is as for
    :class:`LSPINRegressor`, except that the coefficients start at zero and
    the gating network's weight matrices learn at 0.3 times the rate, so
    that early wrong-signed coefficients cannot shut the gates of features
    they will need (see :ref:`llspin-start`).

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {gating}

    {training}

    Attributes
    ----------
    n_outputs_ : int
        Number of target columns.

    {attributes}

    See Also
    --------
    LSPINRegressor : The same model with an MLP predictor.
    LLSPINClassifier : The classification counterpart.
    STGRegressor : One set of features for all samples; with
        ``hidden_layer_sizes=()``, one sparse linear model.
    sklearn.linear_model.Lasso : One global sparse linear model.

    References
    ----------
    .. [1] J. Yang, O. Lindenbaum and Y. Kluger, "Locally Sparse Neural
       Networks for Tabular Biomedical Data", ICML 2022.

    Examples
    --------
    >>> from sklspin import LLSPINRegressor
    >>> from sklspin.datasets import make_two_group_linear
    >>> X, y, mask, groups = make_two_group_linear(n_samples=300, random_state=0)
    >>> model = LLSPINRegressor(random_state=0).fit(X, y)
    >>> model.feature_importances_.shape
    (5,)
    >>> from sklspin.metrics import feature_selection_f1
    >>> bool(feature_selection_f1(mask, model.predict_gates(X) > 0) > 0.95)
    True
    """
