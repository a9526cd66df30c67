"""The core packages load their modules on first use: importing one costs no pydantic."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

PACKAGES = ("tap_core.app", "tap_core.inventory", "tap_core.leaderboard", "tap_core.memory")


@pytest.mark.parametrize("package", PACKAGES)
def test_importing_a_core_package_loads_no_pydantic_and_no_submodule(package: str) -> None:
    """Given a fresh interpreter, when it imports a core package, then neither pydantic's model
    machinery nor any of the package's modules is loaded yet."""
    code = f"import json, sys, {package}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert package in loaded
    assert {m for m in loaded if m.split(".")[0] == "pydantic"} == set()
    assert {m for m in loaded if m.startswith(f"{package}.")} == set()


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_is_the_object_its_module_defines(package: str) -> None:
    """Every name of ``__all__`` resolves, to the very object its home module holds, and
    ``dir()`` lists it."""
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        home = getattr(value, "__module__", None)
        if isinstance(home, str) and home.startswith(package) and hasattr(value, "__qualname__"):
            assert getattr(importlib.import_module(home), value.__qualname__) is value
    assert set(module.__all__) <= set(dir(module))


def test_a_name_the_package_does_not_export_is_an_attribute_error() -> None:
    module = importlib.import_module("tap_core.inventory")
    with pytest.raises(AttributeError, match=r"'tap_core\.inventory' has no attribute 'nope'"):
        module.nope  # noqa: B018 - the lookup is the test
