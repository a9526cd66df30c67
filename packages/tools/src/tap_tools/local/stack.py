"""``LocalStack``: the whole system on one machine, started and stopped as a context manager.

Starting it starts the emulator (`tap_tools.local.emulator`), creates the resources from
the shared specs (`tap_tools.local.provision`), builds each function's ports on them and
hands them to its composition root (`tap_tools.local.wiring`), wraps some to count what
they do (`tap_tools.local.journal`), serves the API (`tap_tools.local.api_server`) and
starts the event sources (`tap_tools.local.pumps`). With ``rank_index="valkey"`` it first
starts a real Valkey (or Redis) server on 127.0.0.1 (`tap_tools.valkey_server`) and the
functions rank through it, as a stack with ``rankIndex: valkey`` does. Stopping undoes it all
in reverse order: threads joined, servers shut down, the functions' roots reset. One stack per
process at a time: a function module has one root.
"""

from __future__ import annotations

import dataclasses
import errno
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from tap_aws.resources import (
    API_FUNCTION,
    INVENTORY_IMPORT_FUNCTION,
    INVENTORY_SUMMARY_FUNCTION,
    RANK_INDEX_FUNCTION,
    RANK_INDEXES,
    SCORES_FUNCTION,
    Outputs,
)
from tap_tools.local.api_server import ApiServer
from tap_tools.local.boards import DEFAULT_BOARDS
from tap_tools.local.emulator import in_process, start_emulator
from tap_tools.local.invoke import Function
from tap_tools.local.journal import (
    Journal,
    WatchedDeadLetters,
    WatchedInventory,
    WatchedLeaderboards,
)
from tap_tools.local.provision import DEFAULT_SUFFIX, REGION, provision
from tap_tools.local.pumps import (
    InventoryPump,
    Pump,
    ScoresPump,
    StreamPump,
    SummaryTimer,
    scheduled_event,
)
from tap_tools.local.uploads import IgnoredUploads
from tap_tools.local.wiring import (
    STACK_FUNCTIONS,
    StackClients,
    dependencies,
    emulator_clients,
    functions_given,
    stack_clients,
    stack_settings,
)
from tap_tools.valkey_server import ValkeyServer

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from mypy_boto3_sqs import SQSClient

    from tap_aws.resources import RankIndexKind
    from tap_core.leaderboard import LeaderboardSpec
    from tap_tools.local.provision import Provisioned
    from tap_tools.testing import MotoServer

DEFAULT_SUMMARY_INTERVAL: Final = 300.0
"""Seconds between scheduled summaries (the deployed schedule is daily)."""
IDLE_CHECKS: Final = 2
"""Consecutive quiet checks `LocalStack.wait_idle` needs (a pump may be between polls)."""

_ONE_AT_A_TIME = threading.Lock()


class StackError(RuntimeError):
    """The stack cannot start, or did not become idle in time."""


class PortUnavailable(StackError):
    """A port the stack was asked to listen on cannot be had (in use, or not allowed)."""

    def __init__(self, role: str, port: int, error: OSError) -> None:
        self.role = role
        """``emulator`` or ``api``: which server asked for it."""
        self.port = port
        self.reason = (
            "in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
        )
        super().__init__(f"the {role} cannot listen on port {port}: {self.reason}")


