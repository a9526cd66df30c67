"""Kept so ``tap_aws.cli.demo_inventory`` keeps importing ``RowError`` from here; the parse
events live in :mod:`tap_core.inventory.csv.events`. Import them from
:mod:`tap_core.inventory`; this module goes once nothing imports it."""

from tap_core.inventory.csv.events import Checkpoint, FileError, RowError, ValidRow

__all__ = ["Checkpoint", "FileError", "RowError", "ValidRow"]
