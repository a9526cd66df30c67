"""The fast path: checking the one-line records of a `Lines` segment a batch at a time.

One regular expression, built from the header and the contract's limits, matches a line
whose every value is valid as written (up to four spaces or tabs around it, no leading zeros
past the limits, quoted or not, a quoted value holding no quote); a line it matches is split
exactly as the quote-aware reading splits it. It comes in three forms: strict (unpadded
values, plain but a name or category, which may be quoted: most lines), quoted (every value
quoted: files that quote every field) and loose (either, padded), each a subset of the loose
one. ``findall`` runs one over a whole batch of lines and captures the values the caller
needs and nothing else (the loose form's quote groups are dropped from its columns), without
a match object per line. ``updated_at`` is checked by its shape and converted a column at a time
with ``datetime.fromisoformat``; quantities and prices (when items are wanted) with ``int``
and ``Decimal``. A line the expression rejects, or whose date is not real or too late, is
checked by the exact `tap_core.inventory.csv.checker.RecordChecker`, which gives
every error its message or accepts a value the expression was too strict for: an unquoted
line first through `diagnostic_pattern`, which tells the values valid as written
from those the checker must look at; any other split by
`tap_core.inventory.csv.splitting.split_quoted_line` and checked whole. So the fast
path never decides that a record is invalid, and accepts only what the checker accepts,
with the same values.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from itertools import chain, compress, repeat
from operator import add, itemgetter, not_
from typing import TYPE_CHECKING, Any, Final, cast

from tap_core.inventory.csv.batches import (
    Batch,
    LineOffsets,
    broken_error,
    empty_values,
    without_each,
)
from tap_core.inventory.csv.checker import (
    DIGITS_AS_NINES,
    KEY_RE,
    SURROGATE_PATTERN,
    UPDATED_AT_SHAPES,
    Rejected,
)
from tap_core.inventory.csv.contract import (
    COLUMNS,
    DEFAULT_CATEGORY,
    MAX_AMOUNT,
    MAX_CATEGORY_CHARS,
    MAX_KEY_CHARS,
    MAX_NAME_CHARS,
    MAX_PRICE_DECIMALS,
    MAX_RECORD_BYTES,
    TRIMMED,
)
from tap_core.inventory.csv.splitting import FOLD, Broken, Folded, split_quoted_line

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Sequence

    from tap_core.inventory.csv.checker import RecordChecker
    from tap_core.inventory.csv.contract import Column, Columns
    from tap_core.inventory.csv.splitting import Lines

_LOOSE_BATCHES: Final = 16
"""Batches matched loose at once after one whose lines were mostly loose, before the strict
expression is tried again; or strict only after one whose lines mostly neither took."""
BATCH_BYTES: Final = 32_768
"""Bytes checked per batch (about 400 lines): large enough that the per-batch overhead
vanishes, small enough that a batch with a bad line loses little by its detour."""

_PAD: Final = 4
"""Spaces and tabs the expression takes around a value (they are trimmed): a space after
every comma stays on the fast path."""
_UTF8_MAX: Final = 4  # bytes per character
_MAX_IGNORED_CHARS: Final = 1024
_SURROGATES = r"\ud800-\udfff"  # bytes that were not UTF-8 (see checker.py): never taken
_CONTROLS = r"\x00-\x1f\x7f-\x9f"


def at_most(limit: int) -> str:
    """An expression for the texts of ASCII digits whose value is at most ``limit``, with at
    most as many digits as ``limit`` has (more, with leading zeros, are checked exactly)."""
    digits = str(limit)
    width = len(digits)
    if digits == "9" * width:
        return f"[0-9]{{1,{width}}}+"
    options = [f"[0-9]{{1,{width - 1}}}+"] if width > 1 else []
    for place, digit in enumerate(digits):
        if digits[place:] == "9" * (width - place):
            options.append(digits[:place] + f"[0-9]{{{width - place}}}")
            break
        if digit != "0":
            below = "0" if digit == "1" else f"[0-{int(digit) - 1}]"
            rest = width - place - 1
            options.append(digits[:place] + below + (f"[0-9]{{{rest}}}" if rest else ""))
    options.append(digits)
    return "|".join(options)


def _text(most: int, excluded: str, *, optional: bool = False) -> tuple[str, str]:
    """A name-like value of 1..``most`` characters (or none, when ``optional``) that are not
    in ``excluded`` (a class body), with no space or tab at either end: its expression
    (quoted, unquoted). Quoted it holds no quote; unquoted no comma, and no quote first."""
    quoted = f'(?![ \t])[^"{excluded}]{{1,{most}}}+(?<![ \t])'
    plain = f'(?![ \t"])[^,{excluded}]{{1,{most}}}+(?<![ \t])'
    if optional:
        return f"(?:{quoted})?", f"(?:{plain})?"
    return quoted, plain


_NAME_TEXT: Final = _text(MAX_NAME_CHARS, f"\\n{_CONTROLS}{_SURROGATES}")
_CATEGORY_TEXT: Final = _text(MAX_CATEGORY_CHARS, f"\\r\\n{_SURROGATES}", optional=True)
_PRICE: Final = (
    f"(?:{at_most(MAX_AMOUNT - 1)})(?:\\.[0-9]{{1,{MAX_PRICE_DECIMALS}}}+)?+"
    f"|{MAX_AMOUNT}(?:\\.0{{1,{MAX_PRICE_DECIMALS}}}+)?+"
)
_VALUES: Final[dict[Column, tuple[str | None, str, int]]] = {
    "sku": (None, f"{KEY_RE}+", MAX_KEY_CHARS),
    "warehouse": (None, f"{KEY_RE}+", MAX_KEY_CHARS),
    "name": (*_NAME_TEXT, MAX_NAME_CHARS),
    "quantity": (None, at_most(MAX_AMOUNT), len(str(MAX_AMOUNT))),
    "unit_price": (None, _PRICE, len(str(MAX_AMOUNT)) + 1 + MAX_PRICE_DECIMALS),
    "category": (*_CATEGORY_TEXT, MAX_CATEGORY_CHARS),
    "reorder_level": (None, f"(?:{at_most(MAX_AMOUNT)})?", len(str(MAX_AMOUNT))),
    "updated_at": (None, r"[0-9T:. Z+-]{0,32}+", 32),
}
"""Each column's value expressions, matching only values the exact checker accepts as they
are: quoted (for a name or category, which may then hold commas; None: the plain one, in
quotes) and plain; and the most characters of such a value. Python's re is slow on optional
groups and counted repeats, so these stay flat; ``updated_at`` is only captured here, and
checked by its shape."""


def _fragment(column: Column, group: int, *, captured: bool, loose: bool, quoted: bool) -> str:
    """The expression of ``column``'s value, its first group (if ``captured``) numbered
    ``group``. Captured, a name or category has two groups (quoted, plain: one of them
    empty), any other value one, and on the loose route one more before it, the quote's.
    ``loose`` takes quotes and padding; ``quoted``, the value quoted, unpadded; strict, a
    name or category quoted or plain, any other value plain."""
    quoted_text, plain, _ = _VALUES[column]
    opening = "(" if captured else "(?:"
    if quoted_text is None:  # a key, number or date: never holds a comma
        if quoted:
            return f'"{opening}{plain})"'
        if not loose:
            return f"{opening}{plain})"
        if captured:
            return f'(?P<q{group}>"?)({plain})(?P=q{group})'
        return f'"(?:{plain})"|(?:{plain})'
    if quoted:
        return f'"{opening}{quoted_text})"' + ("()" if captured else "")
    return f'"{opening}{quoted_text})"|{opening}{plain})'


_QUOTABLE: Final = frozenset({"name", "category"})
_CAPTURING: Final = re.compile(r"\((?!\?)")
_fromisoformat = datetime.fromisoformat
_astimezone = datetime.astimezone
_CHUNK: Final = 32
CONVERTERS: Final[dict[str | None, Callable[[Sequence[str]], list[datetime]]]] = {
    "utc": lambda texts: list(map(_fromisoformat, texts)),
    "naive": lambda texts: list(map(_fromisoformat, map(add, texts, repeat("+00:00")))),
    "date": lambda texts: list(map(_fromisoformat, map(add, texts, repeat("T00:00+00:00")))),
    "offset": lambda texts: list(map(_astimezone, map(_fromisoformat, texts), repeat(UTC))),
}
"""How each form of ``updated_at`` converts a column of texts to aware UTC moments."""
_KINDS: Final[dict[bytes, str]] = {**UPDATED_AT_SHAPES, b"": "empty"}


def fast_pattern(
    columns: Columns, captured: Collection[Column], *, loose: bool = False, quoted: bool = False
) -> tuple[str, dict[Column, int]]:
    """The expression for a line of ``columns`` whose values are all valid as written,
    capturing the ``captured`` columns, and the group index of each value (name and category
    have two: quoted, plain). Strict, values are unpadded and plain, but a name or category
    that may be quoted (most lines, fast); ``loose``, quoted or not, with up to four spaces
    or tabs around; ``quoted`` (not loose), every value quoted and unpadded, as a file that
    quotes every field writes it. The strict and quoted lines are subsets of the loose ones;
    those two have the captured groups only (see `captures`), the loose one a quote's
    group before each captured value that is not a name or category.

    A line it matches is read as the quote-aware reading of the contract reads it (quoted
    fields hold no quote; an unquoted one starts with none), and is at most 65,536 bytes: each
    value and ignored field matches a bounded length. A run of ignored columns is one counted
    repeat, so the expression grows with the known columns, not the header.
    """
    pad = f"[ \\t]{{0,{_PAD}}}+" if loose else ""
    field_bytes = 2 * _PAD + 2  # padding and quotes
    known_bytes = sum(_VALUES[column][2] * _UTF8_MAX + field_bytes for column in columns if column)
    ignored = columns.count(None)
    room = MAX_RECORD_BYTES - known_bytes - len(columns) - 1  # commas and a CR
    each = max(room, 0) // max(ignored, 1) - field_bytes
    if each >= _UTF8_MAX:
        chars = min(_MAX_IGNORED_CHARS, each // _UTF8_MAX)
        quoted_field = f'"[^"\\n{_SURROGATES}]{{0,{chars}}}+"'
        plain = f'(?![ \\t]*+")[^,\\n{_SURROGATES}]{{0,{chars}}}+'
        skipped = f"{pad}(?:{quoted_field}|{plain}){pad}" if loose or quoted else plain
    else:  # no room: only empty ignored fields
        skipped = ""
    parts: list[str] = []
    groups: dict[Column, int] = {}
    count = 0  # capturing groups so far
    for runs, column in _known_after_runs(columns):
        if runs:
            parts.append(_repeated(skipped, runs))
        if column is None:
            break
        wanted = column in captured
        fragment = _fragment(
            column, count, captured=wanted, loose=loose, quoted=quoted and not loose
        )
        if wanted:  # past the quote's group on the loose route
            groups[column] = count + 1 if loose and column not in _QUOTABLE else count
        count += re.compile(fragment).groups
        parts.append(f"{pad}(?:{fragment}){pad}")
    return ",".join(parts) + r"\r?", groups


def diagnostic_pattern(columns: Columns) -> tuple[str, list[int], tuple[int, int, int, int]]:
    """The expression for an unquoted line of ``columns`` fields, UTF-8 (no surrogate), its
    CR removed, that tells which known values are valid as written: each is matched by its
    value expression (padded as on the loose route), or else captured whole. ``updated_at``
    is always captured (its expression proves only its shape). No value holds an LF, so
    lines joined by LFs are diagnosed by one ``finditer`` (see `_diagnoser`).

    Also the index in ``groups()`` of each known column's captured text (None: valid as
    written), in file order; and of the key's: (sku valid as written, sku captured,
    warehouse valid as written, warehouse captured). Each value is atomic, so a line of
    another field count fails at once (a known value cannot match two ways); a run of
    ignored columns is one counted repeat, so the expression grows with the known columns.
    """
    pad = f"[ \t]{{0,{_PAD}}}+"
    other = f"[^,\n{_SURROGATES}]*+"
    parts: list[str] = []
    unproven: list[int] = []
    keys: dict[Column, tuple[int, int]] = {}
    count = 0
    for runs, column in _known_after_runs(columns):
        if runs:
            parts.append(_repeated(other, runs))
        if column is None:
            break
        if column == "updated_at":
            parts.append(f"({other})")
            unproven.append(count)
            count += 1
            continue
        plain = _CAPTURING.sub("(?:", _VALUES[column][1])
        if column in {"sku", "warehouse"}:
            keys[column] = (count, count + 1)
            valid = f"({plain})"
            count += 1
        else:
            valid = f"(?:{plain})"
        parts.append(rf"(?>{pad}{valid}{pad}(?=,|$)|({other}))")
        unproven.append(count)
        count += 1
    return ",".join(parts), unproven, (*keys["sku"], *keys["warehouse"])


def captures(groups: dict[Column, int]) -> list[int]:
    """The indexes of the groups that hold the captured values of an expression whose
    ``groups`` `fast_pattern` gave, in file order: the captures of a line in the same
    order whatever the expression that took it."""
    indexes = (
        (index, index + 1) if column in _QUOTABLE else (index,) for column, index in groups.items()
    )
    return sorted(chain.from_iterable(indexes))


def _known_after_runs(columns: Columns) -> Iterator[tuple[int, Column | None]]:
    """Each known column with how many ignored columns stand just before it, then (the
    ignored columns left at the end, None): where an expression writes a run of ignored
    fields as one counted repeat (`_repeated`)."""
    runs = 0
    for column in columns:
        if column is None:
            runs += 1
        else:
            yield runs, column
            runs = 0
    yield runs, None


def _repeated(field: str, times: int) -> str:
    """``times`` fields of expression ``field``, comma-separated, as one counted repeat."""
    return field if times == 1 else f"{field}(?:,{field}){{{times - 1}}}"


def _finder(
    columns: Columns, captured: Collection[Column], *, loose: bool, quoted: bool = False
) -> tuple[Callable[[str], list[Any]], dict[Column, int]]:
    body, groups = fast_pattern(columns, captured, loose=loose, quoted=quoted)
    return re.compile(rf"^(?:{body}|([^\n]*))$", re.MULTILINE).findall, groups


class LinesChecker:
    """Checks `Lines` segments with the fast path, deferring to ``checker``.

    With ``items`` false (a validation that builds no items) only sku, warehouse and
    updated_at are captured, the expression alone proving the other values valid; the
    batches' other columns then hold None.
    """

    def __init__(self, checker: RecordChecker, *, items: bool = True) -> None:
        self._checker = checker
        self._items = items
        self._uploaded_at = checker.uploaded_at
        self._limit = checker.limit
        wanted = COLUMNS if items else ("sku", "warehouse", "updated_at")
        # One match per line: the expression, or any line, captured whole in the last group
        # (the others empty; a taken sku never is). The loose one sees what the strict did
        # not take.
        self._findall, self._groups = _finder(checker.columns, wanted, loose=False)
        self._findall_quoted, quoted_groups = _finder(
            checker.columns, wanted, loose=False, quoted=True
        )
        self._findall_loose, loose_groups = _finder(checker.columns, wanted, loose=True)
        # The strict and quoted captures are the captured values and the line (if not
        # taken); the loose ones' are picked out of theirs, the line last.
        plain = captures(self._groups)
        if not (quoted_groups == self._groups and plain == list(range(len(plain)))):
            raise AssertionError(self._groups, quoted_groups)  # pragma: no cover - by design
        self._loose_sku = loose_groups["sku"]
        self._from_loose = [*captures(loose_groups), -1]
        self._pick_loose = itemgetter(*self._from_loose)
        self._loose = 0  # batches still to match loose at once
        self._strict = 0  # batches still to match strict only, with no loose retry
        body, unproven, self._key_groups = diagnostic_pattern(checker.columns)
        self._diagnostic = body
        self._diagnose: Callable[[str], list[tuple[str | None, ...]]] = self._first_diagnosis
        self._unproven = unproven
        known = [column for column in checker.columns if column is not None]
        self._time_slot = known.index("updated_at") if "updated_at" in known else None

    def _first_diagnosis(self, text: str) -> list[tuple[str | None, ...]]:
        """Compile the diagnostic expression when lines first need it (a clean file never
        does), then diagnose the lines of ``text``."""
        self._diagnose = _diagnoser(self._diagnostic)
        return self._diagnose(text)

    def check(self, lines: Lines | Folded) -> Iterator[Batch]:
        """The batches of one segment, in row order. A `Folded` one is checked as
        lines, its NULs read back as the line breaks they stand for wherever a value is
        read (a NUL, a control character, is taken by no expression where a line break
        would not be: a name rejects both, a category takes both, as one character)."""
        data, offset = lines.data, lines.offset
        folded = isinstance(lines, Folded)
        rows: Sequence[int] = (
            lines.rows if isinstance(lines, Folded) else range(lines.row, lines.row + len(data))
        )
        pos, last, index = 0, len(data) - 1, 0  # last: the LF ending the last line
        while pos <= last:
            end = data.find(b"\n", pos + BATCH_BYTES)
            if end < 0:
                end = last
            batch, count = self._batch(data[pos:end], offset + pos, rows[index:], folded=folded)
            yield batch
            pos, index = end + 1, index + count

    def _batch(
        self, data: bytes, offset: int, rows: Sequence[int], *, folded: bool = False
    ) -> tuple[Batch, int]:
        """Check the lines of ``data`` (LF-separated, the last LF left out), the first at
        ``offset``, each on its row in ``rows``; ``folded``, line breaks in quoted fields
        written as NUL. Also return how many lines there were."""
        first_row = rows[0]
        text = data.decode("utf-8", "surrogateescape")
        # Loose at once for a while after a batch whose lines were mostly loose (a file that
        # pads every value); quoted first when quotes are on most lines (one that quotes
        # every field). Strict only for a while after a batch whose lines the loose
        # expression mostly did not take either (a file of bad values): no retry that fails.
        strict = self._strict > 0
        loose = not strict and self._loose > 0
        self._loose -= 1
        self._strict -= 1
        captured, columns = self._match(data, text, loose=loose, strict=strict)
        count = len(columns[-1])
        raw: Sequence[str] = columns[-1]  # the lines the expression did not take, else ""
        slow = _empty_at(columns[self._groups["sku"]])  # a taken sku is never empty
        mostly_slow = 2 * len(slow) > count
        if loose and mostly_slow:
            self._loose, self._strict = 0, _LOOSE_BATCHES
        if slow and not loose and not strict:
            taken = self._loosely(captured, raw, slow)
            if mostly_slow:
                if 2 * taken > len(slow):
                    self._loose = _LOOSE_BATCHES
                else:
                    self._strict = _LOOSE_BATCHES
            if taken:  # captured now holds the loose captures picked as the strict ones
                columns = list(zip(*captured, strict=True))
                raw = columns[-1]
                slow = _empty_at(columns[self._groups["sku"]])
        columns.pop()
        fast: Sequence[int] = range(count)
        if slow:
            fast, *kept = without_each([fast, *columns], slow, count)
            columns = list(kept)
        values, late = self._convert(columns, len(fast))
        values = _unfold_texts(values) if folded else values
        batch = Batch(
            rows=list(map(rows.__getitem__, fast) if folded else map(add, fast, repeat(first_row))),
            positions=fast,
            values=values,
            locator=LineOffsets(data, offset),
        )
        if late:
            self._reject_times(batch, late)
        if slow:
            self._check_slow(batch, raw, sorted(slow), rows, folded=folded)
        return batch, count

    def _match(
        self, data: bytes, text: str, *, loose: bool, strict: bool
    ) -> tuple[list[Any], list[Sequence[Any]]]:
        """The captures of each line of ``text`` (``data`` decoded) and the same as columns,
        in the strict expression's order. ``loose``: by the loose expression (then only the
        columns); ``strict``: by the strict one; else by the quoted one when quotes are on
        most lines, the strict one when not."""
        if loose:
            columns = list(zip(*self._findall_loose(text), strict=True))
            return [], list(map(columns.__getitem__, self._from_loose))
        quoted = not strict and _quotes_on_most_lines(data)
        captured = (self._findall_quoted if quoted else self._findall)(text)
        return captured, list(zip(*captured, strict=True))

    def _loosely(self, captured: list[Any], raw: Sequence[str], slow: list[int]) -> int:
        """Match the lines the strict (or quoted) expression did not take with the loose one,
        and put the captures of those it takes in place. How many it took."""
        sku, pick, taken = self._loose_sku, self._pick_loose, 0
        lines = "\n".join(raw[index] for index in slow)
        for index, retried in zip(slow, self._findall_loose(lines), strict=True):
            if retried[sku]:
                captured[index] = pick(retried)
                taken += 1
        return taken

    def _convert(
        self, captured: list[Sequence[Any]], count: int
    ) -> tuple[list[Sequence[Any] | None], dict[int, tuple[str, str]]]:
        """Item-ordered columns from the captured ones, and the rows whose ``updated_at``
        is invalid (by index: the text and why), though the rest of their line is valid."""
        if not count:
            return empty_values(), {}
        groups = self._groups

        def column(name: Column) -> Any:
            index = groups.get(name)
            return None if index is None else captured[index]

        quantity, price = column("quantity"), column("unit_price")
        name, category, reorder = column("name"), column("category"), column("reorder_level")
        if self._items:
            name = list(map(max, name, captured[groups["name"] + 1]))  # quoted or plain
            if "category" in groups:
                category = list(map(max, category, captured[groups["category"] + 1]))
            quantity = list(map(int, quantity))
            price = list(map(Decimal, price))
            if "category" not in groups:
                category = [DEFAULT_CATEGORY] * count
            elif "" in category:
                category = [value or DEFAULT_CATEGORY for value in category]
            if "reorder_level" not in groups:
                reorder = [0] * count
            elif "" in reorder:
                reorder = [int(value) if value else 0 for value in reorder]
            else:
                reorder = list(map(int, reorder))
        invalid: dict[int, tuple[str, str]] = {}
        if "updated_at" not in groups:
            moments: Sequence[datetime] = [self._uploaded_at] * count
        else:
            texts = column("updated_at")
            moments = self._instants(texts, invalid)
        values = [column("sku"), column("warehouse"), name, quantity, price]
        return [*values, category, reorder, moments], invalid

    def _instants(
        self, texts: tuple[str, ...], invalid: dict[int, tuple[str, str]]
    ) -> list[datetime]:
        """``updated_at`` per row, a column at a time for each form present (a bare date, a
        naive time, a UTC time, one with an offset, empty). A text of no form is checked
        exactly: it may be valid once trimmed; else it goes to ``invalid``. So does one of a
        form that is not a real time or is too late (the checker reads it as the conversion
        does and finds it invalid): with its text and why from the checker, or
        `_UNBUILT` once the report keeps no more errors. The moment of each text in
        ``invalid`` is a placeholder; every other is at most the limit.
        """
        shapes = "\n".join(texts).encode("ascii", "replace").translate(DIGITS_AS_NINES)
        first = shapes[: shapes.find(b"\n")] if len(texts) > 1 else shapes
        if first in _KINDS and shapes == b"\n".join(repeat(first, len(texts))):  # one form
            kinds: list[str | None] = [_KINDS[first]]
            groups: list[Sequence[int]] = [range(len(texts))]
        else:
            per_row = list(map(_KINDS.get, shapes.split(b"\n")))
            kinds = list(set(per_row))
            groups = [[i for i, kind in enumerate(per_row) if kind == k] for k in kinds]
        result: list[datetime] = [self._uploaded_at] * len(texts)
        for kind, indexes in zip(kinds, groups, strict=True):
            failed: set[int] = set()
            if len(kinds) == 1:  # the usual case: the moments of all, in order
                result = self._moments(kind, texts, failed)
            else:
                subset = tuple(texts[index] for index in indexes)
                for index, moment in zip(indexes, self._moments(kind, subset, failed), strict=True):
                    result[index] = moment
            exact = kind is None or self._checker.messages
            for position in failed:
                index = indexes[position]
                if exact:
                    result[index] = self._exact_time(texts[index], index, invalid)
                else:  # of a form of the contract, not a real time: invalid, as the checker says
                    invalid[index] = _UNBUILT
        if result and self._limit < max(result):
            self._reject_late(texts, result, invalid)
        return result

    def _reject_late(
        self, texts: tuple[str, ...], moments: list[datetime], invalid: dict[int, tuple[str, str]]
    ) -> None:
        """Put the ``moments`` past the limit (converted, so their texts are of a form of the
        contract, and too late for the checker) in ``invalid``, as `_instants` does."""
        for index in compress(range(len(texts)), map(self._limit.__lt__, moments)):
            if self._checker.messages:
                moments[index] = self._exact_time(texts[index], index, invalid)
            else:
                moments[index] = self._uploaded_at
                invalid[index] = _UNBUILT

    def _exact_time(self, text: str, index: int, invalid: dict[int, tuple[str, str]]) -> datetime:
        """The exact checker's reading of one ``updated_at``; a placeholder when invalid."""
        moment = self._checker.updated_at(text)
        if isinstance(moment, Rejected):
            invalid[index] = (text.strip(TRIMMED), moment.detail)  # as the message shows it
            return self._uploaded_at
        return moment

    def _moments(
        self, kind: str | None, texts: tuple[str, ...], failed: set[int]
    ) -> list[datetime]:
        """The moments of ``texts`` (a new list), all of one ``kind``, converted with one
        ``map``; when some text is not a real time, chunk by chunk, and a failing chunk row
        by row (the index of each failure goes to ``failed``, its moment is a placeholder).
        While errors get their messages (the exact checker reads every failure again, for
        its message), a failing chunk after one that mostly failed goes to ``failed`` whole:
        the checker reads its valid texts too, which costs less than converting it row by
        row first."""
        convert = CONVERTERS.get(kind) if kind != "empty" else None
        if convert is None:
            if kind != "empty":
                failed.update(range(len(texts)))  # no form: the exact checker decides
            return [self._uploaded_at] * len(texts)
        try:
            return convert(texts)
        except (ValueError, OverflowError):
            pass
        result: list[datetime] = []
        whole = self._checker.messages  # may a failing chunk go to failed whole
        mostly_failing = False  # the last failing chunk: most of its texts failed
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            try:
                result += convert(chunk)
            except (ValueError, OverflowError):
                if whole and mostly_failing:  # likely again: all to the exact checker
                    failed.update(range(start, start + len(chunk)))
                    result += [self._uploaded_at] * len(chunk)
                    continue
                before = len(failed)
                for index, text in enumerate(chunk, start):
                    try:
                        result += convert((text,))
                    except (ValueError, OverflowError):
                        failed.add(index)
                        result.append(self._uploaded_at)
                mostly_failing = 2 * (len(failed) - before) > len(chunk)
        return result

    def _reject_times(self, batch: Batch, invalid: dict[int, tuple[str, str]]) -> None:
        """Make the rows with an invalid ``updated_at`` invalid, with their one error."""
        if not self._checker.messages:  # the report keeps no more errors: count them
            batch.drop_unreported(list(invalid))
            return
        errors = {}
        for index, (text, why) in invalid.items():
            row, offset = batch.rows[index], batch.locator.one(batch.positions[index])
            (errors[index],) = self._checker.value_errors([("updated_at", text, why)], row, offset)
        batch.drop(errors, keyed=True)

    def _check_slow(
        self,
        batch: Batch,
        lines: Sequence[str],
        slow: list[int],
        rows: Sequence[int],
        *,
        folded: bool,
    ) -> None:
        """Check the detoured lines (by index; each on its row in ``rows``) exactly and
        merge them into ``batch`` in row order. The unquoted, non-blank lines within the
        record limit whatever their characters (`_SURE_CHARS`), most of them, are
        diagnosed together (see `_check_diagnosed`); any other is checked alone, a
        ``folded`` one unfolded (an unquoted line holds no NUL: a folded line break is in
        quotes)."""
        accepted: list[tuple[int, int, Sequence[Any]]] = []
        texts = list(map(str.removesuffix, map(lines.__getitem__, slow), repeat("\r")))
        usual = [
            '"' not in text and len(text) <= _SURE_CHARS and text.strip(_BLANK) != ""
            for text in texts
        ]
        diagnosable = list(compress(slow, usual))
        if len(diagnosable) < len(slow):
            for index, text, together in zip(slow, texts, usual, strict=True):
                if not together:
                    self._check_alone(batch, text, index, rows[index], accepted, folded=folded)
        if diagnosable:
            plain = list(compress(texts, usual))
            diagnosed = self._diagnose("\n".join(plain))
            taken = [groups[-1] is None for groups in diagnosed]  # else: the line, whole
            if not all(taken):
                left = list(map(not_, taken))
                self._check_untaken(
                    batch, list(compress(diagnosable, left)), list(compress(plain, left)), rows
                )
                diagnosable = list(compress(diagnosable, taken))
                plain = list(compress(plain, taken))
                diagnosed = list(compress(diagnosed, taken))
            if diagnosable:
                self._check_diagnosed(
                    batch, diagnosable, plain, diagnosed, rows=rows, accepted=accepted
                )
        if accepted:
            batch.add_valid(accepted)

    def _check_untaken(
        self, batch: Batch, indexes: list[int], lines: list[str], rows: Sequence[int]
    ) -> None:
        """Check the ``lines`` (at ``indexes``) the diagnosis did not take: of another field
        count, or with bytes that are not UTF-8 (on a line of the header's count, each field
        matches, as a valid value or not). The checker gives such a record that one error
        and no key, so once the report keeps no more errors they are counted at once; else
        each is checked, for its message (and any other line, which none should be)."""
        if not self._checker.messages:
            commas = len(self._checker.columns) - 1
            plain = [
                line.count(",") != commas or SURROGATE_PATTERN.search(line) is not None
                for line in lines
            ]
            counted = sum(plain)
            batch.add_unreported(counted, counted, ())
            if counted == len(lines):
                return
            left = list(map(not_, plain))
            indexes, lines = list(compress(indexes, left)), list(compress(lines, left))
        accepted: list[tuple[int, int, Sequence[Any]]] = []
        for index, line in zip(indexes, lines, strict=True):
            self._check_fully(batch, line.split(","), rows[index], index, accepted)
        if accepted:  # pragma: no cover - a line of the header's count in UTF-8 is taken
            batch.add_valid(accepted)

    def _check_alone(
        self,
        batch: Batch,
        line: str,
        index: int,
        row: int,
        accepted: list[tuple[int, int, Sequence[Any]]],
        *,
        folded: bool,
    ) -> None:
        """Check one detoured line (its CR removed) exactly: too long, or split (quote-aware
        when it holds a quote) and checked in full."""
        if folded:
            line = line.replace(_NUL, "\n")
        if (
            len(line) > _SURE_CHARS
            and len(line.encode("utf-8", "surrogateescape")) > MAX_RECORD_BYTES
        ):
            too_long = Broken("row_too_long", row, batch.locator.one(index), quoted=False)
            batch.add_invalid([broken_error(too_long)])
            return
        fields = split_quoted_line(line) if '"' in line else line.split(",")
        self._check_fully(batch, fields, row, index, accepted)

    def _check_fully(
        self,
        batch: Batch,
        fields: list[str],
        row: int,
        index: int,
        accepted: list[tuple[int, int, Sequence[Any]]],
    ) -> None:
        """Check one line's ``fields`` with the exact checker."""
        outcome = self._checker.check(fields, row, partial(batch.locator.one, index))
        if outcome is None:  # blank
            return
        values, errors, key = outcome
        if values is None:
            batch.add_invalid(errors, key)
        else:
            accepted.append((row, index, values))

    def _check_diagnosed(
        self,
        batch: Batch,
        indexes: list[int],
        lines: list[str],
        diagnosed: list[tuple[str | None, ...]],
        *,
        rows: Sequence[int],
        accepted: list[tuple[int, int, Sequence[Any]]],
    ) -> None:
        """Check the ``lines`` (at ``indexes``) `diagnostic_pattern` took, each with
        its groups, a column at a time: only their values not valid as written are checked
        exactly, their ``updated_at`` converted first (as the fast path converts it; the
        checker sees only those it does not prove). Once the report keeps no more errors,
        theirs are counted all at once, not built. A line whose every value is valid after
        all is checked in full, for its values."""
        count = len(indexes)
        groups = list(zip(*diagnosed, strict=True))  # each group as a column
        unproven: list[Sequence[str | None]] = [groups[group] for group in self._unproven]
        slot = self._time_slot
        if slot is not None:
            texts = cast("tuple[str, ...]", unproven[slot])
            invalid: dict[int, tuple[str, str]] = {}
            self._instants(texts, invalid)  # proves all but those in invalid
            if invalid:
                unproven[slot] = [
                    text if position in invalid else None for position, text in enumerate(texts)
                ]
            else:
                unproven[slot] = [None] * count
        checker = self._checker
        problems, key_valid = checker.unproven_problems(unproven, count)
        sku, sku_text, warehouse, warehouse_text = (groups[group] for group in self._key_groups)

        def key(position: int) -> tuple[str, str]:
            return (
                sku[position] or cast("str", sku_text[position]).strip(TRIMMED),
                warehouse[position] or cast("str", warehouse_text[position]).strip(TRIMMED),
            )

        if not all(problems):
            for position in compress(range(count), map(not_, problems)):
                index = indexes[position]
                self._check_fully(batch, lines[position].split(","), rows[index], index, accepted)
        if checker.messages:
            locator = batch.locator
            for position in compress(range(count), problems):
                index, row = indexes[position], rows[indexes[position]]
                errors = checker.value_errors(problems[position], row, locator.one(index))
                batch.add_invalid(errors, key(position) if key_valid[position] else None)
            return
        # The report keeps no more errors: they are counted, not built, at once.
        bad = list(compress(range(count), problems))
        keyed = list(compress(bad, map(key_valid.__getitem__, bad)))
        at = list(map(indexes.__getitem__, keyed))
        skus, warehouses = (
            list(map(sku.__getitem__, keyed)),
            list(map(warehouse.__getitem__, keyed)),
        )
        if None in skus or None in warehouses:  # valid once trimmed
            skus, warehouses = (list(texts) for texts in zip(*map(key, keyed), strict=True))
        batch.add_unreported(
            len(bad),
            sum(map(len, problems)),
            list(
                zip(
                    map(rows.__getitem__, at), batch.locator.many(at), skus, warehouses, strict=True
                )
            ),
        )


