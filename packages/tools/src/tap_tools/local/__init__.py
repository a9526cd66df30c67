"""The local stack: tap's functions on one machine, against an embedded AWS emulator.

``tap local up`` runs `LocalStack`; any AWS client can talk to its ``endpoint_url``
and any HTTP client to its ``api_url``. moto's server comes with ``tap-tools``.
"""

from tap_tools.local.boards import DEFAULT_BOARDS, BoardsFileError, load_boards
from tap_tools.local.emulator import EmulatorMissing
from tap_tools.local.stack import (
    DEFAULT_SUMMARY_INTERVAL,
    LocalStack,
    PortUnavailable,
    StackError,
)

__all__ = [
    "DEFAULT_BOARDS",
    "DEFAULT_SUMMARY_INTERVAL",
    "BoardsFileError",
    "EmulatorMissing",
    "LocalStack",
    "PortUnavailable",
    "StackError",
    "load_boards",
]
