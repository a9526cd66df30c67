"""``rank_index``: the leaderboard table's stream, applied to the rank index batch by batch.

Lambda's event source mapping (``tap_aws.resources.RANK_INDEX_STREAM``: entries only, big
batches, a short window) hands over records with old and new images; each becomes the move
of its entry (``stream_record``; other items and unknown boards are skipped). The batch's moves
are applied together by ``DynamoRankIndex.try_apply``: settled against the held rows (the
newest move per player), cut into transaction groups (each node once per group), each group
atomic and conditional on the held revisions, so duplicates, retries, bisected halves and late
records change nothing twice.

Why not Powertools' ``BatchProcessor``: it hands records over one at a time, and the point is
to merge a batch's moves. The response is the same partial batch response it builds: when
some players could not be written, the first record (in stream order) of such a player is the
one failure reported, so Lambda resumes there and every record before it is applied; records
after it that were applied are delivered again and settle to nothing. An error while reading
(the held rows) fails the whole batch: Lambda retries it, bisecting.

Any other ``RankIndex`` (a ``ValkeyRankIndex``) takes the batch in one ``apply``, which is
idempotent and monotone as well; when it raises (``RankIndexUnavailable``: the server cannot
answer) the whole batch fails, and Lambda retries it from its first record.

Metrics: ``StreamRecords``, ``EntryMoves`` (records that move an entry), ``PlayersUnapplied``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from tap_aws.adapters.leaderboards.rank_index import DynamoRankIndex, stream_record
from tap_aws.functions.bootstrap import RankIndexDependencies, Root, build_rank_index
from tap_aws.functions.observability import NAMESPACE

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "rank-index"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

root: Root[RankIndexDependencies] = Root(build_rank_index)


def apply_records(
    records: list[dict[str, Any]], dependencies: RankIndexDependencies
) -> PartialItemFailureResponse:
    """Apply a batch of stream records; the partial batch response (see the module)."""
    found = [(record, stream_record(record, dependencies.boards)) for record in records]
    moves = [one.move for _, one in found if one is not None]
    metrics.add_metric(name="StreamRecords", unit=MetricUnit.Count, value=len(records))
    metrics.add_metric(name="EntryMoves", unit=MetricUnit.Count, value=len(moves))
    index = dependencies.index
    if not isinstance(index, DynamoRankIndex):
        index.apply(moves)  # all or nothing: an error fails the batch (see the module)
        metrics.add_metric(name="PlayersUnapplied", unit=MetricUnit.Count, value=0)
        return {"batchItemFailures": []}
    unapplied = index.try_apply(moves)
    left = 0 if unapplied is None else len(unapplied.slots)
    metrics.add_metric(name="PlayersUnapplied", unit=MetricUnit.Count, value=left)
    if unapplied is None:
        return {"batchItemFailures": []}
    first = next(
        record
        for record, one in found
        if one is not None and (one.move.page, one.move.player_id) in unapplied.slots
    )
    sequence = first["dynamodb"]["SequenceNumber"]
    logger.warning(
        "players not applied; the batch resumes at their first record",
        extra={"players": left, "sequence": sequence, "error": repr(unapplied.error)},
    )
    return {"batchItemFailures": [{"itemIdentifier": sequence}]}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any],
    context: LambdaContext,  # noqa: ARG001 - Lambda's signature; the decorators read it
) -> PartialItemFailureResponse:
    return apply_records(list(event.get("Records", [])), root.get())
