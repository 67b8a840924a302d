"""Smoke test of the synthetic benchmark script (``--quick``: tiny data)."""

import argparse
import math
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import joblib
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "paper_synthetic.py"


def readme_section(script):
    """The section of ``benchmarks/README.md`` on ``script``, on one line."""
    readme = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## `{script}.py`", 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split())


def committed_result(name):
    return (ROOT / "benchmarks" / "results" / name).read_text(encoding="utf-8")


CLASSIFICATION_ROWS = [
    "LSPIN (default)",
    "LSPIN (tuned λ)",
    "LSPIN (known groups)",
    "LLSPIN (default)",
    "LLSPIN (tuned λ)",
    "Linear STG",
    "Nonlinear STG",
    "L1-logistic (tuned C)",
    "SVC",
    "Random forest",
    "MLP",
    "HistGradientBoosting",
]
REGRESSION_ROWS = [
    name.replace("L1-logistic (tuned C)", "Lasso (tuned α)").replace("SVC", "SVR")
    for name in CLASSIFICATION_ROWS
]
COLUMNS = [
    "Method",
    "F1",
    None,  # score column, checked per data set
    "selected / sample",
    "fit time (s)",
    "chosen on validation",
]


def _numbers(cell):
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", cell)]


@pytest.fixture(scope="module")
def quick_run(run_quick_report):
    """``(markdown, rst)`` of a ``--quick`` run on E1 and E5."""
    return run_quick_report(SCRIPT, "--datasets", "E1,E5")


def test_quick_run_writes_markdown_and_rst(quick_run):
    md, rst = quick_run
    assert "--quick" in md and "git commit" in md
    assert rst.count(".. list-table::") == md.count("| Method |") + md.count(
        "| Data |"
    ) + md.count("| Group |")


@pytest.mark.parametrize(
    "name, rows, score",
    [("E1", CLASSIFICATION_ROWS, "test ACC (%)"), ("E5", REGRESSION_ROWS, "test MSE")],
)
def test_quick_run_dataset_table(quick_run, name, rows, score, markdown_tables):
    tables = markdown_tables(quick_run[0])
    table = next(t for s, t in tables.items() if s.startswith(name + " ("))
    header, body = table[0], table[1:]
    expected = [score if c is None else c for c in COLUMNS]
    assert header == expected
    methods = [r[0] for r in body]
    assert methods[: len(rows)] == rows
    # reference rows: the paper's numbers and the targets
    assert "Paper: LSPIN" in methods
    assert "Issue 3 target for LSPIN" in methods
    for row in body[: len(rows)]:
        assert len(row) == len(header)
        for cell in row[1:5]:  # F1, score, selected / sample, fit time
            values = _numbers(cell)
            assert len(values) == 1, (row, cell)  # one seed: no "± std"
            assert math.isfinite(values[0])
        f1, n_selected = _numbers(row[1])[0], _numbers(row[3])[0]
        assert 0 <= f1 <= 1
        assert 0 <= n_selected <= (11 if name == "E1" else 21)
        assert _numbers(row[4])[0] >= 0
        if "tuned" in row[0]:
            assert re.fullmatch(r"(λ|C|α)=\S+", row[5]), row


def test_quick_run_targets_and_diagnosis(quick_run, markdown_tables):
    tables = markdown_tables(quick_run[0])
    targets = tables["LSPIN against the issue 3 targets"]
    assert [r[:2] for r in targets[1:]] == [
        ["E1", "default"],
        ["E1", "tuned λ"],
        ["E1", "known groups"],
        ["E5", "default"],
        ["E5", "tuned λ"],
        ["E5", "known groups"],
    ]
    for row in targets[1:]:
        assert row[4] == "met" or row[4].startswith("missed by ")
        assert row[7] == "met" or row[7].startswith("missed by ")
    for method in ("default", "known groups"):
        diag = tables[f"LSPIN ({method}), E5"]
        assert [r[0] for r in diag[1:]] == ["0", "1", "2"]  # x21 = -1, 0, 1
        assert diag[1][1].startswith("x1 ") and "x21" in diag[1][1]