class LocalStack:
    """The local stack; ``with LocalStack() as stack: stack.outputs[...]``."""

    def __init__(
        self,
        *,
        port: int = 0,
        api_port: int = 0,
        boards: tuple[LeaderboardSpec, ...] = DEFAULT_BOARDS,
        summary_interval: float | None = DEFAULT_SUMMARY_INTERVAL,
        suffix: str = DEFAULT_SUFFIX,
        region: str = REGION,
        report: Callable[[str], None] | None = None,
        log_requests: bool = False,
        settings: dict[str, str] | None = None,
        timeouts: dict[str, float] | None = None,
        rank_index: RankIndexKind = RANK_INDEXES[0],
    ) -> None:
        """``summary_interval=None`` runs the summary only on demand; ``settings`` adds
        ``TAP_*`` values (e.g. ``TAP_MAX_ATTEMPTS``) to the functions' settings;
        ``timeouts`` replaces some functions' timeouts (seconds, by function stem);
        ``rank_index`` is what holds the ranks (``valkey``: a server the stack starts; its
        start raises ``tap_tools.valkey_server.ServerMissing`` when none is installed)."""
        if rank_index not in RANK_INDEXES:
            raise ValueError(f"rank_index is one of {', '.join(RANK_INDEXES)}, got {rank_index!r}")
        self.rank_index: RankIndexKind = rank_index
        self._port = port
        self._api_port = api_port
        self._boards = boards
        self._summary_interval = summary_interval
        self._suffix = suffix
        self._region = region
        self._log_requests = log_requests
        self._settings = dict(settings or {})
        self._timeouts = dict(timeouts or {})
        unknown = set(self._timeouts) - {spec.stem for spec in STACK_FUNCTIONS}
        if unknown:
            raise ValueError(f"timeouts name no function: {', '.join(sorted(unknown))}")
        self.journal = Journal(report)
        self._exit: ExitStack | None = None
        self._pumps: list[Pump] = []
        self._sqs: SQSClient | None = None
        self.stream: StreamPump | None = None
        """The leaderboard table's stream, pumped into ``rank_index``."""
        self.clients: StackClients | None = None
        """The clients the functions share while the stack runs (tests hook faults on them)."""
        self.provisioned: Provisioned | None = None
        self.emulator: MotoServer | None = None
        """The emulator while the stack runs."""
        self.valkey: ValkeyServer | None = None
        """The Valkey server holding the ranks while the stack runs (``rank_index="valkey"``)."""
        self.outputs: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self._inventory: WatchedInventory | None = None

    # -- life -----------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if not _ONE_AT_A_TIME.acquire(blocking=False):
            raise StackError("a local stack is already running in this process")
        exit_stack = ExitStack()
        exit_stack.callback(_ONE_AT_A_TIME.release)
        self._exit = exit_stack
        try:
            self._start(exit_stack)
        except BaseException:
            self.stop()
            raise

    def _start(self, exit_stack: ExitStack) -> None:
        # Both ports are bound before anything else starts: one in use fails at once.
        try:
            api = ApiServer(self.journal, self._api_port, log=self._log_requests)
        except OSError as error:
            raise PortUnavailable("api", self._api_port, error) from None
        exit_stack.callback(api.stop)
        try:
            server = start_emulator(self._port, self._region)
        except OSError as error:
            raise PortUnavailable("emulator", self._port, error) from None
        self.emulator = server
        exit_stack.callback(server.stop)
        exit_stack.enter_context(server.atomic())
        valkey_url = None
        if self.rank_index == "valkey":
            valkey = ValkeyServer()
            valkey.start()
            exit_stack.callback(valkey.stop)
            self.valkey, valkey_url = valkey, valkey.url
            self.journal.say(f"rank index: a Valkey server at {valkey_url}")
        provisioned = provision(server.endpoint, self._suffix, self._region)
        self.provisioned = provisioned
        settings = stack_settings(provisioned, self._boards, self._settings, valkey_url)
        self.clients = stack_clients(settings, self._region)
        in_process(
            server, *(getattr(self.clients, f.name) for f in dataclasses.fields(StackClients))
        )
        exit_stack.enter_context(functions_given(dependencies(settings, self.clients)))
        self.functions = {
            spec.stem: Function(spec, self._suffix, self._timeouts.get(spec.stem))
            for spec in (
                SCORES_FUNCTION,
                INVENTORY_IMPORT_FUNCTION,
                INVENTORY_SUMMARY_FUNCTION,
                API_FUNCTION,
                RANK_INDEX_FUNCTION,
            )
        }
        self._watch()
        api.start(self.functions[API_FUNCTION.stem])
        self.outputs = provisioned.outputs(api.url)
        if valkey_url is not None:
            self.outputs[Outputs.VALKEY_URL] = valkey_url
        emulator = emulator_clients(provisioned.endpoint_url, settings, self._region)
        self._sqs = emulator.sqs()
        streams = emulator.dynamodbstreams()
        in_process(server, self._sqs, streams)
        table = self.clients.dynamodb.describe_table(TableName=provisioned.leaderboard_table)
        self.stream = StreamPump(
            self.journal,
            streams,
            table["Table"]["LatestStreamArn"],
            self.functions[RANK_INDEX_FUNCTION.stem],
        )
        self._pumps = [
            self.stream,
            ScoresPump(
                self.journal,
                self._sqs,
                provisioned.scores_queue_url,
                provisioned.scores_queue_arn,
                self.functions[SCORES_FUNCTION.stem],
            ),
            InventoryPump(
                self.journal,
                self._sqs,
                provisioned.events_queue_url,
                provisioned.events_dlq_url,
                self.functions[INVENTORY_IMPORT_FUNCTION.stem],
            ),
        ]
        self._pumps.append(IgnoredUploads(self.journal, self._sqs, provisioned.objects_queue_url))
        if self._summary_interval is not None:
            self._pumps.append(
                SummaryTimer(self.journal, self._summary_interval, self.invoke_summary)
            )
        for pump in self._pumps:
            pump.start()
            exit_stack.callback(pump.stop)

    def _watch(self) -> None:
        """Wrap the functions' ports (given to their roots) to count their work."""
        scores = self.functions[SCORES_FUNCTION.stem].module.root
        built = scores.get()
        scores.use(
            dataclasses.replace(
                built,
                leaderboards=WatchedLeaderboards(built.leaderboards, self.journal),
                dead_letters=WatchedDeadLetters(built.dead_letters, self.journal, "scores"),
            )
        )
        importer = self.functions[INVENTORY_IMPORT_FUNCTION.stem].module.root
        built = importer.get()
        self._inventory = WatchedInventory(built.inventory)
        importer.use(
            dataclasses.replace(
                built,
                inventory=self._inventory,
                dead_letters=WatchedDeadLetters(built.dead_letters, self.journal, "inventory"),
            )
        )

    def finishing(self) -> list[str]:
        """What the stack is in the middle of, in words (``the import of inbound/x.csv at row
        120``): what a stop waits for."""
        work = []
        for pump in self._pumps:
            doing = pump.doing
            if doing is None:
                continue
            if isinstance(pump, InventoryPump) and self._inventory is not None:
                row = self._inventory.row
                doing += "" if row is None else f" at row {row}"
            work.append(doing)
        return work

    def hurry(self) -> None:
        """Begin stopping: no pump takes new work, and a running import saves its checkpoint at
        its next row and hands the rest on (as when a Lambda invocation runs out of time)."""
        for pump in self._pumps:
            pump.stopping.set()
        for function in self.functions.values():
            function.hurry()

    def stop(self) -> None:
        """Stop everything started (idempotent)."""
        exit_stack, self._exit = self._exit, None
        if exit_stack is not None:
            self.hurry()
            exit_stack.close()
            self.valkey = None

    # -- use ------------------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        return self._provisioned().endpoint_url

    @property
    def api_url(self) -> str:
        return self.outputs["api_url"]

    def _provisioned(self) -> Provisioned:
        if self.provisioned is None:
            raise StackError("the local stack is not running")
        return self.provisioned

    def invoke_summary(self, at: datetime | None = None) -> Any:
        """Run ``inventory_summary`` now on a scheduled event (time ``at``, default now)."""
        result = self.functions[INVENTORY_SUMMARY_FUNCTION.stem].invoke(
            scheduled_event(at or datetime.now(UTC), self._suffix, self._region)
        )
        self.journal.count("summary.runs")
        if isinstance(result, dict):
            self.journal.say(f"summary: {result.get('items')} items -> {result.get('key')}")
        return result

    def pending(self) -> int:
        """Messages still on the scores and events queues, visible or in flight."""
        provisioned = self._provisioned()
        if self._sqs is None:
            raise StackError("the local stack is not running")
        total = 0
        for url in (provisioned.scores_queue_url, provisioned.events_queue_url):
            attributes = self._sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            total += sum(int(value) for value in attributes.values())
        return total

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Block until both queues are empty, the stream's records read are delivered and no
        pump is working; StackError on timeout."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < IDLE_CHECKS:
            busy = any(pump.busy for pump in self._pumps if not isinstance(pump, SummaryTimer))
            pending = self.pending() + (0 if self.stream is None else self.stream.pending)
            quiet = 0 if busy or pending else quiet + 1
            if quiet < IDLE_CHECKS:
                if time.monotonic() > deadline:
                    raise StackError(
                        f"the local stack was not idle after {timeout:g} s: "
                        f"{pending} messages pending, pumps busy: {busy}"
                    )
                time.sleep(0.1)

    def counts(self) -> dict[str, int]:
        """Every counter of the journal (see `tap_tools.local.journal.Journal`)."""
        return self.journal.counts()
