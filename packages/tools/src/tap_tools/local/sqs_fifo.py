"""A shim for moto 5.2.5's FIFO receive: a message whose visibility timeout ran out is no
longer in flight, so its group is free again (as in SQS).

moto's ``SQSBackend.receive_message`` notes the groups with a message in flight once, before
it walks the queue, and frees a message from "in flight" only when the walk reaches it. So
after a reader let the letters of one group become visible again (``tap dlq show`` reads them
without deleting them), each is passed over because a later one of its group is still noted
in flight; only the group's last message is returned, and it hides the others again: the
letters seem to vanish from later ``tap dlq list`` runs. The shim frees every visible message
from "in flight" before moto's own receive runs, which then returns the group's messages in
order, as SQS does. Pinned: it refuses any other moto version.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any, Final

PINNED_MOTO: Final = "5.2.5"
_installed = False


def release_expired_fifo_groups() -> None:
    """Install the shim (once per process)."""
    global _installed  # noqa: PLW0603 - one patch per process, like the module it patches
    found = metadata.version("moto")
    if found != PINNED_MOTO:
        raise RuntimeError(
            f"release_expired_fifo_groups patches moto {PINNED_MOTO}'s SQS receive; moto "
            f"{found} is installed: check moto/sqs/models.py and re-pin"
        )
    if _installed:
        return
    from moto.sqs.models import SQSBackend  # noqa: PLC0415 - moto only when the stack starts

    original = SQSBackend.receive_message

    def receive_message(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        for message in [m for m in queue.pending_messages if m.visible]:
            queue.pending_messages.discard(message)
        return original(self, queue_name, *args, **kwargs)

    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
    _installed = True
