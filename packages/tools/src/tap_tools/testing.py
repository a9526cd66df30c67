"""Support for tests and the local stack: a moto server over real HTTP, and request counting.

Not part of the product (``tap-tools`` is never deployed): the local stack (``tap_tools.local``),
the tests and the benchmarks import this module, and it needs ``moto[server]``
(a ``tap-tools`` dependency). What it offers:

- `MotoServer`: moto's ``ThreadedMotoServer`` on 127.0.0.1 (port 0 picks a free one),
  quiet, with a switch that makes every request atomic (`MotoServer.atomic`). moto's
  backend takes no locks and answers each request on its own thread; DynamoDB's requests are
  atomic, so concurrency tests turn the switch on and clients interleave only between requests.
- `journal_transactions`: moto 5.2.5's ``TransactWriteItems`` deep-copies each table it names
  (for its rollback), so a transaction costs O(table); the shim journals the items the
  transaction names instead and rolls back exactly those. Pinned: it refuses any other moto
  version.
- `query_sorted_partitions`: moto 5.2.5's base-table ``Query`` sorts every item of the
  table on each request (O(table)); the shim keeps each partition's range keys sorted and hands
  moto's own ``Table.query`` only the slice the key condition, the start key and the limits can
  reach, so a Query costs O(log n + its page) and answers exactly as moto. Pinned likewise.
- `queue_attributes_on_demand`: moto 5.2.5 builds a queue's whole ``attributes`` (three
  counts, each a walk of every message) to read one attribute, several times per message sent
  or received; the shim has those callers compute only the names they read. Pinned likewise.
- `InProcess` (`serve_in_process`): a client's requests handed to a `MotoServer`'s own WSGI
  application in this process, without HTTP (the local stack's own clients use it).
- `put_items`: writes items straight into the in-process backend (a bulk load of a
  scale test's state, no HTTP, no conditions).
- `AwsClients`: tap's client factory bound to an endpoint with fake credentials
  passed explicitly (never through ``os.environ``).
- `RequestCounter`: botocore event hooks on a client that count HTTP requests per
  operation (retries included) and the items each call read.
"""

from __future__ import annotations

import bisect
import copy
import inspect
import logging
import re
import socket
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, Final, cast

from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb import models
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from tap_aws.clients import ClientFactory

if TYPE_CHECKING:
    from botocore.config import Config

PINNED_MOTO: Final = "5.2.5"
"""The moto version whose internals the shims here patch (`journal_transactions`,
`query_sorted_partitions`, `queue_attributes_on_demand`)."""
REGION: Final = "us-east-1"
FAKE_ACCESS_KEY: Final = "testing"
FAKE_SECRET_KEY: Final = "testing"  # noqa: S105 - moto accepts any credentials

IN_PROCESS: Final = "tap.in_process"
"""The WSGI environ key that marks a request `InProcess` handed to the application."""

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _AtomicApp:
    """WSGI middleware: while ``atomic`` is set, one request at a time reaches moto's backend."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.atomic = False
        self.over_http = 0
        """Requests answered over HTTP (not `InProcess`)."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not environ.get(IN_PROCESS):
            self.over_http += 1
        if not self.atomic:
            return self._app(environ, start_response)
        with self._lock:
            # The body is built inside the lock: the response is complete before another
            # request can touch the backend.
            return list(self._app(environ, start_response))


