"""Splitting a byte stream into records, in bounded memory.

The stream is read in chunks with ``read(n)`` only. Runs of complete lines that are one
record each (no quote, or quoted fields that close on the line: almost every line of most
files) come out whole as `Lines`, for the fast path; records whose quoted fields
hold line breaks, quoted as plainly, come out `Folded` (when the caller allows it),
each on one line for the same fast path, its inner line breaks written as NUL; any other
line holding a quote starts a record read quote-aware (RFC 4180: quoted commas, quotes and
line breaks) into a `Record`, the reference reading; a record that cannot be read
comes out as `Broken`, and reading resumes at the line after its first line.

Lines end at LF; CRLF counts as one terminator and a lone CR is data. A record's ``row`` is
1 + the number of LFs before its first byte, its ``offset`` the number of bytes.

Quoting, exactly: a field whose first character after spaces and tabs is ``"`` is quoted; it
runs to the next ``"`` not followed by another (``""`` is one quote, commas and line breaks
inside are data). Characters after the closing quote up to the comma or line end are kept as
data, as Python's ``csv`` module does; a ``"`` inside an unquoted field is data.
"""

from __future__ import annotations

import re
from itertools import accumulate, repeat
from operator import add, itemgetter
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, Protocol

from tap_core.inventory.csv.contract import BOM, MAX_RECORD_BYTES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CHUNK_SIZE: Final = 1 << 20
"""Bytes asked of the stream per ``read``; memory stays within a few chunks plus one record."""

_CR: Final = 0x0D
_COMMA: Final = 0x2C
_QUOTE: Final = 0x22
_OPENING: Final = re.compile(rb'[ \t]*"')
_PLAIN: Final = re.compile(rb"[^,\n]*")
_QUOTED_FIELD = rb'[ \t]*+"[^"\n]*+(?:""[^"\n]*+)*+"[ \t]*+|(?![ \t]*+")[^,\n]*+'
_SIMPLE_QUOTED = rb"(?:%s)(?:,(?:%s))*+\r?" % (_QUOTED_FIELD, _QUOTED_FIELD)
_SIMPLE_QUOTED_LINE: Final = re.compile(_SIMPLE_QUOTED)
"""A line whose quoted fields all close on it, with nothing but spaces around their quotes:
one whole record, split by `split_quoted_line` (an unquoted field may hold a quote
after its first character that is not a space or tab: it is data)."""
_PLAIN_FIELD = rb'"[^"\n]*+"|[^,"\n]*+'
_PLAINLY_QUOTED_LINES: Final = re.compile(
    rb"(?:(?:%s)(?:,(?:%s))*+\r?\n)*+" % (_PLAIN_FIELD, _PLAIN_FIELD)
)
"""Lines whose every field is quoted whole (holding no quote) or holds no quote: a subset of
`_SIMPLE_QUOTED_LINE`'s, matched four times as fast."""
_QUOTE_SAMPLE: Final = 65_536
"""Bytes looked at to tell whether quotes are on most lines."""
_FIELD_OF_LINE: Final = re.compile(r'[ \t]*+"((?:[^"]|"")*+)"[ \t]*+|([^,]*+)')
_FOLDABLE_FIELD = rb'[ \t]*+"[^"]*+(?:""[^"]*+)*+"[ \t]*+|(?![ \t]*+")[^,\n]*+'
_FOLDABLE = rb"(?:%s)(?:,(?:%s))*+\r?\n" % (_FOLDABLE_FIELD, _FOLDABLE_FIELD)
"""A record whose quoted fields may hold line breaks, with nothing but spaces around their
quotes, ended by its LF: as `_SIMPLE_QUOTED_LINE` takes a line, its LFs but the last
inside quotes; it matches a record one way only."""
_RECORD_BODIES: Final = re.compile(
    _FOLDABLE.removesuffix(rb"\n").join((b"(", b")(\n)|[\\s\\S]+"))
).findall
"""Each record `_FOLDABLE` takes from where it is matched, without its LF, and (the
LF); then the rest, whole, from the first byte that does not start such a record: so the
records found start back to back at the first."""


