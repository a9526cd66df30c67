"""The DeadLetters contract against InMemoryDeadLetters, and the pure letter rules."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest

from tap_core import DeadLetter, LetterError, MessageSource, RowSource, encode_body
from tap_core.inventory import RowError, parse_inventory
from tap_core.memory import InMemoryDeadLetters
from tests.unit.deadletters_contract import *  # noqa: F403 - the whole contract runs here
from tests.unit.deadletters_contract import AT, Harness, Kept, row_letter


@pytest.fixture
def dead_letters() -> Harness:
    store = InMemoryDeadLetters()

    def kept() -> list[Kept]:
        return [
            Kept(json.loads(body), len(body.encode()), group)
            for body, group in zip(store.bodies(), store.groups(), strict=True)
        ]

    return Harness(store, kept)


def test_the_deduplication_id_comes_from_the_source_alone() -> None:
    letter = row_letter(5)
    later = DeadLetter(letter.source, (LetterError("x", None, "other"),), "other", AT)
    assert later.deduplication_id == letter.deduplication_id
    assert row_letter(6).deduplication_id != letter.deduplication_id
    other_file = row_letter(5, key="in/b.csv")
    assert other_file.deduplication_id != letter.deduplication_id
    new_version = DeadLetter(
        RowSource("bucket-1", "in/a.csv", 5, version='"etag-2"'), letter.errors, "", AT
    )
    assert new_version.deduplication_id != letter.deduplication_id


def test_a_message_keeps_its_group_or_falls_back_to_its_id() -> None:
    error = (LetterError("bad", None, "bad"),)
    assert DeadLetter(MessageSource("m-1", "g-1"), error, "", AT).group_id == "g-1"
    assert DeadLetter(MessageSource("m-1"), error, "", AT).group_id == "m-1"


def test_a_letter_needs_an_error_an_aware_time_and_a_row_from_one() -> None:
    with pytest.raises(ValueError, match="at least one error"):
        DeadLetter(MessageSource("m"), (), "", AT)
    with pytest.raises(ValueError, match="timezone-aware"):
        DeadLetter(MessageSource("m"), (LetterError("c", None, "m"),), "", datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="row must be 1 or more"):
        RowSource("b", "k", 0)


def test_errors_too_large_for_any_body_are_an_error() -> None:
    letter = DeadLetter(MessageSource("m"), (LetterError("c", None, "m" * 500),), "raw", AT)
    with pytest.raises(ValueError, match="errors alone exceed 100 bytes"):
        encode_body(letter, max_bytes=100)


def test_a_body_that_fits_is_not_cut() -> None:
    letter = row_letter(1, "r" * 1000)
    body = json.loads(encode_body(letter, max_bytes=2000))
    assert (body["raw"], body["raw_cut"]) == ("r" * 1000, 0)
    assert body["at"] == (AT + timedelta(0)).isoformat()


def test_a_parsers_row_errors_become_one_letter_with_all_of_them() -> None:
    # Given a row with two bad values, as the core parser reports it
    header = b"sku,warehouse,name,quantity,unit_price,category\n"
    stream = io.BytesIO(header + b"A-1,north,Nails,x,-1,tools\n")
    errors = [e for e in parse_inventory(stream, AT) if isinstance(e, RowError)]
    assert len(errors) >= 2
    # When they are dead-lettered together
    letter = DeadLetter.of(RowSource("b", "inbound/a.csv", errors[0].row), errors, "raw", AT)
    # Then the letter carries every one of them, in order
    body = json.loads(encode_body(letter))
    assert [(e["code"], e["field"]) for e in body["errors"]] == [(e.code, e.field) for e in errors]
    assert body["source"]["row"] == 2
