"""Docstrings are read as plain text (there is no Sphinx build): names in plain backticks."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROLE = re.compile(r":(?:py:)?(?:func|class|data|meth|attr|mod|exc|obj|const|ref):`")


def test_no_sphinx_roles_in_the_packages() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "packages").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE.search(line)
    ]
    assert found == [], "write `name`, not :role:`name`"
