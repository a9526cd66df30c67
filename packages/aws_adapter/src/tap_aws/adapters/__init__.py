"""tap's AWS adapters: each port of the core on one AWS service, with an injected client.

``leaderboards`` (DynamoDB), ``inventory`` (DynamoDB: the store, the import ledger and the
summary archive), ``deadletters`` (SQS), ``objects`` and ``reports`` (S3), ``events``
(EventBridge), and ``tables`` (creating a table from its spec). Nothing here builds a client
at import time.
"""
