"""Git queries shared by the benchmark scripts, to name the code they measured."""

import os
import subprocess

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