def _record_bodies(buf: bytes, pos: int, endpos: int) -> tuple[list[bytes], int]:
    """The records that `_FOLDABLE` takes back to back from ``pos``, ending by
    ``endpos``, each without its LF, and where they end."""
    found = _RECORD_BODIES(buf, pos, endpos)
    if found and not found[-1][1]:  # the rest
        found.pop()
    bodies = list(map(itemgetter(0), found))
    return bodies, pos + sum(map(len, bodies)) + len(bodies)


FOLD: Final = 0x00
"""The byte a `Folded` segment writes for a line break inside a quoted field (NUL:
a run holding one of its own is not folded)."""


class Readable(Protocol):
    """What the parser needs of a stream: ``read(n)``, returning ``b""`` only at the end."""

    def read(self, size: int, /) -> bytes: ...


class Lines(NamedTuple):
    """Complete lines, each ending with LF: one record per line. A line holding ``"`` is
    a whole quoted record (see `split_quoted_line`).

    ``row`` and ``offset`` are the first line's; each later line is one row further.
    """

    data: bytes
    row: int
    offset: int


class Folded(NamedTuple):
    """Complete records, each ending with LF, some with line breaks inside quoted fields:
    as `Lines`, each folded onto one line, its inner LFs written as NUL (the
    records hold no NUL of their own; NUL and LF are one byte each, so offsets hold).

    ``rows`` is each record's row, ``offset`` the first record's byte offset.
    """

    data: bytes
    rows: list[int]
    offset: int


class Record(NamedTuple):
    """One record read quote-aware: its fields' bytes, unquoted, unescaped, not yet trimmed."""

    fields: list[bytes]
    row: int
    offset: int


class Broken(NamedTuple):
    """A record that cannot be read. ``quoted``: a quoted field was still open where reading
    stopped (at the end of the file, or 65,536 bytes in). ``resumes``: a line follows the
    record's first line, where reading goes on."""

    code: Literal["row_too_long", "invalid_quoting"]
    row: int
    offset: int
    quoted: bool
    resumes: bool = True


Segment = Lines | Folded | Record | Broken


def split_records(
    stream: Readable,
    *,
    offset: int = 0,
    row: int = 1,
    chunk_size: int = CHUNK_SIZE,
    fold: Callable[[], bool] | None = None,
) -> Iterator[Segment]:
    """The records of ``stream`` in file order, from ``offset`` and ``row`` (a resume).

    At offset 0 a leading UTF-8 BOM is skipped (and counted in offsets). ``fold()``, asked
    where a record with a line break inside quotes starts: whether such records may come
    out `Folded` (with no ``fold``, or false, they come out as `Record`).
    """
    return _Splitter(stream, offset, row, chunk_size, fold).segments()


