"""``LocalStack``: the whole system on one machine, started and stopped as a context manager.

Starting it starts the emulator (`tap_tools.local.emulator`), creates the resources from
the shared specs (`tap_tools.local.provision`), builds each function's ports on them and
hands them to its composition root (`tap_tools.local.wiring`), wraps some to count what
they do (`tap_tools.local.journal`), serves the API (`tap_tools.local.api_server`) and
starts the event sources (`tap_tools.local.pumps`). Stopping undoes it all in reverse
order: threads joined, servers shut down, the functions' roots reset. One stack per process at
a time: a function module has one root.
"""

from __future__ import annotations

import dataclasses
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
    SCORES_FUNCTION,
)
from tap_tools.local.api_server import ApiServer
from tap_tools.local.boards import DEFAULT_BOARDS
from tap_tools.local.emulator import start_emulator
from tap_tools.local.invoke import Function
from tap_tools.local.journal import Journal, WatchedDeadLetters, WatchedLeaderboards
from tap_tools.local.provision import DEFAULT_SUFFIX, provision
from tap_tools.local.pumps import (
    InventoryPump,
    Pump,
    ScoresPump,
    StreamPump,
    SummaryTimer,
    scheduled_event,
)
from tap_tools.local.wiring import (
    STACK_FUNCTIONS,
    StackClients,
    dependencies,
    emulator_clients,
    functions_given,
    stack_clients,
    stack_settings,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from mypy_boto3_sqs import SQSClient

    from tap_core.leaderboard import LeaderboardSpec
    from tap_tools.local.provision import Provisioned

DEFAULT_SUMMARY_INTERVAL: Final = 300.0
"""Seconds between scheduled summaries (the deployed schedule is daily)."""
IDLE_CHECKS: Final = 2
"""Consecutive quiet checks `LocalStack.wait_idle` needs (a pump may be between polls)."""

_ONE_AT_A_TIME = threading.Lock()


class StackError(RuntimeError):
    """The stack cannot start, or did not become idle in time."""


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
        report: Callable[[str], None] | None = None,
        log_requests: bool = False,
        settings: dict[str, str] | None = None,
        timeouts: dict[str, float] | None = None,
    ) -> None:
        """``summary_interval=None`` runs the summary only on demand; ``settings`` adds
        ``TAP_*`` values (e.g. ``TAP_MAX_ATTEMPTS``) to the functions' settings;
        ``timeouts`` replaces some functions' timeouts (seconds, by function stem)."""
        self._port = port
        self._api_port = api_port
        self._boards = boards
        self._summary_interval = summary_interval
        self._suffix = suffix
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
        self.outputs: dict[str, str] = {}
        self.functions: dict[str, Function] = {}

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
        server = start_emulator(self._port)
        exit_stack.callback(server.stop)
        exit_stack.enter_context(server.atomic())
        provisioned = provision(server.endpoint, self._suffix)
        self.provisioned = provisioned
        settings = stack_settings(provisioned, self._boards, self._settings)
        self.clients = stack_clients(settings)
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
        api = ApiServer(
            self.functions[API_FUNCTION.stem], self.journal, self._api_port, log=self._log_requests
        )
        api.start()
        exit_stack.callback(api.stop)
        self.outputs = provisioned.outputs(api.url)
        emulator = emulator_clients(provisioned.endpoint_url, settings)
        self._sqs = emulator.sqs()
        table = self.clients.dynamodb.describe_table(TableName=provisioned.leaderboard_table)
        self.stream = StreamPump(
            self.journal,
            emulator.dynamodbstreams(),
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
        importer.use(
            dataclasses.replace(
                built,
                dead_letters=WatchedDeadLetters(built.dead_letters, self.journal, "inventory"),
            )
        )

    def stop(self) -> None:
        """Stop everything started (idempotent)."""
        exit_stack, self._exit = self._exit, None
        if exit_stack is not None:
            exit_stack.close()

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
            scheduled_event(at or datetime.now(UTC), self._suffix)
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