def test_parse_args_rejects_unknown_dataset(assert_cli_errors, import_benchmark):
    paper_synthetic = import_benchmark("paper_synthetic")
    args = paper_synthetic.parse_args(["--quick"])
    assert (args.datasets, args.seeds, args.n_jobs) == (["E1", "E5"], 1, 1)
    args = paper_synthetic.parse_args([])
    assert args.datasets == list(paper_synthetic.DATASETS) and args.n_jobs == 2
    args = paper_synthetic.parse_args(["--quick", "--datasets", "e4,E1,E4"])
    assert args.datasets == ["E4", "E1"]  # a name given twice runs once
    assert_cli_errors(
        paper_synthetic.parse_args,
        [
            (["--datasets", "E1,E9"], "unknown data set"),
            (["--n-jobs", "0"], "--n-jobs must not be 0"),
        ],
    )


@pytest.mark.parametrize(
    "script", ["paper_synthetic", "real_data", "sample_size", "many_features", "speed"]
)
def test_scripts_import_this_checkout(script, tmp_path):
    """Another sklspin installed ahead on the path (here a stand-in without
    the estimators) is not the one the scripts measure."""
    other = tmp_path / "sklspin"
    other.mkdir()
    (other / "__init__.py").write_text('__version__ = "another checkout"\n')
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{script}.py"), "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_sklspin_imported_from_elsewhere_is_refused(monkeypatch, import_benchmark):
    provenance = import_benchmark("_provenance")
    elsewhere = types.ModuleType("sklspin")
    elsewhere.__file__ = os.path.join(os.path.dirname(ROOT), "sklspin", "__init__.py")
    monkeypatch.setitem(sys.modules, "sklspin", elsewhere)
    with pytest.raises(ImportError, match="not from this checkout"):
        provenance.import_sklspin()


def test_reports_name_uncommitted_changes_alike(monkeypatch, import_benchmark):
    # Imported before git is replaced: they must not keep the stand-in.
    paper_synthetic, speed, scale = map(
        import_benchmark, ("paper_synthetic", "speed", "scale")
    )
    provenance = import_benchmark("_provenance")
    answers = {
        "rev-parse": "0123abc",
        # git() strips its output, the first line's blank status column too
        "status": "M sklspin/_base.py\n?? benchmarks/new.py",
    }
    monkeypatch.setattr(provenance, "git", lambda *args: answers[args[0]])
    expected = (
        "0123abc (with uncommitted changes to sklspin/_base.py, benchmarks/new.py)"
    )
    assert provenance.commit_description() == expected
    assert paper_synthetic.environment([])["commit"] == expected
    assert f"commit {expected}," in speed.run_description()
    report = scale._report({}, argparse.Namespace(argv=[], chunk=2000), 0.0)
    assert f"commit {expected};" in report


def test_output_paths_are_checked_before_the_run(
    tmp_path, assert_cli_errors, import_benchmark
):
    paper_synthetic = import_benchmark("paper_synthetic")
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    report = str(tmp_path / "report.md")
    assert_cli_errors(
        paper_synthetic.parse_args,
        [
            (["--out", str(tmp_path)], "is a directory"),
            (["--rst", str(a_file / "r.rst")], "cannot create its directory"),
            (["--out", report, "--rst", report], "name the same file"),
            (["--out", ""], "empty path"),
        ],
    )
    # A missing directory is created when the report is written, not before.
    nested = tmp_path / "new" / "report.md"
    assert paper_synthetic.parse_args(["--out", str(nested)]).out == str(nested)
    assert not nested.parent.exists()


