"""``DynamoLeaderboards``: the core's ``Leaderboards`` port on one DynamoDB table."""

from tap_aws.adapters.leaderboards.store import DynamoLeaderboards

__all__ = ["DynamoLeaderboards"]
