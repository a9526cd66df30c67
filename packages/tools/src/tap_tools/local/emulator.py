"""The embedded AWS emulator: moto's threaded server on 127.0.0.1, every request atomic.

moto's server is a dependency of ``tap-tools``; `start_emulator` names it when it is missing.
The server is `tap_tools.testing.MotoServer` (the one the adapter tests run on); the stack
turns its atomic switch on for its whole life: moto's backend takes no locks, and the local
stack's pumps, the API server and any outside client all talk to it at once. (So nothing in
the stack long-polls: a waiting ReceiveMessage would hold the lock; the pumps poll briefly.)
The pinned moto shims of `tap_tools.testing` are installed too, so that a request costs
what it reads or writes, not the size of its table or queue: ``journal_transactions``
(TransactWriteItems copies no table), ``query_sorted_partitions`` (a Query reads its slice of
the partition) and ``queue_attributes_on_demand`` (sending or receiving an SQS message does
not count every message of the queue). The product never needs them; they only keep the
emulator fast at realistic sizes (``python -m bench local_stack``).
"""

from __future__ import annotations

import urllib.request
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from tap_tools.testing import MotoServer

MISSING_MOTO: Final = (
    "the local stack needs moto's server, which is not installed: "
    "install tap-tools, which brings it, from the repository (tap's packages are not on PyPI): "
    "`uv sync --all-packages` there, or `pip install ./packages/tools`"
)


class EmulatorMissing(RuntimeError):
    """moto's server (a dependency of ``tap-tools``) is not installed."""


def in_process(server: MotoServer, *clients: Any) -> None:
    """The stack's own clients (the functions', the pumps') hand their requests to the
    emulator's application in this process, skipping HTTP (`tap_tools.testing.InProcess`):
    moto answers them as it answers any client, under the same atomic switch. Outside
    clients still talk HTTP to ``server.endpoint``."""
    from tap_tools.testing import serve_in_process  # noqa: PLC0415

    for client in clients:
        serve_in_process(client, server)


def start_emulator(port: int = 0) -> MotoServer:
    """A started moto server on ``127.0.0.1:port`` (0: a free port).

    The caller makes its requests atomic with ``server.atomic()`` for as long as it runs.
    The emulator starts empty: moto's state (one per process) is reset.
    """
    try:
        from tap_tools.testing import (  # noqa: PLC0415 - moto only when the stack starts
            MotoServer,
            journal_transactions,
            query_sorted_partitions,
            queue_attributes_on_demand,
        )
    except ImportError as error:
        raise EmulatorMissing(f"{MISSING_MOTO} ({error})") from None
    journal_transactions()
    query_sorted_partitions()
    queue_attributes_on_demand()
    server = MotoServer(port)
    server.start()
    # moto's backends are process-wide: a stack started after another one in this process
    # (tests do) would find its tables, queues and bucket. Start empty.
    reset = f"{server.endpoint}/moto-api/reset"
    request = urllib.request.Request(reset, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our loopback server
        pass
    return server
