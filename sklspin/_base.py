"""The shared base estimator: the fit loop, early stopping and gates API.

Public estimators are thin subclasses that fix the prediction network
(linear for LLSPIN, an MLP for LSPIN) and mix in the task (classification
or regression, :mod:`sklspin._tasks`). This module holds what they share:
the parameters and their constraints, the schedules of the two penalties,
the epochs of ``fit`` and ``partial_fit`` with early stopping and the
fine-tuning of the prediction network, and the gates API. It builds on
:mod:`sklspin._input_checks` (inputs), :mod:`sklspin._affinity` (the
neighbour sampler), :mod:`sklspin._losses` (the objective),
:mod:`sklspin._training` (one epoch of mini-batch steps) and
:mod:`sklspin._optim` (Adam).
"""

import time
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._affinity import NeighbourSampler, effective_n_neighbors, knn_gaussian_affinity
from ._docs import fill_doc
from ._gates import gate_values
from ._gating import (
    _GATING_OUTPUT_SCALE,
    auto_gating_hidden_sizes,
    gating_rate_multipliers,
    initial_gate_bias,
    lspin_gate_means,
)
from ._input_checks import (
    check_validation_size,
    layer_sizes,
    normalised_sample_weight,
    rescaled_to_mean_one,
    validated_groups,
    warn_if_far_from_unit_scale,
    without_zero_weight_rows,
)
from ._losses import (
    Batch,
    ObjectiveSpec,
    PredictorSpec,
    objective,
    predictor_objective,
)
from ._neighbors import uses_approximate_search
from ._networks import init_mlp, mlp_forward
from ._optim import AdamOptimizer
from ._threads import one_blas_thread
from ._training import TrainingData, run_epoch
from ._warnings import warn_user

# fit() ends with finetune_iter epochs that train the prediction network
# alone, with a fresh Adam at this fraction of learning_rate_init, on the
# noise-free gates that predict uses (the gating network frozen). The main
# training feeds the predictor noisy gates, so it learns a function of
# randomly shrunk inputs and is then used on inputs that are never shrunk.
# Measured on the validation parts of E1-E5 (seeds 10-16), 10 epochs at
# 0.1 x the rate: E5's MSE 0.0021 -> 1.4e-7, E4's accuracy 92.2 -> 93.9 %,
# E1-E3 up by 0.09 to 0.33 points, F1 unchanged; the two-group linear
# regression's MSE 0.0039 -> 0.0009 (LLSPIN 0.0113 -> 0.0007). The full
# rate overshot (E5 MSE 1.5e-3 after 50 epochs); more epochs over-fitted
# small noisy data sets (diabetes, 5-fold R^2 -0.007 after 10 epochs,
# -0.016 after 20).
_FINETUNE_RATE_FACTOR = 0.1
# similarity_schedule="anneal": the similarity penalty has its full weight
# for the first _SIMILARITY_FULL_EPOCHS epochs and this fraction of it after.
# Early on, input-space neighbours stop the gating network from encoding the
# label (closing every gate for one class) before the predictor has learnt
# which features matter; later they only blur the gates of sub-populations
# that input-space neighbourhoods straddle. Chosen on validation data of the
# paper's E1-E5 and the two-group problem (doc/user_guide.rst).
_SIMILARITY_FULL_EPOCHS = 30
_SIMILARITY_ANNEALED_FRACTION = 0.1
# Gates and predictions of many rows are computed in blocks of rows whose
# widest temporary array (X, the gates, a hidden layer) takes about this many
# bytes: all rows at once took several times the memory of X (1e6 x 50:
# 1.26 GB for predict_proba).
_BLOCK_BYTES = 2**23
# Training runs in the input's dtype when it is float32 (as scikit-learn's
# MLPs do) and in float64 otherwise; fitted parameters keep that dtype, and
# predictions are computed in float64 either way.
_TRAINING_DTYPES = (np.float64, np.float32)


