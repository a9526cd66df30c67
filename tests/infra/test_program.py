"""What ``__main__.py`` turns stack config into: checked values, clear errors."""

from __future__ import annotations

import ast
import json
import runpy
from pathlib import Path
from typing import TYPE_CHECKING

import pulumi
import pytest

from tap_aws.resources import FUNCTIONS
from tap_infra.stack import architecture, leaderboards_json
from tests.infra.conftest import pulumi_test, stack_args

if TYPE_CHECKING:
    from tap_infra.mocks import CapturingMocks

MAIN = Path(__file__).resolve().parents[2] / "packages" / "infra" / "__main__.py"


def test_leaderboards_are_validated_and_serialised_with_defaults() -> None:
    text = leaderboards_json([{"id": "global"}, {"id": "weekly", "reset": "weekly"}])
    boards = json.loads(text)
    assert [b["id"] for b in boards] == ["global", "weekly"]
    assert boards[0]["order"] == "desc"
    assert boards[1]["reset"] == "weekly"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "at least one board"),
        ([{"id": "a"}, {"id": "a"}], "board ids repeat"),
        ([{"id": "a", "order": "sideways"}], "order"),
        ({"id": "a"}, "config leaderboards"),
    ],
)
def test_bad_leaderboards_config_says_what_is_wrong(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        leaderboards_json(raw)


def test_a_bad_board_id_is_one_line_naming_it_and_the_rule() -> None:
    with pytest.raises(ValueError, match="config leaderboards") as caught:
        leaderboards_json([{"id": "Bad Id"}])
    message = str(caught.value)
    assert "\n" not in message
    assert 'leaderboard id "Bad Id" is not allowed: use 1-64 of a-z' in message
    assert "Value error" not in message
    assert "pydantic" not in message


def test_architecture_defaults_to_arm64_and_refuses_others() -> None:
    assert architecture(None) == "arm64"
    assert architecture("x86_64") == "x86_64"
    with pytest.raises(ValueError, match=r"'amd64' is not one of \['arm64', 'x86_64'\]"):
        architecture("amd64")


def test_stack_args_refuse_a_bad_suffix() -> None:
    with pytest.raises(ValueError, match="environment suffix"):
        stack_args(suffix="UPPER")


def test_only_the_program_reads_config_and_environment() -> None:
    """pulumi.Config and os.environ appear in __main__.py and nowhere in tap_infra."""
    source = Path(__file__).resolve().parents[2] / "packages" / "infra" / "src" / "tap_infra"
    for path in sorted(source.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "pulumi.Config" not in text, path
        assert "os.environ" not in text, path
    main = ast.unparse(ast.parse(MAIN.read_text(encoding="utf-8")))
    assert "pulumi.Config()" in main
    assert "environment_suffix(os.environ" in main


def test_the_program_runs_under_mocks_with_the_suffix_from_the_environment(
    mocks: CapturingMocks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """__main__.py as Pulumi runs it: config in, ENVIRONMENT_SUFFIX over `tap:env`."""
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: the mocks never read it
    monkeypatch.setenv("ENVIRONMENT_SUFFIX", "ci7")
    config = {
        "tap:leaderboards": json.dumps([{"id": "global"}]),
        "tap:bundle": str(bundle),
        "tap:env": "fromconfig",
        "tap:architecture": "x86_64",
    }
    for key, value in config.items():
        pulumi.runtime.set_config(key, value)

    @pulumi_test
    def program() -> None:
        runpy.run_path(str(MAIN), run_name="__main__")

    try:
        program()  # returns once every resource is registered
    finally:
        pulumi.runtime.set_all_config({})
    functions = mocks.of_type("aws:lambda/function:Function")
    assert sorted(f.inputs["name"] for f in functions) == sorted(
        spec.name("ci7") for spec in FUNCTIONS
    )
    assert {tuple(f.inputs["architectures"]) for f in functions} == {("x86_64",)}
    assert {f.inputs["code"].path for f in functions} == {str(bundle)}
