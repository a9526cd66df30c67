"""tap's Pulumi components and program.

Components (one per concern, each a ``pulumi.ComponentResource`` with typed Args):
:class:`~tap_infra.queues.FifoQueue`, :class:`~tap_infra.functions.ObservedFunction`,
:class:`~tap_infra.buckets.SecureBucket`, :class:`~tap_infra.leaderboard.LeaderboardPipeline`,
:class:`~tap_infra.inventory.InventoryPipeline`, :class:`~tap_infra.api.ReadApi`, and
:class:`~tap_infra.stack.TapStack` composing them. :mod:`tap_infra.guards` holds the CrossGuard
rules, :mod:`tap_infra.plan` runs the program offline under :mod:`tap_infra.mocks`.

Import the submodules you need: importing ``pulumi_aws`` costs about a second.
"""

__all__: list[str] = []