class BaseLSPIN(BaseEstimator, metaclass=ABCMeta):
    """Base class for locally sparse networks. Not for direct use."""

    # The sparsity penalty is ramped up linearly over the first epochs: gates of
    # features whose use the predictor learns slowly (products, radial functions,
    # the variable that only switches between sub-populations) would otherwise close
    # before their usefulness shows, and a closed gate rarely reopens. On the
    # validation parts of the paper's E1-E5 (7 seeds) a ramp of 100 instead of 20
    # epochs raised LSPIN's mean feature F1 from 0.861 to 0.911 (E1 0.83 -> 0.93:
    # the group variable x11 is now kept) and LLSPIN's from 0.544 to 0.580. The
    # price: on small, noisy data the predictor has longer to fit noise with weakly
    # useful features (diabetes, 442 rows, 5-fold R^2 0.35 -> 0.27).
    # Subclasses may set their own length (STG keeps 20, see _stg.py).
    _sparsity_warmup_epochs = 100
    # Extra factor on the gating network's weight-matrix learning rates (on top
    # of gating_rate_multipliers' 1 / sqrt(fan_in)). LLSPIN sets its own
    # (_lspin.py).
    _gating_weight_rate_factor = 1.0

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "gating_hidden_layer_sizes": [
            StrOptions({"auto"}),
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "gating_activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "sparsity_weight": [Interval(Real, 0, None, closed="left")],
        "similarity_weight": [Interval(Real, 0, None, closed="left")],
        "similarity_schedule": [StrOptions({"anneal", "constant"})],
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "affinity_bandwidth": [
            StrOptions({"median", "self-tuning"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "finetune_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    @abstractmethod
    def __init__(self):
        pass

    # ------------------------------------------------------------------
    # Hooks that subclasses override
    # ------------------------------------------------------------------
    def _prediction_hidden_sizes(self):
        """Hidden layer sizes of the prediction network."""
        return layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")

    def _prediction_activation(self):
        return self.activation

    def _gating_hidden_sizes(self, n_features):
        """Hidden layer sizes of the gating network for ``n_features`` inputs."""
        if isinstance(self.gating_hidden_layer_sizes, str):  # "auto"
            return auto_gating_hidden_sizes(
                n_features, linear=self.gating_activation == "identity"
            )
        return layer_sizes(self.gating_hidden_layer_sizes, "gating_hidden_layer_sizes")

    def _init_gate_params(self, n_features, rng):
        """Parameters of the gating model, as a list of arrays."""
        sizes = self._gating_hidden_sizes(n_features)
        params = init_mlp(
            (n_features, *sizes, n_features),
            rng,
            activation=self.gating_activation,
            output_scale=_GATING_OUTPUT_SCALE,
        )
        params[-1] += initial_gate_bias()
        return params

    def _gate_means(self, gate_params, X):
        return lspin_gate_means(gate_params, X, self.gating_activation)

    def _gating_hidden_rate_floor(self):
        """Least rate factor of the gating network's hidden layers.

        0.0 here, no floor (STG's global gates have no hidden layer); the
        locally sparse estimators set it from their ``gating_activation``.
        """
        return 0.0

    def _similarity_weight(self):
        return self.similarity_weight

    def _in_sparsity_ramp(self):
        """Whether the coming epoch still trains against a ramped-down penalty."""
        return self.n_iter_ < self._sparsity_warmup_epochs

    def _similarity_fraction(self):
        """Fraction of ``similarity_weight`` used in the coming epoch."""
        if (
            self.similarity_schedule == "anneal"
            and self.n_iter_ >= _SIMILARITY_FULL_EPOCHS
        ):
            return _SIMILARITY_ANNEALED_FRACTION
        return 1.0

    @abstractmethod
    def _encode_targets(self, y, first_pass, sample_weight=None, rescale=False):
        """Validate ``y`` and return it encoded for the task loss.

        ``sample_weight``: the validated weights when the caller gave some,
        ``None`` when the caller gave none. ``rescale``: estimate a scaling
        of numeric targets anew even when not ``first_pass``.
        """

    def _batch_targets(self, targets, dtype):
        """The task loss's targets for a batch's rows of the encoded
        targets (the classifiers one-hot encode class codes here)."""
        return targets

    @abstractmethod
    def _task_loss_name(self):
        """Key of :data:`sklspin._losses.TASK_LOSSES`."""

    @abstractmethod
    def _n_outputs_for_network(self):
        """Width of the prediction network's output layer."""

    @abstractmethod
    def _validation_score(self, X, y, sample_weight):
        """Score on held-out encoded targets; higher is better."""

    @abstractmethod
    def _split_stratify(self, y):
        """Labels to stratify the early-stopping split on, or None, given
        the validated (not encoded) targets."""

    # ------------------------------------------------------------------
    # Parameter packing
    # ------------------------------------------------------------------
    def _params(self):
        """Current parameters as the flat list the objective expects."""
        params = []
        for coefs, intercepts in (
            (self.gating_coefs_, self.gating_intercepts_),
            (self.coefs_, self.intercepts_),
        ):
            for W, b in zip(coefs, intercepts):
                params.extend([W, b])
        return params

    def _set_params_from_list(self, params, n_gate_params):
        gate, pred = params[:n_gate_params], params[n_gate_params:]
        self.gating_coefs_ = list(gate[0::2])
        self.gating_intercepts_ = list(gate[1::2])
        self.coefs_ = list(pred[0::2])
        self.intercepts_ = list(pred[1::2])

    # ------------------------------------------------------------------
    # Forward passes in plain NumPy
    # ------------------------------------------------------------------
    def _gates_of(self, X):
        gate_params = []
        for W, b in zip(self.gating_coefs_, self.gating_intercepts_):
            gate_params.extend([W, b])
        with one_blas_thread():
            mu = self._gate_means(gate_params, X)
        return np.broadcast_to(gate_values(mu), X.shape)

    def _row_blocks(self, X):
        """Slices of consecutive rows of ``X`` whose widest temporary (in
        float64) takes about ``_BLOCK_BYTES``."""
        layers = self.coefs_ + self.gating_coefs_
        widest = max([X.shape[1]] + [W.shape[1] for W in layers])
        step = max(64, _BLOCK_BYTES // (8 * widest))
        for start in range(0, X.shape[0], step):
            yield slice(start, start + step)

    def _raw_output(self, X, dtype=None):
        """The prediction network's output for ``X``, block by block; each
        block is first cast to ``dtype`` if given (prediction: float64)."""
        pred_params = []
        for W, b in zip(self.coefs_, self.intercepts_):
            pred_params.extend([W, b])
        activation = self._prediction_activation()
        outputs = []
        for block in self._row_blocks(X):
            rows = X[block] if dtype is None else X[block].astype(dtype, copy=False)
            gates = self._gates_of(rows)
            with one_blas_thread():
                outputs.append(mlp_forward(pred_params, rows * gates, activation))
        return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)

    # ------------------------------------------------------------------
    # Fitting
    # ------------------------------------------------------------------
    # Numeric, possibly 2-D targets (the regressors' RegressorTask sets it).
    _numeric_targets = False

    def _validate_fit_input(self, X, y, first_pass):
        X, y = validate_data(
            self,
            X,
            y,
            reset=first_pass,
            dtype=_TRAINING_DTYPES,
            multi_output=self._numeric_targets,
            y_numeric=self._numeric_targets,
        )
        return X, y

    def _validate_groups(self, groups, X):
        """``groups`` as a 1-D array of one label per row of ``X``, or None."""
        return validated_groups(groups, X, self._similarity_weight())

    def _targets_and_weights(
        self, X, y, sample_weight, reset_targets, rescale_targets=False
    ):
        """``y`` encoded for the task loss (in ``X``'s dtype) and the sample
        weights scaled to mean one; the targets' scaling uses the weights
        when the caller gave some. ``rescale_targets``: estimate the
        regressors' target scaling anew even when the targets are not reset
        (a warm-started ``fit``)."""
        weights = normalised_sample_weight(sample_weight, X)
        given = None if sample_weight is None else weights
        y_encoded = self._encode_targets(y, reset_targets, given, rescale_targets)
        if y_encoded.dtype.kind == "f":  # integer class codes stay integers
            y_encoded = y_encoded.astype(X.dtype, copy=False)
        return y_encoded, weights

    def _fit_arrays(
        self,
        X,
        y,
        sample_weight,
        groups,
        first_pass,
        reset_targets,
        rescale_targets=False,
    ):
        """The validated training arrays of ``fit`` or ``partial_fit``:
        ``X``, ``y`` (as given and encoded; ``reset_targets`` and
        ``rescale_targets`` as in :meth:`_targets_and_weights`), the weights
        (mean one) and ``groups`` (or None).

        Rows of weight 0 are dropped here, before anything else looks at the
        rows (the early-stopping split, the affinity, the gate summaries), so
        that a fit with them is the fit without them. Only ``classes_`` and
        the targets' scaling (to which they add nothing) see them.
        """
        X, y = self._validate_fit_input(X, y, first_pass)
        y_encoded, weights = self._targets_and_weights(
            X, y, sample_weight, reset_targets, rescale_targets
        )
        groups = self._validate_groups(groups, X)
        return without_zero_weight_rows(weights, X, y, y_encoded, groups)

    # Private attributes that fit and partial_fit set next to the public
    # fitted ones (those end with "_").
    _PRIVATE_FITTED_STATE = (
        "_no_improvement_count",
        "_training_state",
        "_y_is_1d",
        "_y_mean",
        "_y_scale",
    )

    def __sklearn_is_fitted__(self):
        # gate_open_fraction_ is set last, when a fit or partial_fit has
        # trained; a fit that raised before leaves the estimator unfitted.
        return hasattr(self, "gate_open_fraction_")

    def _forget_fitted_state(self):
        """Remove the fitted attributes and private training state.

        Run before a fit from scratch and again if it raises (a single
        class, an early-stopping split that cannot be made, divergence), so
        that the estimator is then unfitted rather than the previous model
        with the new data's ``classes_`` or ``n_features_in_``. Parameters,
        output configuration and metadata requests are kept.
        """
        for name in list(vars(self)):
            public_fitted = name.endswith("_") and not name.startswith("_")
            if public_fitted or name in self._PRIVATE_FITTED_STATE:
                delattr(self, name)

    def _check_fitted_architecture(self, how, remedy):
        """Refuse to continue training after the layer sizes were changed.

        ``how`` names the way training continues and ``remedy`` the way to
        start afresh, for the message.
        """
        fitted = {
            "prediction": tuple(W.shape[1] for W in self.coefs_[:-1]),
            "gating": tuple(W.shape[1] for W in self.gating_coefs_[:-1]),
        }
        wanted = {
            "prediction": self._prediction_hidden_sizes(),
            "gating": self._gating_hidden_sizes(self.n_features_in_),
        }
        for network in ("prediction", "gating"):
            if fitted[network] != wanted[network]:
                auto = network == "gating" and isinstance(
                    self.gating_hidden_layer_sizes, str
                )
                why = (
                    " (gating_hidden_layer_sizes='auto' chooses them from "
                    "gating_activation and the number of features)"
                    if auto
                    else ""
                )
                raise ValueError(
                    f"The parameters ask for hidden layers {wanted[network]} "
                    f"in the {network} network{why}, but the fitted one has "
                    f"{fitted[network]}; {how} continues from the fitted "
                    f"parameters. {remedy} to train the new layers from scratch."
                )

    def _fit(self, X, y, sample_weight=None, groups=None):
        first_pass = not (self.warm_start and self.__sklearn_is_fitted__())
        if not first_pass:
            self._check_fitted_architecture(
                "fit with warm_start=True",
                "Set warm_start=False (or clone the estimator)",
            )
            return self._train(X, y, sample_weight, groups, first_pass)
        self._forget_fitted_state()
        with self._unfitted_if_it_fails(from_scratch=True):
            return self._train(X, y, sample_weight, groups, first_pass)

    @contextmanager
    def _unfitted_if_it_fails(self, from_scratch):
        """Forget the fitted state when training ``from_scratch`` raises.

        Nothing of a fit or first ``partial_fit`` that raised is kept
        (``classes_``, ``n_features_in_``, half-trained parameters), so that
        a corrected retry starts afresh. A fitted model that fails to train
        further (``warm_start``, later ``partial_fit`` calls) is kept.
        """
        try:
            yield
        except Exception:
            if from_scratch:
                self._forget_fitted_state()
            raise

    def _train(self, X, y, sample_weight, groups, first_pass):
        """The body of ``fit``: from scratch or, with ``first_pass=False``,
        from the fitted parameters (``warm_start``)."""
        weighted = sample_weight is not None
        sample_weight, X, y, y_encoded, groups = self._fit_arrays(
            X, y, sample_weight, groups, first_pass, first_pass, rescale_targets=True
        )
        warn_if_far_from_unit_scale(X)

        rng = check_random_state(self.random_state)
        n_samples, n_features = X.shape

        if self.early_stopping:
            check_validation_size(self.validation_fraction, n_samples, weighted)
            arrays = [X, y_encoded, sample_weight]
            if groups is not None:
                arrays.append(groups)
            parts = train_test_split(
                *arrays,
                test_size=self.validation_fraction,
                random_state=rng,
                stratify=self._split_stratify(y),
            )
            X_train, X_val, y_train, y_val, w_train, w_val = parts[:6]
            groups = parts[6] if groups is not None else None
            w_train = rescaled_to_mean_one(w_train)
        else:
            X_train, y_train, w_train = X, y_encoded, sample_weight
            X_val = y_val = w_val = None

        if first_pass:
            self._initialise_parameters(n_features, rng)
        data = self._training_data(X_train, y_train, w_train, rng, groups)
        params = [p.astype(X.dtype) for p in self._params()]
        # A new fit (warm-started or not) starts a fresh Adam, as
        # scikit-learn's MLPs do; only partial_fit continues the saved state.
        optimizer = self._make_optimizer(params)

        self._no_improvement_count = 0
        # Per fit, also with warm_start (whose epochs continue the ramp).
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        best_params = None

        converged = False
        for _ in range(self.max_iter):
            epoch_start = time.perf_counter()
            in_warmup = self._in_sparsity_ramp()
            epoch_loss = self._train_one_epoch(data, params, optimizer, rng)

            message = f"Iteration {self.n_iter_}, loss = {epoch_loss:.8f}"
            if self.early_stopping:
                score = self._validation_score(X_val, y_val, w_val)
                self.validation_scores_.append(float(score))
                message += f", validation score = {score:.6f}"
            if in_warmup:
                # The objective changes while the penalty ramps up, and the
                # gates of these epochs are not sparse yet: neither stopping
                # rule counts them, and early stopping never keeps them.
                self._no_improvement_count = 0
                if not self.early_stopping:
                    self.best_loss_ = float(epoch_loss)
            elif self.early_stopping:
                if score < self.best_validation_score_ + self.tol:
                    self._no_improvement_count += 1
                else:
                    self._no_improvement_count = 0
                if score > self.best_validation_score_:
                    self.best_validation_score_ = float(score)
                    best_params = [p.copy() for p in params]
            else:
                if epoch_loss > self.best_loss_ - self.tol:
                    self._no_improvement_count += 1
                else:
                    self._no_improvement_count = 0
                if epoch_loss < self.best_loss_:
                    self.best_loss_ = float(epoch_loss)
            if self.verbose:
                elapsed = time.perf_counter() - epoch_start
                print(f"{message} ({elapsed:.3f} s)")

            if self._no_improvement_count > self.n_iter_no_change:
                if self.verbose:
                    criterion = "Validation score" if self.early_stopping else "Loss"
                    print(
                        f"{criterion} did not improve more than tol={self.tol} for "
                        f"{self.n_iter_no_change} consecutive epochs. Stopping."
                    )
                converged = True
                break

        if not converged:
            warn_user(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        if self.early_stopping:
            self.best_loss_ = None
            if best_params is not None:
                self._set_params_from_list(best_params, data.n_gate_params)
            else:  # the fit ended inside the ramp: keep the last parameters
                self.best_validation_score_ = self.validation_scores_[-1]
        validation = (X_val, y_val, w_val) if self.early_stopping else None
        self._finetune_predictor(data, rng, validation)
        # Kept so that partial_fit can continue where fit stopped (as
        # scikit-learn's MLPs continue their optimizer).
        self._save_training_state(optimizer, rng, data.search_seed)

        self._set_network_summary()
        self._summarise_gates(X, sample_weight)
        return self

    def _partial_fit(self, X, y, sample_weight, reset_targets):
        """One pass over ``(X, y)`` that continues the previous training.

        Shared by the classifiers' and regressors' ``partial_fit``; the
        epoch itself is :meth:`_train_one_epoch`, the same as in ``fit``.
        """
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: a held-out "
                "split of each streamed batch is not a validation set. Set "
                "early_stopping=False, or monitor a validation set of your own "
                "between calls."
            )
        first_pass = not self.__sklearn_is_fitted__()
        if not first_pass:
            self._check_fitted_architecture(
                "partial_fit", "Call fit with warm_start=False (or clone the estimator)"
            )
        sample_weight, X, y, y_encoded, _ = self._fit_arrays(
            X, y, sample_weight, None, first_pass, reset_targets
        )
        # Warnings about the data are given once, on the first call: a
        # stream of batches would repeat them on every call.
        if first_pass:
            warn_if_far_from_unit_scale(X)

        state = None if first_pass else getattr(self, "_training_state", None)
        if state is None:
            rng = check_random_state(self.random_state)
        else:
            rng = state["rng"]
        if first_pass:
            self._initialise_parameters(X.shape[1], rng)
        data = self._training_data(
            X,
            y_encoded,
            sample_weight,
            rng,
            warn_on_size=first_pass,
            search_seed=None if state is None else state.get("search_seed"),
        )
        params = [p.astype(X.dtype) for p in self._params()]
        optimizer = self._make_optimizer(params, state)

        epoch_start = time.perf_counter()
        in_warmup = self._in_sparsity_ramp()
        epoch_loss = self._train_one_epoch(data, params, optimizer, rng)
        if in_warmup or getattr(self, "best_loss_", None) is None:
            # As in fit: the objective changes while the penalty ramps up.
            self.best_loss_ = float(epoch_loss)
        else:
            self.best_loss_ = min(self.best_loss_, float(epoch_loss))
        self.validation_scores_ = None
        self.best_validation_score_ = None
        # The prediction network has trained on noisy gates again.
        self.finetune_loss_curve_ = []
        self.finetune_validation_scores_ = None
        if self.verbose:
            elapsed = time.perf_counter() - epoch_start
            message = f"Iteration {self.n_iter_}, loss = {epoch_loss:.8f}"
            print(f"{message} ({elapsed:.3f} s)")
        self._save_training_state(optimizer, rng, data.search_seed)
        self._set_network_summary()
        self._summarise_gates(X, sample_weight)
        return self

    def _initialise_parameters(self, n_features, rng):
        """Draw fresh parameters of both networks and reset the training log."""
        gate_params = self._init_gate_params(n_features, rng)
        hidden_sizes = self._prediction_hidden_sizes()
        pred_sizes = (n_features, *hidden_sizes, self._n_outputs_for_network())
        # A linear prediction network (LLSPIN's, or hidden_layer_sizes=())
        # starts from zero coefficients, as scikit-learn's linear models do:
        # random ones (Glorot, up to +-1 for a few features) can have signs
        # that shut true features' gates before they are corrected (see
        # _LLSPINFamily). The same uniform draws are made either way.
        pred_params = init_mlp(
            pred_sizes,
            rng,
            self._prediction_activation(),
            output_scale=1.0 if hidden_sizes else 0.0,
        )
        self._set_params_from_list(gate_params + pred_params, len(gate_params))
        self.loss_curve_ = []
        self.n_iter_ = 0
        self.t_ = 0
        self.__dict__.pop("_training_state", None)

    def _training_data(
        self,
        X_train,
        y_train,
        w_train,
        rng,
        groups=None,
        warn_on_size=True,
        search_seed=None,
    ):
        """Everything one epoch needs: data, neighbour sampler, objective spec.

        ``warn_on_size=False`` clips ``batch_size`` and ``n_neighbors`` to
        the rows without a warning (later ``partial_fit`` calls: the first
        call has warned).

        The kNN affinity is built here, over ``X_train``: over the whole
        training set in ``fit``, over the given batch in ``partial_fit``;
        with ``groups``, within each group.
        When the whole training set is large enough for the randomised
        approximate search, its seed is drawn from ``rng`` (the estimator's
        ``random_state``), even if ``groups`` make every per-group search
        exact; smaller fits draw nothing, so they keep their random stream.
        A given ``search_seed`` (the one a fit or an earlier ``partial_fit``
        call drew) is used instead of a new draw, so that ``k`` calls of
        ``partial_fit`` follow the random stream of ``fit``.
        """
        # Mini-batches are gathered with np.take along the rows, which copies
        # all of a column-ordered X (a DataFrame's values, StandardScaler's
        # output) on every call: each epoch was quadratic in n. One copy here.
        X_train = np.ascontiguousarray(X_train)
        n_train = X_train.shape[0]
        n_gate_params = 2 * len(self.gating_coefs_)
        similarity_weight = self._similarity_weight()
        sampler = neighbour_weight = None
        has_affinity = "n_neighbors" in self.get_params(deep=False)
        if similarity_weight > 0 and n_train >= 2:
            n_neighbors = effective_n_neighbors(
                self.n_neighbors, n_train, warn=warn_on_size
            )
            self.n_neighbors_ = n_neighbors
            if groups is not None:  # neighbours only within each group
                largest_group = np.unique(groups, return_counts=True)[1].max()
                self.n_neighbors_ = min(n_neighbors, int(largest_group) - 1)
            if search_seed is None and uses_approximate_search(*X_train.shape):
                search_seed = int(rng.randint(np.iinfo(np.int32).max))
            affinity = knn_gaussian_affinity(
                X_train,
                n_neighbors,
                self.affinity_bandwidth,
                random_state=0 if search_seed is None else search_seed,
                groups=groups,
            )
            sampler = NeighbourSampler(affinity)
            # Normalise so that the average sample's neighbour weights sum to
            # one: similarity_weight then means the same for any k or bandwidth.
            mean_degree = sampler.degree.mean()
            if not mean_degree > 0:
                warn_user(
                    "No training sample has a neighbour in the gate-similarity "
                    "affinity (with groups: every group has a single sample), so "
                    "the similarity penalty is off for this fit.",
                    UserWarning,
                )
                sampler = None  # no neighbours to draw and gate
            else:
                neighbour_scale = 1.0 / mean_degree
                neighbour_weight = (sampler.degree * neighbour_scale).astype(
                    X_train.dtype
                )
            del affinity
        elif has_affinity:
            self.n_neighbors_ = 0

        batch_size = self._effective_batch_size(n_train, warn_on_size)
        spec = ObjectiveSpec(
            n_gate_params=n_gate_params,
            gate_means=self._gate_means,
            activation=self._prediction_activation(),
            task_loss=self._task_loss_name(),
            sigma=float(self.sigma),
            sparsity_weight=float(self.sparsity_weight),
            similarity_weight=float(similarity_weight) if sampler else 0.0,
            # scikit-learn's MLP convention: alpha / batch_size.
            l2_weight=float(self.alpha) / batch_size,
        )
        return TrainingData(
            X=X_train,
            y=y_train,
            sample_weight=w_train,
            sampler=sampler,
            neighbour_weight=neighbour_weight,
            batch_size=batch_size,
            spec=spec,
            n_gate_params=n_gate_params,
            search_seed=search_seed,
        )

    def _make_optimizer(self, params, state=None):
        """Adam over ``params``, resumed from a saved ``state`` if given."""
        n_gate_params = 2 * len(self.gating_coefs_)
        optimizer = AdamOptimizer(
            params,
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            rate_multipliers=gating_rate_multipliers(
                params[:n_gate_params],
                self._gating_weight_rate_factor,
                hidden_rate_floor=self._gating_hidden_rate_floor(),
            )
            + [1.0] * (len(params) - n_gate_params),
        )
        if state is not None:
            optimizer.t = state["t"]
            # In-place copies: the optimizer may keep its moments as views of
            # one flat buffer.
            for saved, moments in (
                (state["first_moments"], optimizer.first_moments),
                (state["second_moments"], optimizer.second_moments),
            ):
                for source, target in zip(saved, moments):
                    target[...] = source
        return optimizer

    def _save_training_state(self, optimizer, rng, search_seed):
        """Keep Adam's step count and moments (plain arrays), the RNG and the
        approximate neighbour search's seed (None if not drawn yet)."""
        self._training_state = {
            "t": int(optimizer.t),
            "first_moments": [np.array(m) for m in optimizer.first_moments],
            "second_moments": [np.array(v) for v in optimizer.second_moments],
            "rng": rng,
            "search_seed": search_seed,
        }

    def _train_one_epoch(self, data, params, optimizer, rng):
        """One pass over ``data`` in mini-batches; returns the mean loss.

        Updates ``params`` in place (and the fitted parameters, ``n_iter_``,
        ``t_`` and ``loss_curve_``). ``fit`` calls it ``max_iter`` times,
        ``partial_fit`` once.
        """
        # The sparsity penalty ramps up over the first epochs.
        ramp = min(1.0, (self.n_iter_ + 1) / self._sparsity_warmup_epochs)
        spec = data.spec._replace(sparsity_weight=data.spec.sparsity_weight * ramp)
        if data.sampler is not None:
            # Only estimators with a similarity penalty (and its schedule)
            # build a neighbour sampler.
            spec = spec._replace(
                similarity_weight=spec.similarity_weight * self._similarity_fraction()
            )
        sampler = data.sampler
        X_train, y_train, w_train = data.X, data.y, data.sample_weight

        def make_batch(idx):
            if sampler is not None:
                neighbours = sampler.sample(idx, rng)
                # One gather for anchors and neighbours: the objective
                # recognises the two halves of one array and feeds it to
                # the gating network without another copy.
                # np.take: the rows X_train[...] gives, copied faster.
                both = np.take(X_train, np.concatenate([idx, neighbours]), axis=0)
                X_batch, X_neighbours = both[: idx.shape[0]], both[idx.shape[0] :]
                neighbour_weight = data.neighbour_weight[idx]
            else:
                X_batch = np.take(X_train, idx, axis=0)
                X_neighbours = neighbour_weight = None
            return Batch(
                X=X_batch,
                y=self._batch_targets(y_train[idx], X_train.dtype),
                sample_weight=w_train[idx],
                # RandomState draws float64 only.
                noise=rng.standard_normal(X_batch.shape).astype(
                    X_train.dtype, copy=False
                ),
                X_neighbours=X_neighbours,
                neighbour_weight=neighbour_weight,
            )

        epoch_loss = run_epoch(
            X_train.shape[0],
            data.batch_size,
            make_batch,
            objective,
            spec,
            params,
            optimizer,
            rng,
            where=f"epoch {self.n_iter_ + 1}",
            learning_rate_init=self.learning_rate_init,
        )
        self.n_iter_ += 1
        self.t_ += X_train.shape[0]
        self.loss_curve_.append(float(epoch_loss))
        self.loss_ = self.loss_curve_[-1]
        # Copies: Adam updates params in place, and an epoch that diverges
        # part-way must leave the fitted parameters of the last whole epoch.
        self._set_params_from_list([p.copy() for p in params], data.n_gate_params)
        return epoch_loss

    def _finetune_predictor(self, data, rng, validation=None):
        """Train the prediction network alone on the noise-free gates.

        ``finetune_iter`` epochs over ``data``'s rows with the gating
        network frozen (each batch gated by its noise-free gates), the task
        loss and the L2 penalty on the prediction network's weights,
        and a fresh Adam at ``_FINETUNE_RATE_FACTOR * learning_rate_init``
        (see there). With ``validation = (X, y, sample_weight)``
        (early stopping), each epoch's validation score competes with
        ``best_validation_score_`` and the best parameters are kept.
        Sets ``finetune_loss_curve_`` and ``finetune_validation_scores_``.
        """
        self.finetune_loss_curve_ = []
        self.finetune_validation_scores_ = None if validation is None else []
        if self.finetune_iter == 0:
            return
        n_gate = data.n_gate_params
        # After the main training every parameter is in the training dtype.
        all_params = self._params()
        gate_params, start_params = all_params[:n_gate], all_params[n_gate:]
        params = [p.copy() for p in start_params]
        spec = PredictorSpec(
            activation=data.spec.activation,
            task_loss=data.spec.task_loss,
            l2_weight=data.spec.l2_weight,
        )
        optimizer = AdamOptimizer(
            params,
            _FINETUNE_RATE_FACTOR * self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
        )

        def make_batch(idx):
            # Gated batch by batch: no second n_samples x n_features array.
            X_batch = np.take(data.X, idx, axis=0)
            gates = gate_values(self._gate_means(gate_params, X_batch))
            return Batch(
                X=np.multiply(X_batch, gates, dtype=X_batch.dtype),
                y=self._batch_targets(data.y[idx], data.X.dtype),
                sample_weight=data.sample_weight[idx],
                noise=None,
                X_neighbours=None,
                neighbour_weight=None,
            )

        best_params = None
        for epoch in range(1, self.finetune_iter + 1):
            epoch_start = time.perf_counter()
            loss = run_epoch(
                data.X.shape[0],
                data.batch_size,
                make_batch,
                predictor_objective,
                spec,
                params,
                optimizer,
                rng,
                where=f"fine-tuning epoch {epoch}",
                learning_rate_init=self.learning_rate_init,
            )
            self.finetune_loss_curve_.append(float(loss))
            # Copies, as in _train_one_epoch.
            self._set_params_from_list(gate_params + [p.copy() for p in params], n_gate)
            message = f"Fine-tuning epoch {epoch}, loss = {loss:.8f}"
            if validation is not None:
                score = self._validation_score(*validation)
                self.finetune_validation_scores_.append(float(score))
                message += f", validation score = {score:.6f}"
                if score > self.best_validation_score_:
                    self.best_validation_score_ = float(score)
                    best_params = [p.copy() for p in params]
            if self.verbose:
                elapsed = time.perf_counter() - epoch_start
                print(f"{message} ({elapsed:.3f} s)")
        if validation is not None:
            # Without a better epoch, the main training's best is kept.
            kept = start_params if best_params is None else best_params
            self._set_params_from_list(gate_params + kept, n_gate)

    def _effective_batch_size(self, n_train, warn=True):
        if self.batch_size == "auto":
            return min(n_train, 256, max(32, n_train // 16))
        if self.batch_size > n_train:
            if not warn:
                return n_train
            warn_user(
                f"Got batch_size={self.batch_size} larger than the number of "
                f"training samples ({n_train}); using batch_size={n_train}.",
                UserWarning,
            )
            return n_train
        return self.batch_size

    # The output activation and the layer and output counts under the names
    # scikit-learn's MLPs give them.
    _OUTPUT_ACTIVATIONS = {
        "binary_log_loss": "logistic",
        "multinomial_log_loss": "softmax",
        "squared_error": "identity",
    }

    def _set_network_summary(self):
        """``n_layers_``, ``n_outputs_`` and ``out_activation_`` (``loss_`` is
        set with every epoch)."""
        self.n_layers_ = len(self.coefs_) + 1
        self.n_outputs_ = self.coefs_[-1].shape[1]
        self.out_activation_ = self._OUTPUT_ACTIVATIONS[self._task_loss_name()]

    def _summarise_gates(self, X, sample_weight=None):
        """Fitted global summaries of the gates over the training data, each
        row counting with its weight (rows of weight 0 not at all, as in
        training)."""
        n_features = X.shape[1]
        if sample_weight is not None and np.all(sample_weight == sample_weight[0]):
            sample_weight = None  # uniform: plain means
        gate_sum = np.zeros(n_features)
        open_sum = np.zeros(n_features)
        for block in self._row_blocks(X):
            # In float64, as predict_gates computes them.
            gates = self._gates_of(X[block].astype(np.float64, copy=False))
            if sample_weight is None:
                gate_sum += gates.sum(axis=0)
                open_sum += (gates > 0).sum(axis=0)
            else:
                # Element-wise, not a BLAS product: the same bits for any
                # number of BLAS threads.
                weights = sample_weight[block, None].astype(np.float64)
                gate_sum += (weights * gates).sum(axis=0)
                open_sum += np.where(gates > 0, weights, 0.0).sum(axis=0)
        if sample_weight is None:
            total = X.shape[0]
        else:
            total = sample_weight.sum(dtype=np.float64)
        # The sums of the blocks and the total round differently: a gate
        # open everywhere must still give 1, not 1 + 1e-16.
        self.feature_importances_ = np.minimum(gate_sum / total, 1.0)
        self.gate_open_fraction_ = np.minimum(open_sum / total, 1.0)

    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        {fit_data}

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    # ------------------------------------------------------------------
    # Gates API
    # ------------------------------------------------------------------
    def predict_gates(self, X, *, as_frame=False):
        """Per-sample feature gates of ``X``.

        The deterministic gates ``clip(mu(x) + 0.5, 0, 1)``: feature ``j``
        is selected for sample ``i`` when ``gates[i, j] > 0``, and closed
        gates are exactly zero.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        as_frame : bool, default=False
            Return a :class:`pandas.DataFrame` whose columns are the feature
            names (``feature_names_in_`` when the model was fitted on a data
            frame with string column names, else ``x0``, ``x1``, ...) and
            whose index is the index of ``X`` when ``X`` is a data frame.
            Requires pandas. The generated names count from 0, as
            scikit-learn's ``get_feature_names_out`` does: column 0 is
            ``x0``, which the paper, :mod:`sklspin.datasets` and the plots
            of :mod:`sklspin.plotting` call feature 1 (``x1``).

        Returns
        -------
        gates : ndarray or DataFrame of shape (n_samples, n_features)
            Gate values in ``[0, 1]``, as float64 whatever the dtype of
            ``X``.
        """
        if not isinstance(as_frame, (bool, np.bool_)):
            raise TypeError(f"as_frame must be True or False, got {as_frame!r}.")
        frame_index = getattr(X, "index", None)  # a list's is a method
        X = self._predict_input(X)  # checks that the model is fitted
        gates = np.empty(X.shape)
        for block in self._row_blocks(X):
            gates[block] = self._gates_of(X[block].astype(np.float64, copy=False))
        if not as_frame:
            return gates
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in the tests
            raise ImportError(
                "predict_gates(as_frame=True) requires pandas; install it or "
                "use the default as_frame=False."
            ) from exc
        columns = getattr(self, "feature_names_in_", None)
        if columns is None:
            columns = [f"x{j}" for j in range(gates.shape[1])]
        index = frame_index if isinstance(frame_index, pd.Index) else None
        return pd.DataFrame(gates, columns=list(columns), index=index)

    def _predict_input(self, X):
        """``X`` validated for prediction. float32 is kept (each block is
        cast to float64 in turn), so that memory stays bounded by the
        blocks; other dtypes are converted to float64."""
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=(np.float64, np.float32))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
