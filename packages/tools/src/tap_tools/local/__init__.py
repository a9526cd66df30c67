"""The local stack: tap's functions on one machine, against an embedded AWS emulator.

``tap local up`` runs `LocalStack`; any AWS client can talk to its ``endpoint_url``
and any HTTP client to its ``api_url``. moto's server comes with ``tap-tools``; a Valkey or
Redis server (``rank_index="valkey"``) must be installed (`ServerMissing` says how).
"""

from tap_tools.local.boards import DEFAULT_BOARDS, BoardsFileError, load_boards
from tap_tools.local.emulator import EmulatorMissing
from tap_tools.local.stack import (
    DEFAULT_SUMMARY_INTERVAL,
    LocalStack,
    PortUnavailable,
    StackError,
)
from tap_tools.valkey_server import ServerMissing

__all__ = [
    "DEFAULT_BOARDS",
    "DEFAULT_SUMMARY_INTERVAL",
    "BoardsFileError",
    "EmulatorMissing",
    "LocalStack",
    "PortUnavailable",
    "ServerMissing",
    "StackError",
    "load_boards",
]
