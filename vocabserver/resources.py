"""Where the files that ship with the server live.

In a checkout (editable install) they are the repository's top-level folders;
in a wheel they are packaged under vocabserver/_shipped (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """`queries`, `templates` or `vocabularies`."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_shipped" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped folder {name!r} not found next to the package")
