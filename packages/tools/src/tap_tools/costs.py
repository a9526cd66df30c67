"""What a month of accepted submits costs for each rank index, from published prices.

Prices are AWS's on-demand list prices in us-east-1 as published in 2026 (DynamoDB's after its
November 2024 cut); they change, so each is a named constant here and nowhere else. The
per-submit quantities come from measurement (``python -m bench leaderboard_scale``: write
units per accepted submit, index commands) and from the request budgets the tests assert
(``packages/aws_adapter/README.md``); `monthly` multiplies them out.

Left out, because they are the same for both indexes or too small to matter beside what is
counted: Lambda (the ``scores`` function's time per message is the same either way, and
measured nowhere here: there is no AWS account), DynamoDB storage ($0.25 per GB-month, under
1 KB a player with either index), the read API's requests, CloudWatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

HOURS_PER_MONTH: Final = 730
DYNAMODB_WRITE_UNIT: Final = 0.625 / 10**6
"""Dollars per on-demand write request unit (1 KB; transactions take 2)."""
DYNAMODB_READ_UNIT: Final = 0.125 / 10**6
"""Dollars per on-demand read request unit (4 KB strongly consistent)."""
SQS_FIFO_REQUEST: Final = 0.50 / 10**6
"""Dollars per FIFO queue request (a batch of up to 10 messages is one)."""
VALKEY_ECPU: Final = 0.0023 / 10**6
"""Dollars per ElastiCache Serverless (Valkey) processing unit."""
VALKEY_GB_HOUR: Final = 0.084
"""Dollars per GB-hour of data an ElastiCache Serverless (Valkey) cache holds."""
VALKEY_MINIMUM_GB: Final = 0.1
"""The least a Valkey serverless cache is billed for holding."""
INTERFACE_ENDPOINT_HOUR: Final = 0.01
"""Dollars per interface VPC endpoint per availability zone per hour (the Valkey stack's X-Ray
endpoint, in 2 zones)."""
ENDPOINT_ZONES: Final = 2

SQS_REQUESTS_PER_SUBMIT: Final = 0.3
"""A game server's SendMessageBatch of 10, Lambda's receive of up to 10 and its delete batch."""
READ_UNITS_PER_SUBMIT: Final = 3.0
"""The submit's BatchGetItem (entry and held row) and the index's read of the held row."""
VALKEY_ECPU_PER_MOVE: Final = 10.0
"""An assumption, not a measurement: a move is 4 commands inside one script call (HGET, HSET,
ZREM, ZADD on a set of up to millions) and ECPUs grow with the vCPU time a command takes."""


@dataclass(frozen=True)
class Index:
    """A rank index's costs per accepted submit."""

    name: str
    write_units: float
    ecpus: float = 0.0
    bytes_per_player: float = 0.0
    """What the index holds per player in memory (Valkey: measured, ~268 B)."""
    fixed_per_month: float = 0.0


def monthly(index: Index, submits: int, players: int) -> float:
    """Dollars a month for ``submits`` accepted submits on boards of ``players`` in all."""
    per_submit = (
        index.write_units * DYNAMODB_WRITE_UNIT
        + READ_UNITS_PER_SUBMIT * DYNAMODB_READ_UNIT
        + SQS_REQUESTS_PER_SUBMIT * SQS_FIFO_REQUEST
        + index.ecpus * VALKEY_ECPU
    )
    held = 0.0
    if index.bytes_per_player:
        gigabytes = max(VALKEY_MINIMUM_GB, players * index.bytes_per_player / 10**9)
        held = gigabytes * VALKEY_GB_HOUR * HOURS_PER_MONTH
    return submits * per_submit + held + index.fixed_per_month


def valkey_fixed_per_month() -> float:
    """The Valkey stack's fixed costs: its interface endpoint in each zone."""
    return INTERFACE_ENDPOINT_HOUR * ENDPOINT_ZONES * HOURS_PER_MONTH
