"""The Pulumi program (``pulumi up`` in packages/infra): stack config in, tap's outputs out.

The only place that reads ``pulumi.Config`` or the environment; everything else takes Args.
"""

from __future__ import annotations

import os

import pulumi

from tap_infra.stack import (
    TapStackArgs,
    architecture,
    define,
    environment_suffix,
    leaderboards_json,
)

config = pulumi.Config()
args = TapStackArgs(
    suffix=environment_suffix(os.environ, config.get("env")),
    code=pulumi.FileArchive(config.require("bundle")),
    leaderboards_json=leaderboards_json(config.require_object("leaderboards")),
    architecture=architecture(config.get("architecture")),
    memory_mb=config.get_int("memory"),
    reserved_concurrency=config.get_int("reservedConcurrency"),
    # Protected unless the stack says otherwise: a missing setting must not drop a table.
    deletion_protection=config.get_bool("deletionProtection", True),
    alarm_email=config.get("alarmEmail"),
)
for key, value in define("tap", args).items():
    pulumi.export(key, value)
