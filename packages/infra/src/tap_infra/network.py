"""The private network of a stack with ``rankIndex: valkey``: where the cache and the functions
that use it (`tap_aws.resources.VALKEY_FUNCTIONS`: ``rank_index`` and ``api``) meet.

Shape
- A VPC with one private subnet in each of two availability zones (ElastiCache Serverless
  asks for at least two), and no way out: no internet gateway, no NAT gateway, subnets that
  give no public IP. One route table, with the VPC's local route and the DynamoDB gateway
  endpoint's route only, serves both subnets.
- The VPC's default security group is taken over with no rules, so anything put in the VPC
  without a group of its own gets no traffic.
- Security groups hold no inline rules: each rule is a resource of its own, so groups that
  name each other (functions -> cache, cache <- functions) make no cycle. The functions'
  group has no ingress, and egress only to what this module or `connect` opens.

Endpoints, decided per service the two functions in the VPC reach
- DynamoDB: a gateway endpoint on the private route table (free). Both functions read the
  leaderboard table; ``rank_index`` writes it too (its checkpoints with the DynamoDB index).
- X-Ray: an interface endpoint with private DNS. Lambda's service records each invocation's
  own segment, but the subsegments Powertools' Tracer makes go to X-Ray through the daemon in
  the execution environment, over the function's network: without a route they would be
  dropped without a word. It costs about 0.01 USD an hour per zone (about 15 USD a month for
  the two), the one fixed cost of the network.
- CloudWatch Logs: none. Lambda's service collects the function's output and writes its log
  group itself, outside the VPC.
- CloudWatch metrics: none. Powertools Metrics prints EMF lines to the log, which CloudWatch
  turns into metrics; no function calls PutMetricData.
- SQS: none. ``rank_index``'s on-failure notes are sent by Lambda's stream poller (with the
  function's role, from Lambda's network), and neither function calls SQS; ``scores``, which
  dead-letters messages itself, stays outside the VPC (it writes entries only).
- S3: none. The api serves summaries from their DynamoDB items.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws

from tap_aws.resources import resource_name
from tap_infra.functions import VpcAttachment

CIDR: Final = "10.0.0.0/16"
ZONES: Final = 2
"""Subnets, one per availability zone."""
SUBNET_PREFIX: Final = 20
"""4,091 usable addresses a subnet: Lambda's Hyperplane ENIs and the cache's take few."""
HTTPS: Final = 443


def load_modules() -> None:
    """Load the provider modules the network's and the cache's components name in their
    annotations, before either registers.

    Pulumi reads a component's annotations (its outputs' types) on another thread as it
    registers it, while ``pulumi_aws`` loads each module on first use: a module still loading
    here would look half empty there (``no attribute 'SecurityGroup'``).
    """
    # A class of each: reading a module's attribute loads it (its ``__name__`` would not).
    _ = (aws.ec2.Vpc, aws.vpc.SecurityGroupIngressRule, aws.elasticache.ServerlessCache)


def subnet_cidrs(cidr: str = CIDR, count: int = ZONES) -> list[str]:
    """The first ``count`` /`SUBNET_PREFIX` blocks of the VPC's range."""
    blocks = ipaddress.ip_network(cidr).subnets(new_prefix=SUBNET_PREFIX)
    return [str(next(blocks)) for _ in range(count)]


def network_interfaces_arn(subnet_arn: str) -> str:
    """``arn:aws:ec2:<region>:<account>:network-interface/*`` from one of its subnets' ARNs."""
    return subnet_arn.rsplit(":", 1)[0] + ":network-interface/*"


@dataclass(frozen=True, kw_only=True)
class PrivateNetworkArgs:
    suffix: str
    cidr: str = CIDR


