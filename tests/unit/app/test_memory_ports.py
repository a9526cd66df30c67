"""The in-memory adapters of the use cases' own ports answer as the AWS ones do."""

from __future__ import annotations

from datetime import date

import pytest

from tap_core.app.ports import IMPORT_CONTINUED, LATEST
from tap_core.memory import InMemoryEvents, InMemoryObjects, InMemoryReports
from tap_core.memory.objects import ObjectChanged


def test_objects_stream_a_pinned_version_from_an_offset() -> None:
    objects = InMemoryObjects()
    first = objects.put("b", "k", b"hello world")
    with objects.open("b", "k", offset=6, version=first) as stream:
        assert stream.read(3) == b"wor"
        assert stream.read(100) == b"ld"
        assert stream.read(1) == b""
    with objects.open("b", "k", offset=first.size) as stream:
        assert stream.read(1) == b""
    with pytest.raises(ValueError, match="outside"):
        objects.open("b", "k", offset=first.size + 1)
    second = objects.put("b", "k", b"other")
    assert second.etag != first.etag
    with pytest.raises(ObjectChanged):
        objects.open("b", "k", version=first)
    with pytest.raises(ObjectChanged):
        objects.open("b", "missing")
    assert objects.opened == 2  # the refused opens read nothing


def test_events_keep_each_detail_and_refuse_one_that_is_not_an_object() -> None:
    events = InMemoryEvents()
    events.put(IMPORT_CONTINUED, '{"part": 1}')
    assert events.sent == [(IMPORT_CONTINUED, {"part": 1})]
    with pytest.raises(ValueError, match="JSON object"):
        events.put(IMPORT_CONTINUED, "[1]")
    assert len(events.sent) == 1


def test_reports_keep_a_days_summary_as_the_latest_too() -> None:
    reports = InMemoryReports()
    assert reports.summary(LATEST) is None
    key = reports.put_summary(date(2026, 12, 1), "{}")
    reports.put_summary(date(2026, 11, 30), '{"old": 1}')
    assert key == "2026-12-01"
    assert reports.summary(date(2026, 12, 1)) == "{}"
    assert reports.summary(LATEST) == '{"old": 1}'
    assert reports.put_import_report("id", "{}") == "imports/id.json"
    assert reports.imports == {"id": "{}"}