_BLANK: Final = TRIMMED + ","
_NUL: Final = chr(FOLD)
_UNBUILT: Final = ("", "")
"""An invalid ``updated_at``'s text and why, not built: the report keeps no more errors."""
_SURE_CHARS: Final = MAX_RECORD_BYTES // _UTF8_MAX
"""Characters a line may hold and be within the record limit whatever they are."""


def _diagnoser(body: str) -> Callable[[str], list[tuple[str | None, ...]]]:
    """Diagnose each LF-separated line of a text by `diagnostic_pattern`'s ``body``:
    its groups, the last one the whole line when the body does not take it (else None).
    Match objects (not ``findall``) keep a group that did not take part None, apart from
    one that took an empty value."""
    finditer = re.compile(rf"^(?:{body}|([^\n]*))$", re.MULTILINE).finditer
    groups = re.Match.groups

    def diagnose(text: str) -> list[tuple[str | None, ...]]:
        return list(map(groups, finditer(text)))

    return diagnose


_TEXTS: Final = frozenset({COLUMNS.index("name"), COLUMNS.index("category")})
"""The value slots that may hold a line break (the others' expressions take no NUL)."""


def _unfold_texts(values: list[Sequence[Any] | None]) -> list[Sequence[Any] | None]:
    """The value columns of a `Folded` segment, NULs read back as line breaks."""
    return [_unfolded(column) if slot in _TEXTS else column for slot, column in enumerate(values)]


def _unfolded(column: Sequence[Any] | None) -> Sequence[Any] | None:
    if column is None or _NUL not in "".join(column):
        return column
    return [value.replace(_NUL, "\n") for value in column]


def _quotes_on_most_lines(data: bytes) -> bool:
    """Whether quotes are on most of the lines of ``data``, by its first 4 KB (a batch's
    lines are alike, and counting quotes is a scan of the bytes counted)."""
    return data.count(b'"', 0, _QUOTE_SAMPLE) > data.count(b"\n", 0, _QUOTE_SAMPLE)


_QUOTE_SAMPLE: Final = 4096
_FEW_EMPTY: Final = 8


def _empty_at(texts: Sequence[str]) -> list[int]:
    """The indexes of the empty strings in ``texts`` (found by C-level searches: one per
    empty string when they are few, else one pass)."""
    if texts.count("") > _FEW_EMPTY:
        return list(compress(range(len(texts)), map(not_, texts)))
    found: list[int] = []
    index = -1
    try:
        while True:
            index = texts.index("", index + 1)
            found.append(index)
    except ValueError:
        return found
