"""``tap inventory validate|summarize``: the CSV contract checked on a local file.

The user-facing help is in the ``*_HELP`` texts below. Module scope imports the standard
library only; the run functions import ``tap_core.inventory`` when they run, so ``tap --help``
and the other commands never load it. Nothing here imports anything outside ``tap_core``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tap_tools.cli import PIPE_CLOSED_LINE

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from tap_core.inventory import (
        InventoryItem,
        InventoryReport,
        InventorySummary,
        ReportBuilder,
        RowError,
        Totals,
        ValidRow,
    )

LISTED_ERRORS: Final = 50
"""Row errors the human-readable report lists (``--json`` has the first 1,000)."""

EXIT_STATUS: Final = f"""\
exit status:
  0  every record is valid
  1  some records are invalid (the report lists them)
  2  usage error, or the file cannot be read or its header is unusable (the report says why)
{PIPE_CLOSED_LINE}"""

INVENTORY_HELP: Final = f"""\
Check inventory CSV files against the contract (columns, values, keys; see the README), or
summarize the stock of their valid rows. Nothing is uploaded or stored.

examples:
  tap inventory validate inventory.csv
  tap inventory summarize inventory.csv --json

{EXIT_STATUS}"""

VALIDATE_HELP: Final = f"""\
Check FILE against the inventory CSV contract and print the report: the record counts, the
file errors, the first {LISTED_ERRORS} row errors (row, column, value and what is allowed)
and the warnings. --json prints the report as JSON, with the first 1,000 row errors.

examples:
  tap inventory validate inventory.csv
  tap inventory validate inventory.csv --uploaded-at 2026-11-24T12:00Z
  tap inventory validate inventory.csv --json | head -c 400

{EXIT_STATUS}"""

SUMMARIZE_HELP: Final = f"""\
Validate FILE, then print the stock summary of its valid rows as if they were imported into an
empty store: totals, per category and warehouse, and the items low on stock. The validation
outcome goes to stderr; --json prints the summary as JSON (money as strings).

examples:
  tap inventory summarize inventory.csv
  tap inventory summarize inventory.csv --as-of 2026-11-24 --json

