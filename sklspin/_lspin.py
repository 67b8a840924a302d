"""Public LSPIN and LLSPIN estimators: thin subclasses of the shared base."""

from sklearn.base import ClassifierMixin, RegressorMixin

from ._base import BaseLSPIN, ClassifierTask, RegressorTask


class _LSPINFamily(BaseLSPIN):
    """Hyper-parameters of the estimators with an MLP prediction network."""

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="relu",
        *,
        gating_hidden_layer_sizes=(64,),
        sparsity_weight=0.05,
        similarity_weight=1.0,
        sigma=0.5,
        n_neighbors=10,
        affinity_bandwidth="median",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=500,
        tol=1e-4,
        n_iter_no_change=20,
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
        self.sparsity_weight = sparsity_weight
        self.similarity_weight = similarity_weight
        self.sigma = sigma
        self.n_neighbors = n_neighbors
        self.affinity_bandwidth = affinity_bandwidth
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
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


class _LLSPINFamily(BaseLSPIN):
    """Hyper-parameters of the estimators with a linear prediction network."""

    _parameter_constraints = {
        key: value
        for key, value in BaseLSPIN._parameter_constraints.items()
        if key not in ("hidden_layer_sizes", "activation")
    }

    def __init__(
        self,
        *,
        gating_hidden_layer_sizes=(64,),
        sparsity_weight=0.05,
        similarity_weight=1.0,
        sigma=0.5,
        n_neighbors=10,
        affinity_bandwidth="median",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=500,
        tol=1e-4,
        n_iter_no_change=20,
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
        self.sparsity_weight = sparsity_weight
        self.similarity_weight = similarity_weight
        self.sigma = sigma
        self.n_neighbors = n_neighbors
        self.affinity_bandwidth = affinity_bandwidth
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
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


class LSPINClassifier(ClassifierMixin, ClassifierTask, _LSPINFamily):
    pass


class LSPINRegressor(RegressorMixin, RegressorTask, _LSPINFamily):
    pass


class LLSPINClassifier(ClassifierMixin, ClassifierTask, _LLSPINFamily):
    pass


class LLSPINRegressor(RegressorMixin, RegressorTask, _LLSPINFamily):
    pass
