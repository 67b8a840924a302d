"""Smoke tests of ``benchmarks/speed.py``: it keeps running as the package changes.

The script replaces the package's affinity and reads its defaults, so a
change of either can break it without any other test noticing (it once
stopped with a ``TypeError`` when ``fit`` gained ``groups``). No timing is
asserted here: the script prints tables, the test checks that it produces
them.
"""

import inspect
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sklspin import _affinity

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "speed.py"


def test_affinity_stand_in_accepts_what_the_estimators_pass(import_benchmark):
    speed = import_benchmark("speed")
    real = inspect.signature(_affinity.knn_gaussian_affinity).parameters
    stand_in = inspect.signature(speed.random_knn_affinity).parameters
    missing = [name for name in real if name not in stand_in and name != "algorithm"]
    assert not missing, f"random_knn_affinity lacks {missing}"


@pytest.mark.parametrize("d", [20, 100, 1000])
def test_gating_layers_follow_the_estimators(d, import_benchmark):
    speed = import_benchmark("speed")
    from sklspin import LLSPINClassifier, LSPINClassifier

    for linear, Estimator in ((False, LSPINClassifier), (True, LLSPINClassifier)):
        layers, activation = speed.gating_layers(d, linear)
        estimator = Estimator()
        hidden = estimator._gating_hidden_sizes(d)
        assert [fan_out for _, fan_out in layers] == [*hidden, d]
        assert activation == estimator.gating_activation


@pytest.mark.slow
def test_quick_run_prints_every_section(tmp_path, run_repository_script):
    # The outputs' missing directory is created.
    out, raw = tmp_path / "new" / "speed.md", tmp_path / "new" / "speed.json"
    proc = run_repository_script(
        SCRIPT,
        "--quick",
        "--no-stg",
        "--steps",
        "3",
        "--repeats",
        "1",
        "--affinity-budget",
        "2",
        "--out",
        out,
        "--json",
        raw,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    assert set(json.loads(raw.read_text(encoding="utf-8"))) == {
        "records",
        "profiles",
        "affinity",
    }
    for heading in ("## A.", "### float32 input", "## B.", "## D."):
        assert heading in report
    float32_rows = re.findall(
        r"^\| (20|100) \| (LSPIN|LLSPIN) \| [\d.]+ \| [\d.]+ \| [\d.]+x \|",
        report,
        flags=re.M,
    )
    assert len(float32_rows) == 4, float32_rows
    # The FLOP ratio is no floor: measured ratios fall below it.
    assert "floor" not in report.lower()
    assert "matmul FLOP ratio" in report and "a reference, not a bound" in report
    targets = re.findall(r"^\| (20|100) \| ([\d.]+) \| <= ", report, flags=re.M)
    assert {d for d, _ in targets} == {"20", "100"}
    assert all(float(ratio) > 0 for _, ratio in targets)


def test_bad_options_are_clear_errors(assert_cli_errors, import_benchmark, tmp_path):
    speed = import_benchmark("speed")
    raw = str(tmp_path / "raw.json")
    assert_cli_errors(
        speed.main,
        [
            (["--quick", "--steps", "0"], "--steps must be at least 1"),
            (["--quick", "--repeats", "-2"], "--repeats must be at least 1"),
            (["--quick", "--before", "no-such-rev"], "is not a git revision"),
            (["--quick", "--out", str(tmp_path)], "is a directory"),
            (["--quick", "--out", raw, "--json", raw], "name the same file"),
        ],
    )


def test_runs_on_windows(import_benchmark_as_on_windows):
    speed = import_benchmark_as_on_windows("speed")
    # Windows' process clock ticks every 15.6 ms: wall time instead, and a
    # time that still reads 0 gives "-" instead of a ZeroDivisionError.
    assert speed.cpu_clock is time.perf_counter
    assert speed.fmt(speed.quotient(1.0, 0.0)) == "-"
    assert speed.quotient(3.0, 2.0) == 1.5
    assert speed._load_average() == "n/a"
    # No resource module: the page-fault columns show "-".
    assert speed.resource is None
    assert math.isnan(speed._minor_faults())
    assert speed.fmt(speed._minor_faults(), 0) == "-"
    clock = speed.StepClock()
    clock.start(limit=None)
    clock.tick()
    clock.tick()
    assert math.isnan(clock.faults_per_step())


def test_help_gives_the_defaults(import_benchmark, assert_help_gives_defaults):
    assert_help_gives_defaults(
        import_benchmark("speed").main,
        [
            ("--steps STEPS", "(default: 80, or 20 with --quick)"),
            ("--repeats REPEATS", "(default: 5, or 2 with --quick)"),
            ("--affinity-budget AFFINITY_BUDGET", "(default: 60.0)"),
        ],
    )


def test_before_leaves_no_temporary_files(tmp_path):
    """``--before`` extracts the old package to a temporary directory, which
    is removed when the process that extracted it exits."""
    top = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
    )
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT:
        # e.g. the tests of an unpacked sdist
        pytest.skip("--before needs a git checkout of this repository")
    code = (
        "import sys; sys.path.insert(0, 'benchmarks'); import speed; "
        "package = speed.load_revision('HEAD'); print(package.__file__)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, TMPDIR=str(tmp_path)),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert Path(proc.stdout.strip()).is_relative_to(tmp_path)
    assert not list(tmp_path.iterdir())