class MotoServer(ThreadedMotoServer):
    """moto's threaded server on ``127.0.0.1``, werkzeug's request log silenced."""

    def __init__(self, port: int = 0, guard: Callable[[WsgiApp], WsgiApp] | None = None) -> None:
        """``guard`` wraps moto's application (the local stack's refuses a foreign region)."""
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        self._app = _AtomicApp(app if guard is None else guard(app))
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    def start(self) -> None:
        """Bind on this thread, then serve on another: a port in use raises ``OSError`` here.

        moto's own ``start`` binds on the serving thread and waits for it without a timeout,
        so a bind that fails there leaves the caller waiting for ever; and werkzeug's own bind
        prints and calls ``sys.exit`` when the port is in use. So the socket is bound here and
        handed to werkzeug.
        """
        with socket.create_server((self._ip_address, self._port)) as bound:
            self._server = make_server(
                self._ip_address,
                self._port,
                self._app,
                True,
                request_handler=MotoRequestHandler,
                fd=bound.fileno(),
            )
        self._server_ready_event.set()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="moto-server", daemon=True
        )
        self._thread.start()

    @property
    def app(self) -> WsgiApp:
        """The WSGI application the server serves (`InProcess` calls it directly)."""
        return self._app

    @property
    def over_http(self) -> int:
        """Requests answered so far over HTTP (those of `InProcess` routes are not)."""
        return self._app.over_http

    @property
    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Within the block every request is served whole before the next one starts.

        Do not long-poll SQS (``WaitTimeSeconds``) inside: it would hold the lock.
        """
        previous, self._app.atomic = self._app.atomic, True
        try:
            yield
        finally:
            self._app.atomic = previous


class InProcess:
    """A botocore ``before-send`` handler that hands a client's requests straight to a
    `MotoServer`'s WSGI application in this process, with no socket and no server thread.

    The request is the one botocore built and signed, as a WSGI environ (werkzeug's
    ``EnvironBuilder``: URL, method, headers, body); the application is the server's own (the
    atomic switch included), so moto answers exactly as over HTTP; the answer goes back to
    botocore as an ``AWSResponse`` (parsed, retried and raised as any other). What is saved
    is the HTTP: the client's connection, the server's parse and its thread per request
    (about a third of a request's cost, and the hand-offs between threads). ``requests``
    counts what it served.
    """

    def __init__(self, server: MotoServer) -> None:
        self._server = server
        self.requests = 0

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse  # noqa: PLC0415
        from moto.core.botocore_stubber import MockRawResponse  # noqa: PLC0415
        from urllib3 import HTTPHeaderDict  # noqa: PLC0415
        from werkzeug.test import EnvironBuilder  # noqa: PLC0415

        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        environ = EnvironBuilder(
            path=request.url,
            method=request.method,
            headers=[
                (name, value.decode() if isinstance(value, bytes) else value)
                for name, value in request.headers.items()
            ],
            data=body or b"",
        ).get_environ()
        environ[IN_PROCESS] = True
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), headers

        chunks = list(self._server.app(environ, start_response))
        self.requests += 1
        headers = HTTPHeaderDict()
        for name, value in answer["headers"]:
            headers.add(name, value)
        # urllib3's case-insensitive headers, as botocore's own HTTP session passes them
        body = MockRawResponse(b"".join(chunks))
        return AWSResponse(request.url, answer["status"], cast("Any", headers), body)


def serve_in_process(client: Any, server: MotoServer) -> InProcess:
    """Route ``client``'s requests to ``server`` in this process (see `InProcess`); other
    ``before-send`` hooks (a `RequestCounter`'s) still see each request first."""
    route = InProcess(server)
    client.meta.events.register_last("before-send", route)
    return route


def _require_pinned_moto(shim: str, patched: str) -> None:
    found = metadata.version("moto")
    if found != PINNED_MOTO:
        raise RuntimeError(
            f"{shim} patches moto {PINNED_MOTO}'s internals; "
            f"moto {found} is installed: check {patched} and re-pin"
        )


class _Journal:
    """Stands in for the ``copy`` module inside ``moto.dynamodb.models``, and keeps the journal
    of the transaction running on this thread.

    moto's ``transact_write_items`` deep-copies every table it names before its first item, to
    restore on failure: O(table) per transaction. While a journaled transaction runs, ``deepcopy``
    of a table returns the table itself (moto's restore is then a no-op) and the journal holds,
    instead, each item the transaction names as it was before (and the length of each table's
    stream), which `restore` puts back: the rollback costs what the transaction touched.
    Everything else is the real ``copy`` (an item's copy, update_item's old image, stays its own).
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self.copies = 0
        """Tables deep-copied inside transactions (none while the journal is on)."""
        self.moto_own = False
        """Run transactions exactly as moto does (its whole-table copies): the reference the
        journal's tests compare with."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table):
            if getattr(self._local, "active", False):
                return value
            self.copies += 1
        return copy.deepcopy(value, memo)

    @contextmanager
    def transaction(
        self, backend: models.DynamoDBBackend, transact_items: list[dict[str, Any]]
    ) -> Iterator[None]:
        saved = _saved(backend, transact_items)
        self._local.active = True
        try:
            yield
        except BaseException:
            _restore(backend, saved)
            raise
        finally:
            self._local.active = False


@dataclass
class _Saved:
    """What a transaction may change, as it was before: items by (table, hash, range key)
    (None: absent; with whether the item's partition existed), and each stream's length."""

    items: dict[tuple[str, DynamoType, DynamoType | None], tuple[Item | None, bool]] = field(
        default_factory=dict
    )
    streams: dict[str, int] = field(default_factory=dict)


def _key_of(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    """The key an operation names, as moto keys its items (KeyError when it names none)."""
    attributes = op["Item"] if op_type == "Put" else op["Key"]
    hash_value = DynamoType(attributes[table.hash_key_attr])
    if table.range_key_attr is None:
        return hash_value, None
    return hash_value, DynamoType(attributes[table.range_key_attr])


def _saved(backend: models.DynamoDBBackend, transact_items: list[dict[str, Any]]) -> _Saved:
    saved = _Saved()
    for transact_item in transact_items:
        for op_type, op in transact_item.items():
            table = backend.tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
            if table is None:
                continue  # moto refuses it before writing anything
            if table.stream_shard is not None:
                saved.streams.setdefault(table.name, len(table.stream_shard.items))
            try:
                hash_value, range_value = _key_of(table, op_type, op)
            except (KeyError, TypeError, AttributeError):
                continue  # no usable key: moto refuses the operation before it writes
            place = (table.name, hash_value, range_value)
            if place not in saved.items:
                current: Item | None
                if range_value is None:
                    current = cast("Item | None", table.items.get(hash_value))
                else:
                    current = table.items.get(hash_value, {}).get(range_value)
                saved.items[place] = (copy.deepcopy(current), hash_value in table.items)
    return saved


def _restore(backend: models.DynamoDBBackend, saved: _Saved) -> None:
    for (name, hash_value, range_value), (item, had_partition) in saved.items.items():
        table = backend.tables[name]
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = cast("dict[Any, Any]", item)  # a table without range keys
            continue
        partition = table.items[hash_value]
        if item is None:
            partition.pop(range_value, None)
        else:
            partition[range_value] = item
        if not had_partition and not partition:
            del table.items[hash_value]
    for name, length in saved.streams.items():
        shard = backend.tables[name].stream_shard
        if shard is not None:
            del shard.items[length:]


_JOURNAL: _Journal | None = None


def journal_transactions() -> _Journal:
    """Install (once per process) the transaction journal; returns it.

    moto 5.2.5's ``TransactWriteItems`` deep-copies each table it names, so its cost grows with
    the table (a 10,000-row import into a table of 10,000 items: minutes). With the journal a
    transaction costs what it writes; a cancelled one is rolled back item by item to exactly
    the state moto's copy would restore (items, partitions and stream records), which
    ``tests/adapters/test_transaction_journal.py`` checks against moto's own rollback.
    """
    global _JOURNAL  # noqa: PLW0603 - one patch per process, like the module it patches
    _require_pinned_moto("journal_transactions", "moto/dynamodb/models/__init__.py")
    if _JOURNAL is not None:
        return _JOURNAL
    journal = _Journal()
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(
        self: models.DynamoDBBackend, transact_items: list[dict[str, Any]]
    ) -> None:
        if journal.moto_own:
            original(self, transact_items)
            return
        with journal.transaction(self, transact_items):
            original(self, transact_items)

    models.copy = journal  # type: ignore[attr-defined,assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _JOURNAL = journal
    return journal


def in_process_table(
    account: str = "000000000000", *, stream: bool = False, prefix: str = "shim"
) -> tuple[models.DynamoDBBackend, str]:
    """A new in-process DynamoDB backend (no HTTP) holding one empty ``pk``/``sk`` string-keyed
    table, with a NEW_AND_OLD_IMAGES stream when ``stream``: what the shims' exactness tests
    run their generated examples on (hundreds per test, too many for the server)."""
    backend = models.DynamoDBBackend(REGION, account)
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    backend.create_table(
        name,
        schema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        throughput=None,
        attr=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        global_indexes=None,
        indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"} if stream else None,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=None,
        warm_throughput=None,
    )
    return backend, name


def _order(key: DynamoType) -> Any:
    """How moto orders range keys (``DynamoType.__lt__`` compares ``cast_value``)."""
    return key.cast_value


class _Partition(dict[Any, Any]):
    """One partition of a moto table (range key -> Item) that keeps its range keys sorted.

    moto writes a partition only by ``partition[key] = item`` and ``partition.pop(key)``;
    those keep the sorted list up to date, any other change drops it (rebuilt when next read).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sorted: list[DynamoType] | None = None

    def sorted_keys(self) -> list[DynamoType]:
        """The range keys in moto's order (a length check catches a change missed)."""
        keys = self._sorted
        if keys is None or len(keys) != len(self):
            keys = self._sorted = sorted(self, key=_order)
        return keys

    def __setitem__(self, key: Any, value: Any) -> None:
        if self._sorted is not None and key not in self:
            bisect.insort(self._sorted, key, key=_order)
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._forget(key)

    def pop(self, key: Any, *default: Any) -> Any:
        found = key in self
        value = super().pop(key, *default)
        if found:
            self._forget(key)
        return value

    def _forget(self, key: Any) -> None:
        keys = self._sorted
        if keys is None:
            return
        at = bisect.bisect_left(keys, _order(key), key=_order)
        if at < len(keys) and keys[at] == key:
            del keys[at]
        else:  # pragma: no cover - the length check rebuilds it
            self._sorted = None

    def _changed(self) -> None:
        self._sorted = None

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed()
        return value

    def popitem(self) -> tuple[Any, Any]:
        pair = super().popitem()
        self._changed()
        return pair

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __ior__(self, other: Any) -> _Partition:  # type: ignore[misc]
        super().__ior__(other)
        self._changed()
        return self

    def __copy__(self) -> _Partition:
        return _Partition(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> _Partition:
        # A transaction's backup: its keys are sorted again only if it is restored and read.
        new = _Partition()
        memo[id(self)] = new
        for key, value in self.items():
            dict.__setitem__(new, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        return new


_LARGEST_ITEM: Final = 500_000
"""More than moto's item size limit (~405 KB, ``LimitedSizeDict``)."""
_RANGES: Final[dict[str, Callable[[list[DynamoType], list[DynamoType]], tuple[int, int]]]] = {
    "=": lambda keys, v: (
        bisect.bisect_left(keys, _order(v[0]), key=_order),
        bisect.bisect_right(keys, _order(v[0]), key=_order),
    ),
    "<": lambda keys, v: (0, bisect.bisect_left(keys, _order(v[0]), key=_order)),
    "<=": lambda keys, v: (0, bisect.bisect_right(keys, _order(v[0]), key=_order)),
    ">": lambda keys, v: (bisect.bisect_right(keys, _order(v[0]), key=_order), len(keys)),
    ">=": lambda keys, v: (bisect.bisect_left(keys, _order(v[0]), key=_order), len(keys)),
    "BETWEEN": lambda keys, v: (
        bisect.bisect_left(keys, _order(v[0]), key=_order),
        bisect.bisect_right(keys, _order(v[1]), key=_order),
    ),
    # Strings with a prefix are one run of the sorted keys: those whose first len(prefix)
    # characters equal it (cutting keys to a length keeps them sorted).
    "BEGINS_WITH": lambda keys, v: (
        bisect.bisect_left(keys, v[0].value, key=lambda k: k.value[: len(v[0].value)]),
        bisect.bisect_right(keys, v[0].value, key=lambda k: k.value[: len(v[0].value)]),
    ),
}
"""The run of sorted keys ``[low, high)`` each key condition selects, by the names moto's
parsers give them (``KeyConditions``' ``EQ``... are mapped to these)."""


class QueryShim:
    """What `query_sorted_partitions` installed: counts, and a switch for its test."""

    def __init__(self) -> None:
        self.enabled = True
        """Off: every Query is moto's own (how its test compares the two)."""
        self.sliced = 0
        """Queries answered from a slice of their partition."""
        self.whole = 0
        """Queries handed to moto whole (an index, no hash key, an unusual condition...)."""
        self._local = threading.local()

    def window(self, table: Table) -> list[Item] | None:
        window: tuple[Table, list[Item]] | None = getattr(self._local, "window", None)
        return window[1] if window is not None and window[0] is table else None

    @contextmanager
    def serving(self, table: Table, items: list[Item]) -> Iterator[None]:
        self._local.window = (table, items)
        try:
            yield
        finally:
            self._local.window = None


def _partition(table: Table, hash_key: DynamoType) -> _Partition | None:
    found = table.items.get(hash_key)
    if found is None or isinstance(found, _Partition):
        return found
    # A partition made before the shim (or by code that bypasses the factory)
    partition = table.items[hash_key] = _Partition(found)
    return partition


def _run(table: Table, keys: list[DynamoType], query: dict[str, Any]) -> tuple[int, int] | None:
    """The run ``[low, high)`` of sorted ``keys`` the key condition and the start key leave
    (None: a condition the shim leaves to moto)."""
    comparison: str | None = query["range_comparison"]
    values: list[DynamoType] = query["range_objs"]
    start: dict[str, Any] | None = query["exclusive_start_key"]
    forward: bool = query["scan_index_forward"]
    kind = keys[0].type
    low, high = 0, len(keys)
    if comparison is not None:
        bounds = _RANGES.get(comparison)
        if bounds is None or any(value.type != kind for value in values):
            return None
        if comparison == "BEGINS_WITH" and kind != "S":
            return None
        low, high = bounds(keys, values)
    if start is not None:
        start_range = start.get(table.range_key_attr or "")
        start_hash = start.get(table.hash_key_attr)
        if start_range is None or start_hash is None or DynamoType(start_range).type != kind:
            return None
        if DynamoType(start_hash) != query["hash_key"]:
            return None
        after = _order(DynamoType(start_range))
        if forward:
            low = max(low, bisect.bisect_right(keys, after, key=_order))
        else:
            high = min(high, bisect.bisect_left(keys, after, key=_order))
    return low, high


def _slice(table: Table, query: dict[str, Any]) -> list[Item] | None:
    """The items moto's ``Table.query`` needs to see, in its order; None: moto needs all.

    ``query`` holds ``Table.query``'s arguments by name. The key condition's run of sorted
    keys, after the start key, cut once ``limit`` + 1 items or more than a 1 MB page are in it
    (moto stops there), plus the next key past the run (moto looks at it before it stops, and
    sets ``LastEvaluatedKey`` there when the limit is met).
    """
    hash_key: DynamoType | None = query["hash_key"]
    if (
        query["index_name"]
        or hash_key is None
        or query["filter_kwargs"]
        or table.range_key_attr is None
        or len(query["hash_key_conditions"] or ()) > 1
        or len(query["range_key_conditions"] or ()) > 1
    ):
        return None
    partition = _partition(table, hash_key)
    keys = [] if partition is None else partition.sorted_keys()
    if partition is None or not keys:
        return []  # moto's answer: nothing, nothing scanned
    forward: bool = query["scan_index_forward"]
    comparison: str | None = query["range_comparison"]
    run = _run(table, keys, query)
    if run is None:
        return None
    low, high = run
    limit: int | None = query["limit"]
    if low >= high:
        return []  # moto scans past keys its condition refuses, and stops nowhere in them
    if limit is not None and limit < 1:
        return None
    step = 1 if forward else -1
    at, end, past = (low, high, high < len(keys)) if forward else (high - 1, low - 1, low > 0)
    taken: list[Item] = []
    size = 0
    while at != end:
        item = partition.get(keys[at])
        at += step
        if item is None:  # deleted meanwhile (a request not made atomic)
            continue
        taken.append(item)
        size += item.size()
        if size > RESULT_SIZE_LIMIT or (limit is not None and len(taken) > limit):
            return taken if forward else taken[::-1]
    if past and comparison is not None:
        # moto goes on past the run, through keys its condition refuses: it stops at the next
        # one when the limit is met, else at the first whose size would overflow the page
        # (only possible once the page holds more than 1 MB less the largest item).
        for index in range(at, len(keys)) if forward else range(at, -1, -1):
            item = partition.get(keys[index])
            if item is None:
                continue
            taken.append(item)
            if size <= RESULT_SIZE_LIMIT - _LARGEST_ITEM or size + item.size() > RESULT_SIZE_LIMIT:
                break
    return taken if forward else taken[::-1]


_QUERIES: QueryShim | None = None


def query_sorted_partitions() -> QueryShim:
    """Install (once per process) the Query shim; returns it (``sliced``/``whole`` counts).

    A base-table Query with a hash key gets, through ``Table.all_items``, only the items of
    `_slice` (in the partition's order); the rest of ``Table.query`` is moto's own:
    conditions, filter, limit, 1 MB pages, projection, counts. Index queries and conditions it
    does not know are moto's whole. Partitions made after the install keep their keys sorted
    as moto writes them; an older one is converted on its first Query (install the shim before
    serving concurrent writers).
    """
    global _QUERIES  # noqa: PLW0603 - one patch per process, like the module it patches
    _require_pinned_moto("query_sorted_partitions", "moto/dynamodb/models/table.py")
    if _QUERIES is not None:
        return _QUERIES
    shim = QueryShim()
    original_init = Table.__init__
    original_query = Table.query
    original_all_items = Table.all_items

    def __init__(self: Table, *args: Any, **kwargs: Any) -> None:  # noqa: N807 - the patched name
        original_init(self, *args, **kwargs)
        if isinstance(self.items, defaultdict):
            self.items.default_factory = _Partition

    def all_items(self: Table) -> list[Item]:
        window = shim.window(self)
        return original_all_items(self) if window is None else window

    signature = inspect.signature(original_query)

    def query(self: Table, *args: Any, **kwargs: Any) -> tuple[list[Item], int, Any]:
        window = None
        if shim.enabled:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            window = _slice(self, bound.arguments)
        if window is None:
            shim.whole += 1
            return original_query(self, *args, **kwargs)
        shim.sliced += 1
        with shim.serving(self, window):
            return original_query(self, *args, **kwargs)

    Table.__init__ = __init__  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    _QUERIES = shim
    return shim


_SEND_ATTRIBUTES: Final = frozenset({"ContentBasedDeduplication"})
"""The queue attributes moto 5.2.5's send path reads (``_validate_message``,
``send_message``, ``Queue.add_message``)."""


class _NarrowedQueue:
    """A moto ``Queue`` seen through its ``attributes`` property with only some attribute
    names listed: moto's own property code, run on it, computes just those (and the two it
    always adds when set, ``Policy`` and ``RedrivePolicy``, which cost nothing)."""

    def __init__(self, queue: Any, wanted: frozenset[str]) -> None:
        self._queue = queue
        self.BASE_ATTRIBUTES = [name for name in queue.BASE_ATTRIBUTES if name in wanted]
        self.FIFO_ATTRIBUTES = [name for name in queue.FIFO_ATTRIBUTES if name in wanted]
        self.KMS_ATTRIBUTES = [name for name in queue.KMS_ATTRIBUTES if name in wanted]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)


class QueueAttributesShim:
    """What `queue_attributes_on_demand` installed: counts, and a switch for its test."""

    def __init__(self) -> None:
        self.enabled = True
        """Off: every ``Queue.attributes`` is moto's whole (how its test compares the two)."""
        self.narrowed = 0
        """``Queue.attributes`` computed for only the names its caller reads."""
        self.whole = 0
        """``Queue.attributes`` computed whole (every count: one pass over the messages each)."""
        self._local = threading.local()

    def wanted(self) -> frozenset[str] | None:
        wanted: frozenset[str] | None = getattr(self._local, "wanted", None)
        return wanted

    @contextmanager
    def reading(self, wanted: frozenset[str] | None) -> Iterator[None]:
        """Within the block (on this thread) ``Queue.attributes`` computes only ``wanted``
        (None: all); an outer narrowing is kept when it is narrower."""
        previous = self.wanted()
        if wanted is not None and self.enabled:
            self._local.wanted = wanted if previous is None else previous & wanted
        try:
            yield
        finally:
            self._local.wanted = previous


_QUEUE_ATTRIBUTES: QueueAttributesShim | None = None


def queue_attributes_on_demand() -> QueueAttributesShim:
    """Install (once per process) the SQS queue-attributes shim; returns it (its counts).

    moto 5.2.5 builds a queue's whole ``attributes`` dict, whose three ``Approximate*``
    counts each walk every message of the queue (reading the clock twice per message), to read
    one attribute: five times per message sent (``ContentBasedDeduplication``), once per
    message received (``MessageRetentionPeriod``, through ``get_queue_attributes``) and three
    times per name a GetQueueAttributes asks for. Sending or receiving one message costs
    O(queue), 10^3 messages O(queue^2): minutes. With the shim those callers compute only the
    names they read, with moto's own property code (`_NarrowedQueue`); GetQueueAttributes
    answers the same names with the same values. Pinned likewise;
    ``tests/adapters/test_queue_attributes_shim.py`` compares it with moto's own answers.
    """
    global _QUEUE_ATTRIBUTES  # noqa: PLW0603 - one patch per process, like the module it patches
    _require_pinned_moto("queue_attributes_on_demand", "moto/sqs/models.py")
    if _QUEUE_ATTRIBUTES is not None:
        return _QUEUE_ATTRIBUTES
    from moto.sqs.models import Queue, SQSBackend  # noqa: PLC0415 - patched here only

    shim = QueueAttributesShim()
    whole_attributes = cast("property", Queue.attributes).fget
    assert whole_attributes is not None  # noqa: S101 - moto's property has a getter
    original_get = SQSBackend.get_queue_attributes
    original_send = SQSBackend.send_message
    original_send_batch = SQSBackend.send_message_batch
    original_add = Queue.add_message

    def attributes(self: Queue) -> dict[str, Any]:
        wanted = shim.wanted()
        if wanted is None:
            shim.whole += 1
            return cast("dict[str, Any]", whole_attributes(self))
        shim.narrowed += 1
        return cast("dict[str, Any]", whole_attributes(_NarrowedQueue(self, wanted)))

    def get_queue_attributes(
        self: SQSBackend, queue_name: str, attribute_names: list[str]
    ) -> dict[str, Any]:
        # With "All" moto builds the dict once, whole; else it reads only the names asked.
        names = None if "All" in attribute_names else frozenset(attribute_names)
        with shim.reading(names):
            return original_get(self, queue_name, attribute_names)

    def _sending(backend: SQSBackend, queue_name: str) -> frozenset[str] | None:
        # A queue with Lambda event source mappings (moto invokes them as it adds a message)
        # is left to moto whole.
        queue = backend.queues.get(queue_name)
        return None if queue is None or queue.lambda_event_source_mappings else _SEND_ATTRIBUTES

    def send_message(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        with shim.reading(_sending(self, queue_name)):
            return original_send(self, queue_name, *args, **kwargs)

    def send_message_batch(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        with shim.reading(_sending(self, queue_name)):
            return original_send_batch(self, queue_name, *args, **kwargs)

    def add_message(self: Queue, message: Any) -> None:
        # Also how receive moves a message to the dead-letter queue.
        with shim.reading(None if self.lambda_event_source_mappings else _SEND_ATTRIBUTES):
            original_add(self, message)

    Queue.attributes = property(attributes)  # type: ignore[assignment,method-assign]
    SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    SQSBackend.send_message_batch = send_message_batch  # type: ignore[method-assign]
    Queue.add_message = add_message  # type: ignore[method-assign]
    _QUEUE_ATTRIBUTES = shim
    return shim


def put_items(
    table_name: str,
    items: Iterable[dict[str, Any]],
    *,
    account_id: str = DEFAULT_ACCOUNT_ID,
    region: str = REGION,
) -> int:
    """Write ``items`` (DynamoDB JSON) straight into this process's moto backend; their count.

    For loading a scale test's state (10^5 entries are ~800,000 items): no HTTP, no
    conditions, no streams; the table must exist (created over HTTP by the code under test).
    Only a `MotoServer` of this process serves what is written.
    """
    table = dynamodb_backends[account_id][region].get_table(table_name)
    hash_name, range_name = table.hash_key_attr, table.range_key_attr
    written = 0
    for attrs in items:
        hash_key = DynamoType(attrs[hash_name])
        range_key = None if range_name is None else DynamoType(attrs[range_name])
        item = Item(hash_key, range_key, attrs)
        if range_key is None:
            table.items[hash_key] = item  # type: ignore[assignment]  # moto's own typing
        else:
            table.items[hash_key][range_key] = item
        written += 1
    return written


class AwsClients(ClientFactory):
    """tap's client factory (`tap_aws.clients.ClientFactory`) bound to one endpoint (a
    moto server) with moto's fake credentials, given explicitly (no environment). Each call
    builds a new client; ``config`` (botocore's defaults when None) sets retries and timeouts."""

    def __init__(self, endpoint: str, region: str = REGION, config: Config | None = None) -> None:
        super().__init__(
            config=config,
            endpoint_url=endpoint,
            region=region,
            credentials=(FAKE_ACCESS_KEY, FAKE_SECRET_KEY),
        )
        self.endpoint = endpoint
        self.region = region


def _items_in(parsed: dict[str, Any]) -> tuple[int, int]:
    """(items returned, items scanned) of one parsed response."""
    returned = len(parsed.get("Items", ()))
    if "Item" in parsed:
        returned += 1
    responses = parsed.get("Responses")
    if isinstance(responses, dict):  # BatchGetItem: table -> items
        returned += sum(len(items) for items in responses.values())
    elif isinstance(responses, list):  # TransactGetItems: [{"Item": ...}]
        returned += sum(1 for response in responses if "Item" in response)
    scanned = int(parsed.get("ScannedCount", parsed.get("Count", returned)))
    return returned, max(scanned, returned)


@dataclass
class RequestCounter:
    """Counts, through botocore's event hooks, what one client asked of AWS.

    ``requests`` counts HTTP requests per operation (a retry is another request); ``calls``
    counts API calls (one per client method call, whatever the retries); ``items_returned``
    and ``items_scanned`` add up what responses carried (``Items``, ``Item``, ``Responses``,
    and ``ScannedCount`` or ``Count`` for queries that count without returning).
    """

    requests: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    items_returned: int = 0
    items_scanned: int = 0

    @classmethod
    def attach(cls, client: Any) -> RequestCounter:
        counter = cls()
        events = client.meta.events
        events.register("before-send", counter._on_send)
        events.register("after-call", counter._on_call)
        return counter

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def reset(self) -> None:
        self.requests.clear()
        self.calls.clear()
        self.items_returned = 0
        self.items_scanned = 0

    def _on_send(self, event_name: str, **_: Any) -> None:
        self.requests[event_name.rsplit(".", 1)[-1]] += 1

    def _on_call(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        returned, scanned = _items_in(parsed)
        self.items_returned += returned
        self.items_scanned += scanned


PARTITION_KEY_BYTES: Final = 2048
"""DynamoDB's longest partition key value (UTF-8 bytes)."""
SORT_KEY_BYTES: Final = 1024
"""DynamoDB's longest sort key value (UTF-8 bytes)."""


class KeyLimits:
    """DynamoDB's key size limits, enforced on a client before each request is sent.

    AWS refuses a request naming a partition key over `PARTITION_KEY_BYTES` or a sort key over
    `SORT_KEY_BYTES` (``ValidationException``) on reads as on writes; moto checks only writes.
    `attach` makes a client refuse as AWS would, for tests that must show no client input can
    reach DynamoDB with a key it would refuse. ``refused`` keeps what was refused.
    """

    def __init__(self, partition: str = "pk", sort: str = "sk") -> None:
        self.partition, self.sort = partition, sort
        self.refused: list[str] = []

    def attach(self, client: Any) -> Any:
        client.meta.events.register("provide-client-params.dynamodb.*", self._check)
        return client

    def _keys(self, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for name in ("Key", "Item", "ExclusiveStartKey"):
            if isinstance(params.get(name), dict):
                yield params[name]
        for request in (params.get("RequestItems") or {}).values():
            if isinstance(request, dict):  # BatchGetItem
                yield from request.get("Keys", [])
            else:  # BatchWriteItem
                for write in request:
                    for body in write.values():
                        yield body.get("Item") or body.get("Key") or {}
        for action in params.get("TransactItems", []):
            for body in action.values():
                yield body.get("Item") or body.get("Key") or {}
        condition = params.get("KeyConditionExpression")
        if condition is not None:  # the values a key condition compares each key with
            found = re.search(rf"\b{self.partition}\s*=\s*(:\w+)", condition)
            hashed = None if found is None else found[1]
            for name, value in (params.get("ExpressionAttributeValues") or {}).items():
                yield {self.partition if name == hashed else self.sort: value}

    def _check(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        for key in self._keys(params):
            for name, limit in ((self.partition, PARTITION_KEY_BYTES), (self.sort, SORT_KEY_BYTES)):
                value = key.get(name, {}).get("S")
                if value is not None and len(value.encode()) > limit:
                    message = f"{name} of {len(value.encode())} bytes exceeds {limit}"
                    self.refused.append(message)
                    raise ClientError(
                        {"Error": {"Code": "ValidationException", "Message": message}},
                        model.name,
                    )