{EXIT_STATUS}"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "inventory",
        help="validate an inventory CSV or summarize its valid rows",
        description=INVENTORY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="inventory_command", required=True, metavar="COMMAND")
    validate = actions.add_parser(
        "validate",
        help="check FILE against the CSV contract and print the report",
        description=VALIDATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(validate)
    validate.set_defaults(run=run_validate)
    summary = actions.add_parser(
        "summarize",
        help="validate FILE, then summarize the stock of its valid rows",
        description=SUMMARIZE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(summary)
    summary.add_argument(
        "--as-of",
        type=moment,
        default=None,
        metavar="T",
        help="the summary's time label (ISO-8601; naive means UTC; default: now)",
    )
    summary.set_defaults(run=run_summarize)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the CSV file")
    parser.add_argument("--json", action="store_true", help="print JSON (the model, exactly)")
    parser.add_argument(
        "--uploaded-at",
        type=moment,
        default=None,
        metavar="T",
        help="the upload time that updated_at is checked against and defaults to "
        "(ISO-8601; naive means UTC; default: now)",
    )


def moment(text: str) -> datetime:
    """An ISO-8601 date or date and time given on the command line; naive means UTC."""
    from tap_core.errors import show  # noqa: PLC0415 - stdlib only; not for --help

    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{show(text)} is not an ISO-8601 date or date and time (like 2026-11-24T12:00:00Z)"
        ) from None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise argparse.ArgumentTypeError(
            f"{show(text)} is outside the years 1 to 9999 once converted to UTC"
        ) from None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def run_validate(args: argparse.Namespace) -> int:
    report = validate_file(args.file, args.uploaded_at or _now())
    print(report.model_dump_json() if args.json else render_report(args.file, report))
    return report.exit_status


def validate_file(path: Path, uploaded_at: datetime) -> InventoryReport:
    """The report of the file at ``path``; ``unreadable_file`` when it cannot be read."""
    from tap_core.inventory import validate_inventory  # noqa: PLC0415 - see the module doc

    try:
        with path.open("rb") as stream:
            return validate_inventory(stream, uploaded_at)
    except OSError as error:
        return _unreadable(path, error)


def run_summarize(args: argparse.Namespace) -> int:
    from tap_core.inventory import ReportBuilder, parse_inventory, summarize  # noqa: PLC0415

    uploaded_at, as_of = args.uploaded_at or _now(), args.as_of or _now()
    builder = ReportBuilder()
    try:
        with args.file.open("rb") as stream:
            parser = parse_inventory(stream, uploaded_at)
            builder = ReportBuilder(parser.file_errors, parser.warnings)
            summary = summarize(_valid_items(parser, builder), as_of.isoformat())
        report = builder.report()
    except OSError as error:
        summary, report = summarize([], as_of.isoformat()), _unreadable(args.file, error)
    print(summary.model_dump_json() if args.json else render_summary(args.file, summary))
    print(render_report(args.file, report, listed=10), file=sys.stderr)
    return report.exit_status


def _valid_items(
    events: Iterable[ValidRow | RowError], builder: ReportBuilder
) -> Iterator[InventoryItem]:
    """The items of the valid rows; every event is counted into ``builder`` on the way."""
    from tap_core.inventory import ValidRow  # noqa: PLC0415 - see the module doc

    for event in events:
        builder.add(event)
        if isinstance(event, ValidRow):
            yield event.item


def _unreadable(path: Path, error: OSError) -> InventoryReport:
    from tap_core.inventory import FileError, InventoryReport  # noqa: PLC0415

    reason = error.strerror or str(error)
    return InventoryReport(
        rows_total=0,
        rows_valid=0,
        rows_invalid=0,
        file_errors=[FileError(code="unreadable_file", message=f"{path} cannot be read: {reason}")],
    )


def render_report(path: Path, report: InventoryReport, *, listed: int = LISTED_ERRORS) -> str:
    """The report for a person: counts, file errors, the first row errors, warnings."""
    if report.file_errors:
        lines = [f"{path}: not read ({len(report.file_errors)} file error(s))"]
        lines += [f"  {error.code}: {error.message}" for error in report.file_errors]
    else:
        counts = f"{report.rows_valid} valid, {report.rows_invalid} invalid"
        lines = [f"{path}: {report.rows_total} records, {counts}"]
    lines += [f"  {error.code}: {error.message}" for error in report.errors[:listed]]
    left_out = len(report.errors) - min(listed, len(report.errors)) + report.errors_truncated
    if left_out:
        lines.append(f"  ... and {left_out} more row errors (--json lists the first 1,000)")
    lines += [f"  warning: {warning}" for warning in report.warnings]
    return "\n".join(lines)


def render_summary(path: Path, summary: InventorySummary) -> str:
    """The summary for a person: totals, per category and warehouse, the low-stock list."""
    from tap_core.inventory import format_money  # noqa: PLC0415 - see the module doc

    totals = f"{summary.items} items, {summary.units} units, value {format_money(summary.value)}"
    stock = f"{summary.out_of_stock} out of stock, {summary.low_stock_total} low on stock"
    lines = [
        f"Inventory of the valid rows of {path}, as of {summary.as_of}:",
        f"  {totals}; {stock}",
    ]
    for title, groups in (("category", summary.by_category), ("warehouse", summary.by_warehouse)):
        lines.append(f"By {title}:")
        lines += [f"  {_shown(name):<24} {_totals(totals)}" for name, totals in groups.items()]
    if summary.low_stock:
        lines.append(
            f"Low stock, most urgent first ({len(summary.low_stock)} of {summary.low_stock_total}):"
        )
        lines += [
            f"  {_shown(item.sku)} @ {_shown(item.warehouse)}: {item.quantity} of "
            f"{item.reorder_level} (short {item.shortfall}) {_shown(item.name)}"
            for item in summary.low_stock
        ]
    return "\n".join(lines)


def _totals(totals: Totals) -> str:
    from tap_core.inventory import format_money  # noqa: PLC0415 - see the module doc

    return f"{totals.items:>8} items {totals.units:>12} units  value {format_money(totals.value)}"


def _shown(text: str) -> str:
    """``text`` as is when printable, else JSON-quoted so control characters show."""
    return text if text.isprintable() else json.dumps(text, ensure_ascii=False)
