"""The ``DeadLetters`` contract: one suite, run whole against every adapter.

Every test takes a ``dead_letters`` fixture that returns a `Harness` (the port, and a way to
read back what it kept). An adapter plugs in by defining that fixture in its test module and
star-importing this one (``from tests.unit.deadletters_contract import *``):
``tests/unit/test_deadletters.py`` (in memory, runs with the core alone) and
``tests/adapters/test_sqs_deadletters.py`` (SQS FIFO on moto). A new test here runs on every
adapter without being listed; ``tests/workspace/test_contracts.py`` fails if an adapter module
runs only part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tap_core import CUT_MARKER, MAX_BODY_BYTES, DeadLetter, LetterError, MessageSource, RowSource

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_core import DeadLetters

AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Kept:
    """One kept letter: its decoded body and the group it was kept in."""

    body: dict[str, Any]
    size: int
    group_id: str


@dataclass(frozen=True)
class Harness:
    port: DeadLetters
    kept: Callable[[], list[Kept]]


def row_letter(
    row: int, raw: str = "A-1,north,Nails,x,0.05", *, key: str = "in/a.csv"
) -> DeadLetter:
    return DeadLetter(
        RowSource("bucket-1", key, row, version='"etag-1"'),
        (
            LetterError("invalid_value", "quantity", "quantity 'x' is not a whole number"),
            LetterError("missing_value", "category", "category is empty"),
        ),
        raw,
        AT,
    )


def test_each_letter_is_kept_once_with_source_errors_raw_and_time(
    dead_letters: Harness,
) -> None:
    # Given a bad row and a bad message
    row = row_letter(7)
    message = DeadLetter(
        MessageSource("msg-42", group_id="board-1#player-9"),
        (LetterError("invalid_score", "score", "score -1 is below 0"),),
        '{"score": -1}',
        AT + timedelta(seconds=1),
    )
    # When both are sent
    report = dead_letters.port.send([row, message])
    # Then each is kept once, carrying everything about it
    assert report.sent == 2
    kept = sorted(dead_letters.kept(), key=lambda k: k.body["at"])
    assert [k.body for k in kept] == [
        {
            "source": {
                "kind": "row",
                "bucket": "bucket-1",
                "key": "in/a.csv",
                "version": '"etag-1"',
                "row": 7,
            },
            "errors": [
                {
                    "code": "invalid_value",
                    "field": "quantity",
                    "message": "quantity 'x' is not a whole number",
                },
                {"code": "missing_value", "field": "category", "message": "category is empty"},
            ],
            "raw": "A-1,north,Nails,x,0.05",
            "raw_cut": 0,
            "at": "2026-03-01T12:30:00+00:00",
        },
        {
            "source": {"kind": "message", "message_id": "msg-42", "group_id": "board-1#player-9"},
            "errors": [
                {"code": "invalid_score", "field": "score", "message": "score -1 is below 0"}
            ],
            "raw": '{"score": -1}',
            "raw_cut": 0,
            "at": "2026-03-01T12:30:01+00:00",
        },
    ]
    assert kept[1].group_id == "board-1#player-9"


def test_more_letters_than_a_batch_are_all_kept_in_order(dead_letters: Harness) -> None:
    letters = [row_letter(row) for row in range(1, 24)]
    assert dead_letters.port.send(iter(letters)).sent == 23
    kept = dead_letters.kept()
    assert [k.body["source"]["row"] for k in kept] == list(range(1, 24))
    assert len({k.group_id for k in kept}) == 1, "one file's rows share one group"


def test_the_same_input_again_is_kept_once_whatever_the_time(dead_letters: Harness) -> None:
    first = row_letter(3)
    again = DeadLetter(first.source, first.errors, first.raw, AT + timedelta(minutes=1))
    dead_letters.port.send([first])
    dead_letters.port.send([again])
    kept = dead_letters.kept()
    assert [k.body["at"] for k in kept] == [AT.isoformat()]


def test_a_huge_raw_input_is_cut_with_a_marker_under_the_body_limit(
    dead_letters: Harness,
) -> None:
    # Given a row whose raw text alone is over the limit (multi-byte characters included)
    raw = "é" * 100_000 + "x" * 200_000
    dead_letters.port.send([row_letter(1, raw)])
    [kept] = dead_letters.kept()
    # Then the body fits, keeps the longest prefix it can and says how much was cut
    assert kept.size <= MAX_BODY_BYTES
    cut = kept.body["raw_cut"]
    marker = CUT_MARKER.format(cut)
    assert kept.body["raw"].endswith(marker)
    prefix = kept.body["raw"][: -len(marker)]
    assert raw.startswith(prefix)
    assert len(prefix) + cut == len(raw)
    assert kept.size > MAX_BODY_BYTES - 100, "no more than a few bytes are left unused"
