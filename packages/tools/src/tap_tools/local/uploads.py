"""`IgnoredUploads`: says which objects created in the bucket the import rule ignores, and why.

A catch-all rule (`tap_aws.resources.LOCAL_OBJECTS_RULE_STEM`) puts every "Object Created" of
the bucket on `tap_aws.resources.LOCAL_OBJECT_EVENTS`; this pump reads them and reports each
one the upload rule does not match (`BucketSpec.is_upload`): ``inbound/UPPER.CSV``,
``inbound/notes.txt``, ``elsewhere/clean.csv``. The stack's own reports (under the reports
prefix) are not uploads and pass without a word. In AWS nothing reports them: the rule simply
does not fire.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tap_aws.resources import INVENTORY_BUCKET
from tap_tools.local.pumps import QueuePump

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

    from tap_tools.local.journal import Journal


def ignored_reason(key: str) -> str | None:
    """Why the import ignores an object created at ``key``; None when it imports it (or it is
    a report the stack wrote)."""
    if INVENTORY_BUCKET.is_upload(key) or key.startswith(INVENTORY_BUCKET.reports_prefix):
        return None
    return f"the import rule takes only keys {INVENTORY_BUCKET.upload_rule}"


class IgnoredUploads(QueuePump):
    """Reads the bucket's "Object Created" events; reports those no import follows."""

    def __init__(self, journal: Journal, sqs: SQSClient, queue_url: str) -> None:
        super().__init__("uploads", journal, sqs, queue_url)

    def handle(self, messages: list[MessageTypeDef]) -> None:
        for message in messages:
            try:
                detail = json.loads(message.get("Body", "")).get("detail") or {}
                bucket = detail["bucket"]["name"]
                key = detail["object"]["key"]
            except (ValueError, KeyError, TypeError, AttributeError):
                bucket = key = None
            if isinstance(key, str):
                reason = ignored_reason(key)
                if reason is not None:
                    self.journal.count("uploads.ignored")
                    self.journal.say(f"ignored: s3://{bucket}/{key} ({reason})")
            self._sqs.delete_message(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
