"""The inventory routes of the read API (all GET, JSON).

- ``/inventory/items/{sku}``: that SKU in every warehouse (its records, warehouse order, and
  the total quantity).
- ``/inventory/summaries/latest`` and ``/inventory/summaries/{YYYY-MM-DD}``: a daily summary,
  read from its DynamoDB item (one GetItem or Query): every inventory route then reads the
  inventory table alone, and the role needs no S3 read. The JSON objects under the reports
  prefix are the same summaries, for people and tools that read the bucket.
- ``/inventory/imports/{import_id}``: an import's record (`tap_core.inventory.ImportRecord`:
  status, counts, file errors, the first row errors), in progress or done; the
  id is `tap_core.inventory.import_id` of the object's bucket, key and version.

A SKU stored nowhere, a day without a summary or an unknown import is a 404.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError

from tap_aws.adapters.reports import JSON_TYPE
from tap_aws.functions.routes.requests import dependencies, read
from tap_core.app.ports import LATEST
from tap_core.errors import show
from tap_core.inventory import KEY_CHARS, MAX_KEY_CHARS, format_money

if TYPE_CHECKING:
    from tap_core.inventory import StockRecord

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SKU = re.compile(f"[{KEY_CHARS}]{{1,{MAX_KEY_CHARS}}}")

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


def _stock(record: StockRecord) -> dict[str, Any]:
    item = record.item
    return {
        "warehouse": item.warehouse,
        "name": item.name,
        "quantity": item.quantity,
        "unit_price": format_money(item.unit_price),
        "category": item.category,
        "reorder_level": item.reorder_level,
        "updated_at": item.updated_at.isoformat(),
        "uploaded_at": record.uploaded_at.isoformat(),
        "source": record.source,
        "row": record.row,
    }


@router.get("/inventory/items/<sku>")
def stock_item(sku: str) -> dict[str, Any]:
    if not _SKU.fullmatch(sku):
        raise BadRequestError(
            f"sku must be 1-{MAX_KEY_CHARS} characters of {KEY_CHARS}, got {show(sku)}"
        )
    records = dependencies(router).inventory.stock_of(sku)
    if not records:
        raise NotFoundError(f"sku {show(sku)} is in no warehouse")
    return {
        "sku": sku,
        "quantity": sum(record.item.quantity for record in records),
        "warehouses": [_stock(record) for record in records],
    }


@router.get("/inventory/summaries/<day>")
def summary(day: str) -> Response[str]:
    wanted: date | None = None
    if day != LATEST:
        if not _DAY.fullmatch(day):
            raise BadRequestError(f"date must be YYYY-MM-DD or 'latest', got {show(day)}")
        try:
            wanted = date.fromisoformat(day)
        except ValueError:
            raise BadRequestError(f"date {show(day)} is not a calendar date") from None
    found = dependencies(router).inventory.summary(wanted)
    if found is None:
        raise NotFoundError(f"no inventory summary for {day}")
    return Response(status_code=200, content_type=JSON_TYPE, body=found.model_dump_json())


@router.get("/inventory/imports/<import_id>")
def import_record(import_id: str) -> Response[str]:
    found = read(lambda: dependencies(router).inventory.import_record(import_id))
    if found is None:
        raise NotFoundError(f"import {show(import_id)} is unknown")
    return Response(status_code=200, content_type=JSON_TYPE, body=found.model_dump_json())
