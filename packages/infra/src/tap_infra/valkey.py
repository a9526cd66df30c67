"""The Valkey rank index (stack config ``rankIndex: valkey``): an ElastiCache Serverless cache
in a private network (`tap_infra.network`), and what the functions that use it are given.

Encryption
- In transit: always on, TLS only. A serverless cache accepts no plaintext connection, so
  the provider has no setting for it; the functions get a ``rediss://`` URL (a rule in
  `tap_infra.guards` refuses any other).
- At rest: always on, with an AWS owned key unless ``kms_key_id`` names a customer managed
  one. tap keeps AWS's key: the index holds only what the read API publishes and is rebuilt
  from the entries, so a key of one's own (1 USD a month plus requests) would guard nothing
  the table does not already hold under its own KMS encryption.

Reach: the cache's security group admits the functions' group alone, on the cache's two
ports (`tap_aws.resources.CacheSpec.ports`: the endpoint's and the reader endpoint's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pulumi
import pulumi_aws as aws

from tap_aws.resources import (
    RANK_INDEX_CACHE,
    VALKEY_ENVIRONMENT,
    CacheSpec,
    Env,
    RankIndexKind,
)
from tap_infra.network import PrivateNetwork, PrivateNetworkArgs, load_modules

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tap_infra.functions import VpcAttachment

VALKEY: Final[RankIndexKind] = "valkey"


@dataclass(frozen=True, kw_only=True)
class RankIndexAccess:
    """What a function that reads or writes the Valkey index gets: its settings, its network."""

    environment: Mapping[str, pulumi.Input[str]]
    vpc: VpcAttachment

    def __post_init__(self) -> None:
        if set(self.environment) != set(VALKEY_ENVIRONMENT):
            raise ValueError(f"the Valkey rank index sets exactly {sorted(VALKEY_ENVIRONMENT)}")


@dataclass(frozen=True, kw_only=True)
class ValkeyRankIndexArgs:
    suffix: str
    spec: CacheSpec = RANK_INDEX_CACHE


class ValkeyRankIndex(pulumi.ComponentResource):
    """Private network + the cache's security group (functions only, cache ports only) +
    the ElastiCache Serverless cache."""

    network: PrivateNetwork
    group: aws.ec2.SecurityGroup
    cache: aws.elasticache.ServerlessCache
    url: pulumi.Output[str]
    """``rediss://<endpoint address>:<port>``."""

    def __init__(
        self, name: str, args: ValkeyRankIndexArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        load_modules()
        super().__init__("tap:valkey:ValkeyRankIndex", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        self._spec = spec
        self.network = PrivateNetwork(
            f"{name}-network", PrivateNetworkArgs(suffix=args.suffix), opts=child
        )
        self.group = aws.ec2.SecurityGroup(
            f"{name}-cache",
            name=spec.name(args.suffix),
            description="The Valkey rank index: the functions' group only",
            vpc_id=self.network.vpc.id,
            opts=child,
        )
        self.network.connect(f"{name}-cache", self.group, spec.ports, self)
        self.cache = aws.elasticache.ServerlessCache(
            f"{name}-cache",
            name=spec.name(args.suffix),
            description="tap's rank index: one sorted set a leaderboard page",
            engine=spec.engine,
            major_engine_version=spec.major_engine_version,
            subnet_ids=[subnet.id for subnet in self.network.subnets],
            security_group_ids=[self.group.id],
            opts=child,
        )
        self.url = self.cache.endpoints.apply(lambda endpoints: _url(spec, endpoints))
        self.register_outputs({"url": self.url, "cache_name": self.cache.name})

    def access(self) -> RankIndexAccess:
        """The settings and network of `tap_aws.resources.VALKEY_FUNCTIONS`."""
        return RankIndexAccess(
            environment={
                Env.RANK_INDEX: VALKEY,
                Env.VALKEY_URL: self.url,
                Env.VALKEY_CLUSTER: str(self._spec.cluster).lower(),
            },
            vpc=self.network.attachment(),
        )


def _url(spec: CacheSpec, endpoints: list[aws.elasticache.outputs.ServerlessCacheEndpoint]) -> str:
    """The URL of the cache's (read-write) endpoint (an output type is a dict, keyed as here)."""
    (endpoint,) = endpoints
    return spec.url(endpoint["address"], int(endpoint["port"]))
