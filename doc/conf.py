"""Sphinx configuration of the sklspin documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

The example gallery (``examples/plot_*.py``) is executed during the build.
Add ``-D plot_gallery=0`` to skip running the examples while editing text.

Links to the scikit-learn, NumPy, SciPy and matplotlib documentation
(intersphinx) need internet access to fetch the inventories, so they are
opt-in: set ``SKLSPIN_DOCS_INTERSPHINX=1`` for a published build (the docs
workflow does). Without it the build uses no network and still passes with
``-W``.
"""

import os
import re
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

try:
    import sklspin
except ImportError:  # building from a source checkout without installing
    sys.path.insert(0, str(ROOT))
    import sklspin

# -- Project information -----------------------------------------------------

project = "sklspin"
author = "The sklspin developers"
_FIRST_YEAR = 2026  # as in LICENSE
_years = "-".join(sorted({str(_FIRST_YEAR), str(date.today().year)}))
copyright = f"{_years}, {author}"
release = sklspin.__version__
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

INTERSPHINX = os.environ.get("SKLSPIN_DOCS_INTERSPHINX", "0").lower() in (
    "1",
    "true",
    "yes",
)
if INTERSPHINX:
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
add_module_names = False

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Parameter types become links (numpydoc's defaults point into the Python
# and NumPy docs, so they need intersphinx).
numpydoc_xref_param_type = INTERSPHINX
numpydoc_xref_aliases = {
    "RandomState": "numpy.random.RandomState",
    "Axes": "matplotlib.axes.Axes",
    "Colormap": "matplotlib.colors.Colormap",
}
numpydoc_xref_ignore = {
    "of",
    "or",
    "and",
    "shape",
    "default",
    "optional",
    "instance",
    "n_samples",
    "n_features",
    "n_classes",
    "n_outputs",
    "n_layers",
    "n_iter_",
    "n_neighbors",
    "n_fan_in",
    "n_fan_out",
    "n_units",
    "n_groups",
    "sparse",
    "matrix",
    "int64",
    "float64",
    "matplotlib",
    "image_shape",
}

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Matched against the native path: "\\plot_" on Windows.
    "filename_pattern": re.escape(os.sep) + "plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sklspin",),
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    # An example that raises stops the build with an error.
    "only_warn_on_example_error": False,
    "abort_on_example_error": False,
    "min_reported_time": 1,
    "reset_modules": ("matplotlib",),
    "matplotlib_animations": False,
}

# -- HTML output -------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklspin {release}"
html_short_title = "sklspin"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "show_prev_next": True,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
    "secondary_sidebar_items": ["page-toc", "sg_download_links", "sg_launcher_links"],
}
html_sidebars = {
    "install": [],
    "quick_start": [],
    "changelog": [],
    "references": [],
}
html_context = {"default_mode": "light"}


# -- offline builds: inherited scikit-learn docstrings -------------------------

# The API pages include methods inherited from scikit-learn (``score``,
# ``get_params``, ...), whose docstrings use :ref: and :term: roles that point
# into scikit-learn's documentation. Those resolve through intersphinx only;
# offline they would be broken references (errors under -W). Without
# intersphinx, turn them into plain text in scikit-learn's docstrings only,
# so that broken references in sklspin's own text still fail the build.
_EXTERNAL_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<([^`>]*)>)?`", re.DOTALL)


def _role_text(match):
    title, target = match.group(1).strip(), match.group(2)
    if target is None:  # :term:`estimator`, :ref:`some_label`
        return title if not title.startswith("sphx_glr_") else "an example"
    return title


def _unlink_sklearn_roles(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if INTERSPHINX or not module.startswith("sklearn"):
        return
    text = _EXTERNAL_ROLE.sub(_role_text, "\n".join(lines))
    lines[:] = text.split("\n")


def setup(app):
    # Run before numpydoc (priority 500) so that it parses the cleaned text.
    app.connect("autodoc-process-docstring", _unlink_sklearn_roles, priority=400)
