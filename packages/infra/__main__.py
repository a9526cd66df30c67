"""The Pulumi program (``pulumi up`` in packages/infra): stack config in, tap's outputs out.

The only place that reads ``pulumi.Config`` or the environment; everything else takes Args.
"""

from __future__ import annotations

import os
from pathlib import Path

import pulumi

from tap_infra.bundle import build
from tap_infra.stack import (
    TapStackArgs,
    architecture,
    define,
    environment_suffix,
    leaderboards_json,
    rank_index,
)

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE.parents[1]

config = pulumi.Config()
chosen = architecture(config.get("architecture"))
# A prebuilt bundle when the stack names one; else built now from the workspace, byte for byte
# the same each run, so an unchanged workspace shows no diff.
bundle = config.get("bundle") or str(
    build(WORKSPACE, HERE / "build" / f"lambda-{chosen}.zip", chosen)
)
args = TapStackArgs(
    suffix=environment_suffix(os.environ, config.get("env")),
    code=pulumi.FileArchive(bundle),
    leaderboards_json=leaderboards_json(config.require_object("leaderboards")),
    count_shards=config.get_int("countShards") or 1,
    architecture=chosen,
    memory_mb=config.get_int("memory"),
    reserved_concurrency=config.get_int("reservedConcurrency"),
    # Protected unless the stack says otherwise: a missing setting must not drop a table.
    deletion_protection=config.get_bool("deletionProtection", True),
    alarm_email=config.get("alarmEmail"),
    rank_index=rank_index(config.get("rankIndex")),
)
for key, value in define("tap", args).items():
    pulumi.export(key, value)
