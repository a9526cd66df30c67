"""Importing a function module builds no client and reads no setting (a cold start's cost)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tap_aws.resources import FUNCTIONS

PROBE = """
import json, sys
import {module} as function
import tap_aws.functions.bootstrap as bootstrap
clients = sys.modules.get("tap_aws.clients")
settings = sys.modules.get("tap_aws.settings")
print(json.dumps({{
    "handler": callable(getattr(function, "{attribute}", None)),
    "boto3": "boto3" in sys.modules,
    "clients_built": None if clients is None else sum(
        build.cache_info().currsize for build in (clients.dynamodb, clients.sqs, clients.s3)
    ),
    "settings_read": None if settings is None else settings.get_settings.cache_info().currsize,
    "root_built": function.root._value is not None,
}}))
"""


@pytest.mark.parametrize("handler", [spec.handler for spec in FUNCTIONS])
def test_importing_a_function_builds_no_client_and_reads_no_setting(handler: str) -> None:
    module, _, attribute = handler.rpartition(".")
    # Given a process with no environment at all (no TAP_* variable, no AWS credentials)
    # When it imports the function module
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", PROBE.format(module=module, attribute=attribute)],
        env={},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # Then the import succeeded without boto3, any client or the settings
    assert seen == {
        "handler": True,
        "boto3": False,
        "clients_built": None,
        "settings_read": None,
        "root_built": False,
    }