class _Splitter:
    """The buffer and position of one split: ``_buf[_pos:]`` is unread, at file offset
    ``_base + _pos`` and on row ``_row``."""

    def __init__(
        self,
        stream: Readable,
        offset: int,
        row: int,
        chunk_size: int,
        fold: Callable[[], bool] | None,
    ) -> None:
        self._read = stream.read
        self._fold = fold
        self._chunk_size = max(chunk_size, 1)
        self._buf = b""
        self._pos = 0
        self._base = offset
        self._row = row
        self._eof = False
        self._at_start = offset == 0
        self._dense_until = -1  # file offset up to which quotes were sampled dense
        self._sparse_until = -1  # ... or sparse (few lines hold one)

    def segments(self) -> Iterator[Segment]:
        if self._at_start:
            while len(self._buf) < len(BOM) and self._fill():
                pass
            if self._buf.startswith(BOM):
                self._pos = len(BOM)
        while True:
            buf, pos = self._buf, self._pos
            cut = buf.rfind(b"\n", pos) + 1
            if cut > pos:  # complete lines from pos to cut
                quote, start = self._plain_lines(pos, cut)
                if quote < 0:
                    yield self._lines(cut)
                    continue
                if start > pos:
                    yield self._lines(start)
                    continue
                if not self._eof and len(buf) - pos < WINDOW and self._fill():
                    continue  # a quoted record is read from a full window
                yield from self._quoted(pos, cut)
            elif self._eof:
                if pos < len(buf):  # the last line, without terminator
                    yield from self._record(pos)
                return
            elif len(buf) - pos > MAX_RECORD_BYTES + 1:  # a line that cannot fit
                broken = Broken("row_too_long", self._row, self._base + pos, quoted=False)
                yield self._skip_broken(broken, pos)
            else:
                self._fill()

    def _plain_lines(self, pos: int, cut: int) -> tuple[int, int]:
        """How far from ``pos`` the lines are one record each: (-1, cut) when all are, else
        (the first quote that may open a record of several lines, its line's start)."""
        buf, scan = self._buf, pos
        if self._dense(pos, cut):
            # Quotes on most lines (a file that quotes every field, say): take all the lines
            # of one record each at once, up to the first that is not (it holds a quote).
            # The plainest quoting first (fields quoted whole, no "" or spaces around quotes:
            # such a line is one the exact expression takes too), the exact one for the line
            # where that stops.
            while True:
                plainly = _PLAINLY_QUOTED_LINES.match(buf, scan, cut)
                scan = plainly.end() if plainly is not None else scan
                if scan == cut:
                    return -1, cut
                end = buf.find(b"\n", scan)
                if _SIMPLE_QUOTED_LINE.fullmatch(buf, scan, end) is None:
                    break
                scan = end + 1
        while True:
            quote = buf.find(b'"', scan, cut)
            if quote < 0:
                return -1, cut
            start = max(buf.rfind(b"\n", scan, quote) + 1, scan)
            end = buf.find(b"\n", quote)
            if _SIMPLE_QUOTED_LINE.fullmatch(buf, start, end) is None:
                return quote, start
            scan = end + 1

    def _dense(self, pos: int, cut: int) -> bool:
        """Whether quotes are on most lines from ``pos``: counted over the next 64 KB once,
        the verdict kept for the bytes sampled (so a file of quote-aware records, asking at
        each record, does not count the same 64 KB again each time)."""
        at = self._base + pos
        if at < self._dense_until:
            return True
        if at < self._sparse_until:
            return False
        buf, sample = self._buf, min(cut, pos + _QUOTE_SAMPLE)
        dense = buf.count(b'"', pos, sample) > buf.count(b"\n", pos, sample)
        if dense:
            self._dense_until = self._base + sample
        else:
            self._sparse_until = self._base + sample
        return dense

    def _fill(self) -> bool:
        """Append one chunk to the buffer, dropping what was consumed; False at the end."""
        chunk = self._read(self._chunk_size)
        if not chunk:
            self._eof = True
            return False
        self._base += self._pos
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        return True

    def _lines(self, end: int) -> Lines:
        buf, pos = self._buf, self._pos
        lines = Lines(buf[pos:end], self._row, self._base + pos)
        self._row += buf.count(b"\n", pos, end)
        self._pos = end
        return lines

    def _quoted(self, pos: int, cut: int) -> Iterator[Segment]:
        """The record at ``pos``, which may run past its line: folded with those after it
        when it can be, else read quote-aware."""
        folded = self._folded(pos, cut) if self._fold is not None and self._fold() else None
        if folded is not None:
            yield folded
        else:
            yield from self._record(pos)

    def _folded(self, pos: int, cut: int) -> Folded | None:
        """The records from ``pos`` (the first holding a line break inside quotes) that
        `_FOLDABLE` takes, up to ``cut`` and within 65,536 bytes in all (so
        none is too long) and before any holding a NUL, folded; None when the first is not
        taken."""
        buf = self._buf
        bodies, end = _record_bodies(buf, pos, min(cut, pos + MAX_RECORD_BYTES))
        nul = buf.find(FOLD, pos, end)
        if nul >= 0:  # the records that end before it
            bodies, end = _record_bodies(buf, pos, nul)
        if not bodies:  # the first record is not taken
            return None
        lines = list(map(add, map(bytes.count, bodies, repeat(b"\n")), repeat(1)))
        rows = list(accumulate(lines, initial=self._row))
        row = rows.pop()
        data = b"\n".join(map(bytes.replace, bodies, repeat(b"\n"), repeat(b"\x00")))
        folded = Folded(data + b"\n", rows, self._base + pos)
        self._row, self._pos = row, end
        return folded

    def _record(self, start: int) -> Iterator[Segment]:
        """Read the record at ``start`` quote-aware; afterwards ``_pos`` is past it."""
        buf = self._buf
        outcome = read_record(buf, start, at_end=self._eof)
        if isinstance(outcome, Broken):
            broken = outcome._replace(row=self._row, offset=self._base + start)
            yield self._skip_broken(broken, start)
            return
        fields, end = outcome
        yield Record(fields, self._row, self._base + start)
        self._row += buf.count(b"\n", start, end)
        self._pos = end

    def _skip_broken(self, broken: Broken, start: int) -> Broken:
        """Skip the first line of ``broken`` (at ``start``); it, knowing whether more follows."""
        self._skip_first_line(start)
        more = self._pos < len(self._buf) or (not self._eof and self._fill())
        return broken if more else broken._replace(resumes=False)

    def _skip_first_line(self, start: int) -> None:
        """Move past the first LF at or after ``start`` (reading on if needed): one row on."""
        self._row += 1
        newline = self._buf.find(b"\n", start)
        while newline < 0:
            self._base += len(self._buf)
            self._buf, self._pos = b"", 0
            if not self._fill():
                return
            newline = self._buf.find(b"\n")
        self._pos = newline + 1