class PrivateNetwork(pulumi.ComponentResource):
    """VPC + two private subnets + their route table + the functions' and the endpoints'
    security groups + the DynamoDB (gateway) and X-Ray (interface) endpoints."""

    vpc: aws.ec2.Vpc
    subnets: list[aws.ec2.Subnet]
    route_table: aws.ec2.RouteTable
    functions_group: aws.ec2.SecurityGroup
    endpoints_group: aws.ec2.SecurityGroup
    dynamodb_endpoint: aws.ec2.VpcEndpoint
    xray_endpoint: aws.ec2.VpcEndpoint

    def __init__(
        self, name: str, args: PrivateNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        load_modules()
        super().__init__("tap:network:PrivateNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._name, self._suffix = name, args.suffix
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            # Interface endpoints answer for the services' own names only with both on.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags("rank-index"),
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-group", vpc_id=self.vpc.id, tags=self._tags("unused"), opts=child
        )
        self.subnets = self._create_subnets(name, args)
        self.route_table = self._create_route_table(name)
        self.functions_group = self._group("functions", "The functions that use the rank index")
        self.endpoints_group = self._group("endpoints", "The AWS service endpoints in the VPC")
        self.dynamodb_endpoint, self.xray_endpoint = self._create_endpoints(name)
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "subnet_ids": [subnet.id for subnet in self.subnets],
                "functions_security_group_id": self.functions_group.id,
            }
        )

    def _tags(self, stem: str) -> dict[str, str]:
        return {"Name": resource_name(stem, self._suffix)}

    def _create_subnets(self, name: str, args: PrivateNetworkArgs) -> list[aws.ec2.Subnet]:
        """One private subnet per zone: the first zones of the region that need no opt-in."""
        zones = aws.get_availability_zones_output(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        return [
            aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zones.names.apply(lambda names, i=index: names[i]),
                map_public_ip_on_launch=False,
                tags=self._tags(f"rank-index-private-{index}"),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for index, cidr in enumerate(subnet_cidrs(args.cidr))
        ]

    def _create_route_table(self, name: str) -> aws.ec2.RouteTable:
        """The subnets' one route table: the local route, and the gateway endpoint's."""
        child = pulumi.ResourceOptions(parent=self)
        table = aws.ec2.RouteTable(
            f"{name}-private-routes",
            vpc_id=self.vpc.id,
            tags=self._tags("rank-index-private"),
            opts=child,
        )
        for index, subnet in enumerate(self.subnets):
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}-routes",
                subnet_id=subnet.id,
                route_table_id=table.id,
                opts=child,
            )
        return table

    def _group(self, stem: str, description: str) -> aws.ec2.SecurityGroup:
        """A security group without rules (AWS's default allow-all egress is removed)."""
        return aws.ec2.SecurityGroup(
            f"{self._name}-{stem}",
            name=resource_name(f"rank-index-{stem}", self._suffix),
            description=description,
            vpc_id=self.vpc.id,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_endpoints(self, name: str) -> tuple[aws.ec2.VpcEndpoint, aws.ec2.VpcEndpoint]:
        child = pulumi.ResourceOptions(parent=self)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        dynamodb = aws.ec2.VpcEndpoint(
            f"{name}-dynamodb",
            vpc_id=self.vpc.id,
            service_name=pulumi.Output.concat("com.amazonaws.", region, ".dynamodb"),
            vpc_endpoint_type="Gateway",
            route_table_ids=[self.route_table.id],
            tags=self._tags("rank-index-dynamodb"),
            opts=child,
        )
        xray = aws.ec2.VpcEndpoint(
            f"{name}-xray",
            vpc_id=self.vpc.id,
            service_name=pulumi.Output.concat("com.amazonaws.", region, ".xray"),
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=[subnet.id for subnet in self.subnets],
            security_group_ids=[self.endpoints_group.id],
            tags=self._tags("rank-index-xray"),
            opts=child,
        )
        self.connect(f"{name}-endpoints", self.endpoints_group, (HTTPS, HTTPS), self)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-functions-to-dynamodb",
            security_group_id=self.functions_group.id,
            description="DynamoDB, through the gateway endpoint",
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            prefix_list_id=dynamodb.prefix_list_id,
            opts=child,
        )
        return dynamodb, xray

    def connect(
        self,
        name: str,
        group: aws.ec2.SecurityGroup,
        ports: tuple[int, int],
        parent: pulumi.Resource,
    ) -> None:
        """Let the functions' group, and it alone, reach ``group`` on TCP ``ports`` (first to
        last): an egress rule on the functions' side, an ingress rule on the other."""
        child = pulumi.ResourceOptions(parent=parent)
        low, high = ports
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-egress",
            security_group_id=self.functions_group.id,
            referenced_security_group_id=group.id,
            ip_protocol="tcp",
            from_port=low,
            to_port=high,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-ingress",
            security_group_id=group.id,
            referenced_security_group_id=self.functions_group.id,
            ip_protocol="tcp",
            from_port=low,
            to_port=high,
            opts=child,
        )

    def attachment(self) -> VpcAttachment:
        """How a function joins the network: both subnets, the functions' group."""
        return VpcAttachment(
            subnet_ids=[subnet.id for subnet in self.subnets],
            security_group_ids=[self.functions_group.id],
            subnet_arns=[subnet.arn for subnet in self.subnets],
            security_group_arns=[self.functions_group.arn],
            network_interfaces_arn=self.subnets[0].arn.apply(network_interfaces_arn),
        )
