"""The inventory core: the CSV contract, import decisions and the daily summary.

Pure: streams and times are passed in; nothing here opens files or reads the clock.
"""

from typing import TYPE_CHECKING

from tap_core.lazy import lazy_exports

if TYPE_CHECKING:
    from tap_core.inventory.csv.contract import (
        COLUMNS,
        KEY_CHARS,
        MAX_KEY_CHARS,
        MAX_RECORD_BYTES,
        MAX_REPORTED_ERRORS,
        Column,
        Columns,
        FileErrorCode,
        RowErrorCode,
    )
    from tap_core.inventory.csv.events import Checkpoint, FileError, RowError, ValidRow
    from tap_core.inventory.csv.parser import InventoryParser, parse_inventory, validate_inventory
    from tap_core.inventory.csv.report import InventoryReport, ReportBuilder
    from tap_core.inventory.csv.splitting import Readable
    from tap_core.inventory.decisions import Cause, ImportDecision, ImportStatus, decide
    from tap_core.inventory.imports import (
        LEASE,
        REPORTED_ROW_ERRORS,
        ImportRecord,
        import_id,
        parse_import_id,
    )
    from tap_core.inventory.item import InventoryItem, format_money
    from tap_core.inventory.port import (
        STALE_ROWS_MAX,
        ImportedRow,
        ImportLedger,
        ImportResult,
        InventoryStore,
        LocatedItem,
        StaleRow,
        SummaryArchive,
    )
    from tap_core.inventory.stock import (
        FINGERPRINT_WIDTH,
        INSTANT_WIDTH,
        StockRecord,
        Version,
        canonical_price,
        canonical_values,
        decode_version,
        encode_instant,
        encode_version,
        fingerprint,
    )
    from tap_core.inventory.summary import (
        LOW_STOCK_MAX,
        InventorySummary,
        LowStockItem,
        Money,
        Totals,
        summarize,
    )
    from tap_core.inventory.tally import ImportTally, provenance

__all__ = [
    "COLUMNS",
    "FINGERPRINT_WIDTH",
    "INSTANT_WIDTH",
    "KEY_CHARS",
    "LEASE",
    "LOW_STOCK_MAX",
    "MAX_KEY_CHARS",
    "MAX_RECORD_BYTES",
    "MAX_REPORTED_ERRORS",
    "REPORTED_ROW_ERRORS",
    "STALE_ROWS_MAX",
    "Cause",
    "Checkpoint",
    "Column",
    "Columns",
    "FileError",
    "FileErrorCode",
    "ImportDecision",
    "ImportLedger",
    "ImportRecord",
    "ImportResult",
    "ImportStatus",
    "ImportTally",
    "ImportedRow",
    "InventoryItem",
    "InventoryParser",
    "InventoryReport",
    "InventoryStore",
    "InventorySummary",
    "LocatedItem",
    "LowStockItem",
    "Money",
    "Readable",
    "ReportBuilder",
    "RowError",
    "RowErrorCode",
    "StaleRow",
    "StockRecord",
    "SummaryArchive",
    "Totals",
    "ValidRow",
    "Version",
    "canonical_price",
    "canonical_values",
    "decide",
    "decode_version",
    "encode_instant",
    "encode_version",
    "fingerprint",
    "format_money",
    "import_id",
    "parse_import_id",
    "parse_inventory",
    "provenance",
    "summarize",
    "validate_inventory",
]

if not TYPE_CHECKING:  # each name imported when first used: see tap_core.lazy
    __getattr__, __dir__ = lazy_exports(__name__, __all__)
