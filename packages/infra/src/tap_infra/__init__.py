"""tap's Pulumi components and program.

Components (one per concern, each a ``pulumi.ComponentResource`` with typed Args):
`tap_infra.queues.FifoQueue`, `tap_infra.functions.ObservedFunction`,
`tap_infra.buckets.SecureBucket`, `tap_infra.leaderboard.LeaderboardPipeline`,
`tap_infra.inventory.InventoryPipeline`, `tap_infra.api.ReadApi`, with ``rankIndex: valkey``
`tap_infra.valkey.ValkeyRankIndex` and its `tap_infra.network.PrivateNetwork`, and
`tap_infra.stack.TapStack` composing them. `tap_infra.guards` holds the CrossGuard
rules, `tap_infra.plan` runs the program offline under `tap_infra.mocks`.

Import the submodules you need: importing ``pulumi_aws`` costs about a second.
"""

__all__: list[str] = []
