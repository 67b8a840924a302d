"""Checks of the GitHub Actions workflows in ``.github/workflows``.

Nothing runs the workflows on the development machines, so these tests are
what keeps them honest:

* every workflow validates against the GitHub workflow JSON schema vendored
  by ``check-jsonschema`` (``--builtin-schema vendor.github-workflows``,
  available offline);
* the repository's policies hold: read-only ``permissions``, a
  ``timeout-minutes`` on every job, third-party actions pinned to full
  commit SHAs;
* the minimum-dependency job installs exactly the lower bounds declared in
  ``pyproject.toml``.

The tests are skipped, with the reason, when ``check-jsonschema`` (which
also provides the YAML parser used here) is not installed.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted([*WORKFLOW_DIR.glob("*.yml"), *WORKFLOW_DIR.glob("*.yaml")])
WORKFLOW_IDS = [path.name for path in WORKFLOWS]

SKIP_REASON = (
    "check-jsonschema is not installed; install the 'tests' extra "
    "(pip install -e '.[tests]') to validate the GitHub workflows."
)


def _check_jsonschema_command():
    """Command that runs check-jsonschema, or None when it is unavailable."""
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        executable = shutil.which("check-jsonschema")
        return [executable] if executable else None
    return [sys.executable, "-m", "check_jsonschema"]


def _load_yaml(path):
    # ruamel.yaml is a dependency of check-jsonschema. Its "safe" loader
    # follows YAML 1.2, so the workflow key ``on`` stays the string "on".
    ruamel_yaml = pytest.importorskip("ruamel.yaml", reason=SKIP_REASON)
    return ruamel_yaml.YAML(typ="safe", pure=True).load(path.read_text("utf-8"))


def _validate(paths):
    command = _check_jsonschema_command()
    if command is None:
        pytest.skip(SKIP_REASON)
    return subprocess.run(
        [*command, "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _steps(workflow):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def test_expected_workflows_exist():
    names = {path.stem for path in WORKFLOWS}
    assert {"tests", "lint", "docs"} <= names, names


def test_workflows_match_github_schema():
    result = _validate(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_validation_rejects_a_broken_workflow(tmp_path):
    # Guard against a validator that accepts anything: a job without
    # ``runs-on`` (or ``uses``) is not a valid GitHub workflow.
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "name: broken\non: push\njobs:\n  job:\n    steps:\n      - run: echo hi\n",
        encoding="utf-8",
    )
    result = _validate([broken])
    assert result.returncode != 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_workflow_permissions_are_read_only(path):
    workflow = _load_yaml(path)
    assert workflow.get("permissions") == {"contents": "read"}
    for job_id, job in workflow["jobs"].items():
        permissions = job.get("permissions", {})
        assert all(value in ("read", "none") for value in permissions.values()), (
            f"job {job_id!r} asks for write permissions: {permissions}"
        )


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_every_job_has_a_timeout(path):
    workflow = _load_yaml(path)
    for job_id, job in workflow["jobs"].items():
        timeout = job.get("timeout-minutes")
        assert isinstance(timeout, int) and 0 < timeout <= 120, (
            f"job {job_id!r} in {path.name} needs timeout-minutes (got {timeout!r})"
        )


@pytest.mark.parametrize("path", WORKFLOWS, ids=WORKFLOW_IDS)
def test_actions_are_pinned_to_commit_shas(path):
    workflow = _load_yaml(path)
    for job_id, step in _steps(workflow):
        uses = step.get("uses")
        if uses is None or uses.startswith(("./", "docker://")):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (
            f"job {job_id!r} in {path.name}: {uses!r} is not pinned to a full "
            "commit SHA"
        )
    # The human-readable version sits next to the SHA as a comment.
    for line in path.read_text("utf-8").splitlines():
        if re.search(r"uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}", line):
            assert re.search(r"#\s*v\d", line), f"missing '# vX.Y.Z' in: {line}"


def test_test_matrix_covers_the_supported_platforms():
    workflow = _load_yaml(WORKFLOW_DIR / "tests.yml")
    matrix = workflow["jobs"]["tests"]["strategy"]["matrix"]
    assert {"ubuntu-latest", "macos-latest", "windows-latest"} <= set(matrix["os"])
    assert {"3.11", "3.12", "3.13"} <= set(matrix["python-version"])


def _pyproject():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli", reason="needs tomllib or tomli")
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


_LOWER_BOUND = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:\[.*?\])?[^;]*?>=\s*([\d.]+)")


def _lower_bounds(requirements):
    """``{name: "X.Y"}`` for the requirements with a ``>=`` lower bound."""
    bounds = {}
    for requirement in requirements:
        match = _LOWER_BOUND.match(requirement)
        if match:
            bounds[match.group(1).lower()] = match.group(2)
    return bounds


def _same_release(pin, lower):
    """Whether ``pin`` is ``lower`` or one of its bug-fix releases."""
    n = len(lower.split("."))
    return pin.split(".")[:n] == lower.split(".")


def test_lint_job_pins_the_ruff_of_the_tests_extra():
    # The same rules locally (.ci/run, pip install -e ".[tests]") and in
    # the lint workflow: one ruff version.
    lint = "\n".join(
        step.get("run", "")
        for step in _load_yaml(WORKFLOW_DIR / "lint.yml")["jobs"]["ruff"]["steps"]
    )
    extra = [r for r in _pyproject()["optional-dependencies"]["tests"] if "ruff" in r]
    assert re.findall(r"ruff==([\d.]+)", lint) == re.findall(
        r"ruff==([\d.]+)", "".join(extra)
    ), (lint, extra)
    assert len(extra) == 1


def test_minimum_dependency_job_matches_pyproject():
    workflow = _load_yaml(WORKFLOW_DIR / "tests.yml")
    job = workflow["jobs"]["minimum-dependencies"]
    script = "\n".join(step.get("run", "") for step in job["steps"])
    pins = {
        name.lower(): version
        for name, version in re.findall(r"([A-Za-z0-9_.-]+)==([\d.]+)", script)
    }
    project = _pyproject()
    runtime = _lower_bounds(project["dependencies"])
    assert runtime, "no lower bounds found in pyproject.toml"
    for name, lower in runtime.items():
        assert name in pins, f"{name} is not pinned in the minimum-dependency job"
        assert _same_release(pins[name], lower), (
            f"{name}: pyproject says >={lower}, the job pins {pins[name]}"
        )
    # Optional dependencies that the job pins must match their bounds too.
    extras = {}
    for requirements in project.get("optional-dependencies", {}).values():
        extras.update(_lower_bounds(requirements))
    for name, pin in pins.items():
        if name in extras and name not in runtime:
            assert _same_release(pin, extras[name]), (
                f"{name}: pyproject says >={extras[name]}, the job pins {pin}"
            )

    python = None
    for step in job["steps"]:
        python = step.get("with", {}).get("python-version", python)
    match = re.search(r">=\s*([\d.]+)", project.get("requires-python", ""))
    if match:
        assert str(python) == match.group(1), (
            f"the minimum-dependency job runs Python {python}, but pyproject "
            f"says requires-python >={match.group(1)}"
        )


# --------------------------------------------------------------------------
# the workflows, the README and .ci/run run the same commands
# --------------------------------------------------------------------------
_QUIET_FLAGS = re.compile(r"\s+(?:-q+|-v+|--quiet|--verbose|-rs|--tb=\S+)(?=\s|$)")


def _pytest_commands(text):
    """The ``python -m pytest ...`` invocations of a text, without -q/-v."""
    commands = set()
    for match in re.finditer(r"python -m pytest\b[^\n&|;`\"')]*", text):
        command = _QUIET_FLAGS.sub("", match.group(0)).strip()
        commands.add(re.sub(r"\s+", " ", command))
    return commands


def _run_steps(name):
    workflow = _load_yaml(WORKFLOW_DIR / name)
    return "\n".join(step.get("run", "") for _, step in _steps(workflow))


def test_readme_and_ci_run_use_the_workflow_test_command():
    workflow_commands = _pytest_commands(_run_steps("tests.yml"))
    assert len(workflow_commands) == 1, workflow_commands
    for path in (ROOT / "README.md", ROOT / ".ci" / "run"):
        if not path.exists():
            pytest.skip(f"{path.name} does not exist yet")
        commands = _pytest_commands(path.read_text("utf-8"))
        assert workflow_commands <= commands, (
            f"{path.relative_to(ROOT)} runs {sorted(commands)}, the tests "
            f"workflow runs {sorted(workflow_commands)}"
        )


def test_ci_run_lints_and_builds_the_docs_like_the_workflows():
    ci_run = ROOT / ".ci" / "run"
    if not ci_run.exists():
        pytest.skip(".ci/run does not exist yet")
    script = ci_run.read_text("utf-8")
    lint = _run_steps("lint.yml")
    docs = _run_steps("docs.yml")
    expected = [
        (r"ruff check\b", lint),
        (r"ruff format --check\b", lint),
        (r"sphinx(?:-build)? -W --keep-going -b html doc doc/_build/html", docs),
    ]
    for pattern, workflow_text in expected:
        assert re.search(pattern, workflow_text), f"{pattern!r} not in the workflow"
        assert re.search(pattern, script), f".ci/run does not run {pattern!r}"
