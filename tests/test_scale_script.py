"""Tests of ``benchmarks/scale.py``'s options and of a tiny run (no timing
is asserted: the script measures time and memory, the tests check that it
runs and refuses bad options before measuring)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "scale.py"

pytestmark = pytest.mark.skipif(
    sys.platform == "win32",
    reason="scale.py measures peak memory with the resource module (not on Windows)",
)


def test_bad_options_are_clear_errors(assert_cli_errors, import_benchmark, tmp_path):
    scale = import_benchmark("scale")
    assert_cli_errors(
        scale._parse,
        [
            (["--parts", "AX"], "unknown parts 'X'"),
            (["--max-n", "10"], "--max-n must be at least"),
            (["--parts", ""], "--parts: give at least one"),
            (["--budget", "-1"], "--budget must be a positive"),
            (["--budget", "nan"], "--budget must be a positive"),
            (["--out", str(tmp_path)], "is a directory"),
        ],
    )


def test_tiny_run_creates_the_output_directory(tmp_path, run_repository_script):
    out = tmp_path / "new" / "scale.md"
    proc = run_repository_script(
        SCRIPT, "--quick", "--parts", "B", "--max-n", "100", "--out", out, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    assert "## B. fit, one epoch" in report
    assert report.strip() == proc.stdout.strip()


def test_help_gives_the_defaults(import_benchmark, assert_help_gives_defaults):
    assert_help_gives_defaults(
        import_benchmark("scale")._parse,
        [
            ("--max-n MAX_N", "(default: 1000000;"),
            ("--budget BUDGET", "(default: 150.0)"),
            ("--chunk CHUNK", "(part C; default: 2000)"),
        ],
    )
