"""What an AWS client needs to reach a running local stack, as environment variables.

`client_environment` gives them from the stack's outputs: ``AWS_ENDPOINT_URL`` (boto3,
botocore-based tools and AWS CLI v2 read it; AWS CLI v1 before 1.29 needs
``--endpoint-url``), the stack's region as ``AWS_REGION`` and ``AWS_DEFAULT_REGION``, and
the fake credentials the emulator accepts. `render` writes them as shell ``export`` lines, a
dotenv file or JSON (``tap local up`` prints them; ``tap local env`` emits them).
"""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Final, Literal

from tap_tools.local.provision import FAKE_CREDENTIAL
from tap_tools.local.wiring import endpoint_of, region_of

if TYPE_CHECKING:
    from collections.abc import Mapping

Format = Literal["sh", "dotenv", "json"]
FORMATS: Final[tuple[Format, ...]] = ("sh", "dotenv", "json")


def local_client_settings(outputs: Mapping[str, object]) -> tuple[str, tuple[str, str]]:
    """(region, (access key id, secret)) for a client of the stack of ``outputs``."""
    return region_of(outputs), (FAKE_CREDENTIAL, FAKE_CREDENTIAL)


def client_environment(outputs: Mapping[str, object]) -> dict[str, str]:
    """The variables that point an AWS client at the stack of ``outputs`` (MissingOutput when
    they are not a local stack's)."""
    region, (key, secret) = local_client_settings(outputs)
    return {
        "AWS_ENDPOINT_URL": endpoint_of(outputs),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
    }


def render(variables: Mapping[str, str], form: Format = "sh") -> str:
    """``variables`` as ``export`` lines (``sh``), ``NAME=value`` lines (``dotenv``) or JSON."""
    if form == "json":
        return json.dumps(dict(variables), indent=2)
    if form == "dotenv":
        return "\n".join(f"{name}={value}" for name, value in variables.items())
    return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in variables.items())
