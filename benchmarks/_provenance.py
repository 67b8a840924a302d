"""Git queries shared by the benchmark scripts, to name the code they measured."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git(*args):
    """Stripped output of ``git <args>`` run in the repository, or None.

    None when git is missing or the command fails (e.g. outside a clone).
    """
    try:
        completed = subprocess.run(
            ["git", "-C", ROOT, *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return completed.stdout.strip()


def import_sklspin():
    """Import and return this checkout's ``sklspin``.

    The reports name this checkout's commit, so the package they measure
    must be this checkout's: the checkout goes first on ``sys.path``, ahead
    of any installed copy (e.g. an editable install of another checkout).
    Raises ImportError when ``sklspin`` was already imported from elsewhere.
    """
    if ROOT in sys.path:
        sys.path.remove(ROOT)
    sys.path.insert(0, ROOT)
    import sklspin

    package_root = os.path.dirname(os.path.dirname(os.path.abspath(sklspin.__file__)))
    if not os.path.samefile(package_root, ROOT):
        raise ImportError(
            f"sklspin was imported from {package_root}, not from this checkout "
            f"({ROOT}), whose git commit the report would name; run the "
            "benchmark in a fresh interpreter"
        )
    return sklspin


def commit_description(short=False):
    """The checked-out commit, followed by the files of ``sklspin/`` and
    ``benchmarks/`` (results excluded) changed since, if any."""
    commit = git("rev-parse", *(["--short"] if short else []), "HEAD")
    if commit is None:
        return "unknown"
    status = git(
        "status",
        "--porcelain",
        "--",
        "sklspin",
        "benchmarks",
        ":(exclude)benchmarks/results",
    )
    # One "XY path" line per file (git() strips the first line's blank X).
    changed = [line.split(maxsplit=1)[-1] for line in (status or "").splitlines()]
    if changed:
        commit += f" (with uncommitted changes to {', '.join(changed)})"
    return commit
