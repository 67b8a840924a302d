"""Shared test configuration."""

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sklspin._gating import lspin_gate_means
from sklspin._losses import Batch, ObjectiveSpec
from sklspin._networks import init_mlp

_DEFAULT_PRINT_OPTIONS = np.get_printoptions()
_REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _restore_numpy_print_options():
    """Some tests run documentation code that changes NumPy's print options;
    restore them so that doctests run later in the same worker compare
    arrays printed with the defaults."""
    with np.printoptions(**_DEFAULT_PRINT_OPTIONS):
        yield


@pytest.fixture(scope="session")
def run_repository_script():
    """``run(path, *args, timeout=...)``: run a repository script (e.g. a
    benchmark) from the repository root with this checkout of sklspin
    importable; returns the :class:`subprocess.CompletedProcess`."""

    def run(path, *args, timeout):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(_REPOSITORY), *filter(None, [env.get("PYTHONPATH")])]
        )
        # The reports print λ, ±, ≥: a pipe's default encoding on Windows
        # (the ANSI code page) cannot encode them all.
        env["PYTHONIOENCODING"] = "utf-8"
        return subprocess.run(
            [sys.executable, str(path), *map(str, args)],
            capture_output=True,
            encoding="utf-8",
            env=env,
            cwd=_REPOSITORY,
            timeout=timeout,
        )

    return run


@pytest.fixture(scope="session")
def import_benchmark():
    """``load(name)``: import ``benchmarks/<name>.py`` as a module."""

    def load(name):
        folder = str(_REPOSITORY / "benchmarks")
        sys.path.insert(0, folder)
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(folder)

    return load


@pytest.fixture
def assert_help_gives_defaults(capsys):
    """``check(main, pairs)``: ``main(["--help"])`` prints, in each option's
    own help text, its default: ``pairs`` of ("--option METAVAR", default)."""

    def check(main, pairs):
        with pytest.raises(SystemExit):
            main(["--help"])
        text = " ".join(capsys.readouterr().out.split())
        # In the option's own help: no other option before the default.
        own_help = r" (?:(?! --[a-z]).)*"
        for option, default in pairs:
            assert re.search(re.escape(option) + own_help + re.escape(default), text)

    return check


@pytest.fixture
def import_benchmark_as_on_windows(monkeypatch):
    """``load(name)``: a fresh import of ``benchmarks/<name>.py`` as on
    Windows: ``sys.platform == "win32"`` while it is imported, no
    ``resource`` module and no ``os.getloadavg`` for the test."""

    def load(name):
        monkeypatch.setitem(sys.modules, "resource", None)  # import fails
        monkeypatch.delattr(os, "getloadavg", raising=False)
        monkeypatch.syspath_prepend(str(_REPOSITORY / "benchmarks"))
        path = _REPOSITORY / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"{name}_on_windows", path)
        module = importlib.util.module_from_spec(spec)
        with monkeypatch.context() as during_import:
            during_import.setattr(sys, "platform", "win32")
            spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def assert_cli_errors(capsys):
    """``check(parse_args, cases)``: each ``(argv, message)`` of ``cases``
    makes ``parse_args(argv)`` exit with ``message`` on standard error."""

    def check(parse_args, cases):
        for argv, message in cases:
            with pytest.raises(SystemExit):
                parse_args(argv)
            assert message in capsys.readouterr().err

    return check


@pytest.fixture(scope="session")
def run_quick_report(tmp_path_factory, run_repository_script):
    """``run(script, *args)``: run a benchmark script with ``--quick``,
    ``args`` and ``--out`` / ``--rst`` in a fresh directory; check that it
    succeeds and prints what it writes; return ``(markdown, rst)``."""

    def run(script, *args):
        out = tmp_path_factory.mktemp(Path(script).stem)
        md_path, rst_path = out / "quick.md", out / "quick.rst"
        proc = run_repository_script(
            script, "--quick", *args, "--out", md_path, "--rst", rst_path, timeout=120
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        markdown = md_path.read_text(encoding="utf-8")
        assert markdown.strip() == proc.stdout.strip()  # printed and written alike
        return markdown, rst_path.read_text(encoding="utf-8")

    return run


@pytest.fixture(scope="session")
def markdown_tables():
    """``parse(markdown)``: ``{section heading: table rows (lists of cells)}``
    of a benchmark's Markdown report."""

    def parse(markdown):
        tables, section = {}, None
        for line in markdown.splitlines():
            if line.startswith("#"):
                section = line.lstrip("#").strip()
            elif line.startswith("|") and not re.fullmatch(r"\|(---\|)+", line):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                tables.setdefault(section, []).append(cells)
        return tables

    return parse


def _objective_problem(
    n=12,
    d=4,
    task="binary_log_loss",
    n_outputs=1,
    similarity=True,
    activation="tanh",
    seed=0,
):
    """``(params, batch, spec)`` of a small LSPIN objective, with non-unit
    sample and neighbour weights and penalties large enough to matter."""
    rng = np.random.RandomState(seed)
    gate_params = init_mlp((d, 5, d), rng, activation="tanh", output_scale=1.0)
    pred_params = init_mlp((d, 3, n_outputs), rng)
    if task == "binary_log_loss":
        y = rng.randint(0, 2, n).astype(float)
    elif task == "multinomial_log_loss":
        y = np.eye(n_outputs)[rng.randint(0, n_outputs, n)]
    else:
        y = rng.normal(size=(n, n_outputs))
    batch = Batch(
        X=rng.normal(size=(n, d)),
        y=y,
        sample_weight=rng.uniform(0.5, 1.5, n),
        noise=rng.normal(size=(n, d)),
        X_neighbours=rng.normal(size=(n, d)) if similarity else None,
        neighbour_weight=rng.uniform(0.5, 1.5, n) if similarity else None,
    )
    spec = ObjectiveSpec(
        n_gate_params=len(gate_params),
        gate_means=lspin_gate_means,
        activation=activation,
        task_loss=task,
        sigma=0.5,
        sparsity_weight=0.3,
        similarity_weight=0.7 if similarity else 0.0,
        l2_weight=0.01,
    )
    return gate_params + pred_params, batch, spec


@pytest.fixture
def objective_problem():
    """Factory of small objective inputs, shared by the gradient checks and
    the traced-operation counts."""
    return _objective_problem
