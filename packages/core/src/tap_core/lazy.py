"""A package's public names, each imported from its module the first time it is used (PEP 562).

Defining one pydantic model makes Python import most of pydantic (about 2.7x ``import
pydantic`` on its own), so a package ``__init__`` that imports its models eagerly makes every
caller pay for all of them: ``tap inventory validate`` would load the summary models, a Lambda
would load what its handler never touches. A package using this module writes its public
imports once, as ordinary imports under ``if TYPE_CHECKING:`` (type checkers and readers see
them as they are), keeps its ``__all__``, and ends with::

    if not TYPE_CHECKING:
        __getattr__, __dir__ = lazy_exports(__name__, __all__)

The first time a name is asked for, its module is imported and the name stored in the package,
so later lookups cost nothing. Which module holds which name is read from the package's own
``if TYPE_CHECKING:`` imports (as ``lazy_loader.attach_stub`` reads a ``.pyi`` stub), so the
names are written in one place; a name in ``__all__`` that no import provides is an
``ImportError`` naming it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.util
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def lazy_exports(
    package: str, names: Sequence[str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, which exports ``names``."""
    homes: dict[str, str] = {}

    def home_of(name: str) -> str | None:
        if not homes:
            homes.update(_typing_imports(package))
            missing = sorted(set(names) - homes.keys())
            if missing:
                raise ImportError(
                    f"{package}: {', '.join(missing)} in __all__ but not imported under "
                    "'if TYPE_CHECKING:' in its __init__"
                )
        return homes.get(name) if name in names else None

    def __getattr__(name: str) -> object:  # noqa: N807 - the PEP 562 hook
        module = home_of(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # the next lookup does not come here
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__


def _typing_imports(package: str) -> dict[str, str]:
    """Each name imported by ``from MODULE import NAME`` under ``if TYPE_CHECKING:`` at the
    top level of ``package``'s ``__init__``, mapped to its module."""
    spec = importlib.util.find_spec(package)
    loader = spec.loader if spec else None
    source = loader.get_source(package) if isinstance(loader, importlib.abc.InspectLoader) else None
    if source is None:
        raise ImportError(f"{package}: no source to read its exports from")
    homes: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    for alias in statement.names:
                        homes[alias.asname or alias.name] = statement.module
    return homes
