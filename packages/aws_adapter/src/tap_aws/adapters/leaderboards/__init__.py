"""``DynamoLeaderboards``: the core's ``Leaderboards`` port on one DynamoDB table (entries plus
``DynamoRankIndex``, the ``RankIndex`` port on the same table)."""

from tap_aws.adapters.leaderboards.rank_index import DynamoRankIndex
from tap_aws.adapters.leaderboards.store import DynamoLeaderboards

__all__ = ["DynamoLeaderboards", "DynamoRankIndex"]