def test_a_fit_shared_by_two_rows_counts_once(monkeypatch, import_benchmark):
    """The default LSPIN (LLSPIN) fit is also a grid point of the tuned row:
    the run's summed CPU time counts it once."""
    paper_synthetic = import_benchmark("paper_synthetic")

    def one_cpu_second(name, seed, kind, params, quick):
        return dict(
            dataset=name,
            seed=seed,
            kind=kind,
            params=params,
            val=0.0,
            fit_time=1.0,
            cpu_time=1.0,
            n_convergence_warnings=0,
        )

    monkeypatch.setattr(paper_synthetic, "fit_one", one_cpu_second)
    records = paper_synthetic.run(["E1"], seeds=1, quick=True)
    fits = set()
    for method in paper_synthetic.METHODS:
        kind, cands, _ = paper_synthetic.method_candidates(method, False, True)
        fits.update((kind, tuple(sorted(c.items()))) for c in cands)
    assert sum(r["cpu_time"] for r in records) > len(fits)  # shared fits exist
    assert paper_synthetic.total_cpu_time(records) == len(fits)
    env = dict(command="", date="", commit="", versions="")
    header = paper_synthetic.header_bullets(env, records, 60.0, 1, "", True)
    assert header[-1].endswith(f"sum of the fits' CPU times: {len(fits) / 60:.1f} min")


def test_docs_quote_the_committed_run_times(import_benchmark):
    wall, cpu = re.search(
        r"Wall time of the whole run: ([\d.]+) min .* CPU times: ([\d.]+) min",
        committed_result("paper_synthetic.md"),
    ).groups()
    assert (
        f"the committed run took {wall} minutes, with {cpu} CPU-minutes as recorded"
        in readme_section("paper_synthetic")
    )
    for script, pattern in (
        ("speed", r"Total run time: ([\d.]+) min"),
        ("scale", r"; total ([\d.]+) min\."),
    ):
        minutes = re.search(pattern, committed_result(f"{script}.md")).group(1)
        assert f"the committed run took {minutes} minutes" in readme_section(script)
        docstring = import_benchmark(script).__doc__
        assert f"~{round(float(minutes))} min" in docstring


def test_docstring_states_what_differs_from_the_defaults(import_benchmark):
    paper_synthetic = import_benchmark("paper_synthetic")
    lasso = paper_synthetic._make_estimator("l1", True, {"alpha": 1.0}, 0, False)
    assert f"Lasso's ``max_iter={lasso.max_iter:_}``" in paper_synthetic.__doc__
    # The random forest keeps importances strictly above 1 / d, as documented.
    forest = types.SimpleNamespace(feature_importances_=np.array([0.5, 0.25, 0.25]))
    selected = paper_synthetic._selection(forest, "rf", np.zeros((1, 4)))
    assert selected.tolist() == [True, False, False]
    assert "strictly above ``1 / d``" in paper_synthetic.__doc__


# Each script's function that parses its command line.
PARSERS = {
    "paper_synthetic": "parse_args",
    "real_data": "parse_args",
    "sample_size": "parse_args",
    "many_features": "parse_args",
    "speed": "main",
    "scale": "_parse",
}


def help_text(import_benchmark, capsys, script):
    with pytest.raises(SystemExit):
        getattr(import_benchmark(script), PARSERS[script])(["--help"])
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("script", PARSERS)
def test_readme_names_every_option(script, import_benchmark, capsys):
    options = set(
        re.findall(r"(--[a-z][a-z-]*)", help_text(import_benchmark, capsys, script))
    )
    section = readme_section(script)
    missing = sorted(o for o in options - {"--help"} if o not in section)
    assert not missing, f"benchmarks/README.md does not mention {missing}"


def test_n_jobs_is_the_number_of_workers(import_benchmark):
    paper_synthetic = import_benchmark("paper_synthetic")
    for n_jobs in (-1, -5, 3):
        args = paper_synthetic.parse_args(["--n-jobs", str(n_jobs)])
        assert args.n_jobs == joblib.effective_n_jobs(n_jobs) >= 1
    env = dict(command="", date="", commit="", versions="")
    records = [dict(cpu_time=1.0)]
    header = paper_synthetic.header_bullets(env, records, 60.0, args.n_jobs, "", False)
    assert "with 3 parallel worker(s)" in header[-1]
