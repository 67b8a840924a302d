"""The benchmark scripts' output files: checked before a run, written after."""

import os


def check_output_paths(parser, args, options):
    """``parser.error`` unless each of ``options`` (e.g. ``("--out", "--rst")``)
    that was given names a distinct file that can be written.

    Called while the arguments are parsed, so that a bad path stops the
    script before a run of minutes rather than after it.
    """
    seen = {}
    for option in options:
        path = getattr(args, option.lstrip("-").replace("-", "_"))
        if path is None:
            continue
        problem = _output_problem(path)
        if problem:
            parser.error(f"{option} {path!r}: {problem}")
        key = os.path.normcase(os.path.realpath(path))
        if key in seen:
            parser.error(f"{seen[key]} and {option} name the same file {path!r}")
        seen[key] = option


def _output_problem(path):
    """Why ``path`` cannot be written (missing directories are created), or None."""
    if not path:
        return "empty path"
    if os.path.isdir(path):
        return "is a directory"
    if os.path.exists(path):
        return None if os.access(path, os.W_OK) else "is not writable"
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        return f"cannot create its directory: {folder} is not a directory"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write in {folder}"
    return None


def write_text(path, text):
    """Write ``text`` to ``path`` in UTF-8, creating missing directories."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
