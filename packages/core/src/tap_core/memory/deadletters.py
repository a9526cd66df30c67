"""``InMemoryDeadLetters``: the ``DeadLetters`` port on a list, with FIFO deduplication."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.deadletters import SendReport, encode_body

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.deadletters import DeadLetter


class InMemoryDeadLetters:
    """Keeps each letter's body once per deduplication id, as a FIFO queue would."""

    def __init__(self) -> None:
        self._bodies: dict[str, str] = {}
        self._groups: dict[str, str] = {}

    def send(self, letters: Iterable[DeadLetter]) -> SendReport:
        sent = 0
        for letter in letters:
            body = encode_body(letter)
            self._bodies.setdefault(letter.deduplication_id, body)
            self._groups.setdefault(letter.deduplication_id, letter.group_id)
            sent += 1
        return SendReport(sent)

    def bodies(self) -> list[str]:
        """Every kept body, in the order first sent."""
        return list(self._bodies.values())

    def groups(self) -> list[str]:
        """Each kept letter's group id, in the same order."""
        return list(self._groups.values())