WINDOW: Final = MAX_RECORD_BYTES + 2
"""Bytes a quoted record is read from: the longest record and a CRLF."""


def read_record(buf: bytes, start: int, *, at_end: bool) -> tuple[list[bytes], int] | Broken:
    """The record at ``buf[start:]``, read quote-aware: its fields and where the next starts.

    ``buf`` holds at least `WINDOW` bytes from ``start``, or everything up to the end
    of the file when ``at_end``. A record that runs past 65,536 bytes (its terminator
    excluded) is ``row_too_long``; one whose quoted field is still open at the end of the file
    is ``invalid_quoting``. The `Broken` returned has row and offset 0: the caller
    knows them.
    """
    stop = min(len(buf), start + WINDOW)
    whole = at_end and stop == len(buf)  # the rest of the file is in view
    fields: list[bytes] = []
    i = start
    while True:
        opening = _OPENING.match(buf, i, stop)
        if opening is None:
            end = _PLAIN.match(buf, i, stop).end()  # type: ignore[union-attr] # always matches
            fields.append(buf[i:end])
        else:
            parts: list[bytes] = []
            j = opening.end()
            while True:
                close = buf.find(b'"', j, stop)
                if close < 0:
                    fits = whole and stop - start <= MAX_RECORD_BYTES
                    code: Literal["row_too_long", "invalid_quoting"] = (
                        "invalid_quoting" if fits else "row_too_long"
                    )
                    return Broken(code, 0, 0, quoted=True)
                if close + 1 < stop and buf[close + 1] == _QUOTE:
                    parts.append(buf[j : close + 1])  # "" is one quote
                    j = close + 2
                    continue
                parts.append(buf[j:close])
                break
            end = _PLAIN.match(buf, close + 1, stop).end()  # type: ignore[union-attr]
            parts.append(buf[close + 1 : end])
            fields.append(b"".join(parts))
        i = end
        if i < stop and buf[i] == _COMMA:
            i += 1
            continue
        break
    if i < stop:  # at the LF that ends the record
        size = i - start
        if i > start and buf[i - 1] == _CR:  # CRLF: the CR is the terminator's
            size -= 1
            fields[-1] = fields[-1][:-1]
        if size > MAX_RECORD_BYTES:
            return Broken("row_too_long", 0, 0, quoted=False)
        return fields, i + 1
    if whole and i - start <= MAX_RECORD_BYTES:  # the last record, ended by the end of file
        return fields, i
    return Broken("row_too_long", 0, 0, quoted=False)


def split_quoted_line(line: str) -> list[str]:
    """The fields of a line that `_SIMPLE_QUOTED_LINE` matched (its CR removed):
    quoted ones unquoted and unescaped; spaces outside the quotes dropped (they would be
    trimmed anyway)."""
    fields: list[str] = []
    pos = 0
    while True:
        match = _FIELD_OF_LINE.match(line, pos)
        if match is None:  # pragma: no cover - every position matches an empty field
            raise AssertionError(line)
        quoted, plain = match.groups()
        fields.append(plain if quoted is None else quoted.replace('""', '"'))
        pos = match.end() + 1  # past the comma
        if pos > len(line):
            return fields
