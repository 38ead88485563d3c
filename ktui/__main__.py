"""`python -m ktui`: the same as the `ktui` console script.

Run from the directory above a clone named ``ktui``, ``sys.path[0]`` (the
current directory) holds a folder ``ktui`` without ``__init__.py``: the
clone's root. Python's path finder comes before the finder of an editable
install (``pip install -e``), so ``import ktui`` yields that folder as an
empty namespace package, and this module -- found by the editable finder --
could not import anything from it. When that happens, put the real package's
parent first on the path and import again.
"""

import os
import sys

_pkg = sys.modules.get("ktui")
if _pkg is None or getattr(_pkg, "__file__", None) is None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.modules.pop("ktui", None)

from ktui.cli import main  # noqa: E402

raise SystemExit(main())
