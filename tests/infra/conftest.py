"""Pulumi mocks for every infra test, and the whole stack planned once per session.

``mocks`` (autouse) installs a fresh :class:`CapturingMocks` before each test, so a
``@pulumi.runtime.test`` function that builds components can then read what they registered.
``planned`` builds the whole program once (about a second) for the many tests that only read
its resources; ``valkey`` does the same with ``rankIndex: valkey``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import pulumi
import pytest

from tap_infra.mocks import CapturingMocks
from tap_infra.plan import Plan, run
from tap_infra.stack import TapStackArgs

PROVIDER_DEPRECATIONS: Final = (
    r"ignore:.*has been deprecated in favor of:DeprecationWarning:pulumi_aws\.s3\.",
    r"ignore:.*has been deprecated in favor of:DeprecationWarning:pulumi_aws\.lambda_\.",
    r"ignore:.*has been deprecated in favor of:DeprecationWarning:pulumi_aws\.ec2\.",
)
"""Touching ``aws.s3`` (or ``aws.lambda_``, ``aws.ec2``) imports every class of the module, and
each legacy one (BucketV2, MicrovmsImage, EncryptionControl, ...) warns as it is imported;
tap_infra uses none of them."""
F = TypeVar("F", bound=Callable[..., Any])
pulumi_test = cast("Callable[[F], F]", pulumi.runtime.test)
"""``@pulumi.runtime.test`` with its type: the test waits for every Output it returns."""
SUFFIX: Final = "test"
BOARDS_JSON: Final = '[{"id": "global"}, {"id": "weekly", "reset": "weekly"}]'


def pytest_configure(config: pytest.Config) -> None:
    for line in PROVIDER_DEPRECATIONS:
        config.addinivalue_line("filterwarnings", line)


def stack_args(**changes: object) -> TapStackArgs:
    """The args the tests plan with; keyword arguments override fields."""
    fields: dict[str, object] = {
        "suffix": SUFFIX,
        "code": pulumi.AssetArchive({}),
        "leaderboards_json": BOARDS_JSON,
    }
    fields.update(changes)
    return TapStackArgs(**fields)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def mocks() -> CapturingMocks:
    capturing = CapturingMocks()
    pulumi.runtime.set_mocks(capturing, project="tap", stack=SUFFIX, preview=False)
    return capturing


@pytest.fixture(scope="session")
def planned() -> Plan:
    return run(stack_args(), stack=SUFFIX)


@pytest.fixture(scope="session")
def valkey() -> Plan:
    """The whole stack with ``rankIndex: valkey``, planned once."""
    return run(stack_args(rank_index="valkey"), stack=SUFFIX)
