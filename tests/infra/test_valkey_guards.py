"""The CrossGuard rules for the Valkey rank index's resources: a Valkey stack passes them,
and each catches what it is for, planted into that same stack or written alone.

Stack rules are fed the resources as a stack validation sees them (outputs, id included:
`tap_infra.mocks.Captured.stack_props`), since subnets are matched by their ids.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any, Final

import pulumi_aws as aws
import pytest

from tap_aws.resources import RANK_INDEX_CACHE, VALKEY_FUNCTIONS, Env
from tap_infra.guards import GUARDS, STACK_GUARDS, StackGuard
from tests.infra.conftest import SUFFIX, pulumi_test
from tests.infra.test_guards import violations

if TYPE_CHECKING:
    import pulumi

    from tap_infra.mocks import CapturingMocks
    from tap_infra.plan import Plan

Resources = list[tuple[str, dict[str, Any]]]
FUNCTION: Final = "aws:lambda/function:Function"
SUBNET: Final = "aws:ec2/subnet:Subnet"
ROUTE_TABLE: Final = "aws:ec2/routeTable:RouteTable"
ASSOCIATION: Final = "aws:ec2/routeTableAssociation:RouteTableAssociation"
VPC: Final = "aws:ec2/vpc:Vpc"
REPLICATION_GROUP: Final = "aws:elasticache/replicationGroup:ReplicationGroup"


def _stack(plan: Plan) -> Resources:
    return [(r.type_token, copy.deepcopy(r.stack_props())) for r in plan.resources]


def _guard(name: str) -> StackGuard:
    (guard,) = [g for g in STACK_GUARDS if g.name == name]
    return guard


def _one(resources: Resources, kind: str, **match: object) -> dict[str, Any]:
    (props,) = [p for k, p in resources if k == kind and match.items() <= p.items()]
    return props


def _user(resources: Resources) -> dict[str, Any]:
    """A function of the stack that runs in the VPC."""
    return _one(resources, FUNCTION, name=VALKEY_FUNCTIONS[0].name(SUFFIX))


def test_a_valkey_stack_passes_every_rule(valkey: Plan) -> None:
    assert violations(valkey.resources) == []
    resources = _stack(valkey)
    assert [(g.name, g.check(resources)) for g in STACK_GUARDS] == [
        (g.name, []) for g in STACK_GUARDS
    ]
    # The rules below do look at it: the stack has what each of them judges
    assert any("vpcConfig" in props for kind, props in resources if kind == FUNCTION)
    assert any(kind.startswith("aws:elasticache/") for kind, _ in resources)


def test_a_function_told_a_plaintext_url_is_caught(valkey: Plan) -> None:
    resources = _stack(valkey)
    variables = _user(resources)["environment"]["variables"]
    variables[Env.VALKEY_URL] = variables[Env.VALKEY_URL].replace("rediss://", "redis://")
    (problem,) = _guard("elasticache-tls-only").check(resources)
    assert f"{Env.VALKEY_URL.value} is not rediss://" in problem


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"transitEncryptionEnabled": True, "atRestEncryptionEnabled": True}, []),
        ({"atRestEncryptionEnabled": True}, ["transit encryption is off"]),
        (
            {
                "transitEncryptionEnabled": True,
                "transitEncryptionMode": "preferred",
                "atRestEncryptionEnabled": True,
            },
            ["'preferred' takes plaintext"],
        ),
        ({"transitEncryptionEnabled": True}, ["encryption at rest is off"]),
    ],
)
def test_a_replication_group_must_take_tls_only_and_encrypt_at_rest(
    props: dict[str, Any], expected: list[str]
) -> None:
    group = (
        REPLICATION_GROUP,
        {"replicationGroupId": "g", **props},
    )
    problems = _guard("elasticache-tls-only").check([group])
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


@pulumi_test
def test_a_group_open_to_anywhere_on_the_cache_port_is_caught(
    mocks: CapturingMocks,
) -> pulumi.Output[None]:
    """Given groups and rules planted as resources, only those opening a cache port to every
    address are reported; 443 to everyone, a group as source and egress are not."""
    port = RANK_INDEX_CACHE.port
    aws.ec2.SecurityGroup(
        "inline",
        name="inline",
        vpc_id="vpc-1",
        ingress=[
            {"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"]}
        ],
    )
    aws.vpc.SecurityGroupIngressRule(
        "every-protocol", security_group_id="sg-2", ip_protocol="-1", cidr_ipv6="::/0"
    )
    aws.ec2.SecurityGroupRule(
        "wide-range",
        type="ingress",
        security_group_id="sg-3",
        protocol="tcp",
        from_port=6000,
        to_port=7000,
        cidr_blocks=["10.0.0.0/8", "0.0.0.0/0"],
    )
    aws.vpc.SecurityGroupIngressRule(
        "https",
        security_group_id="sg-4",
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ipv4="0.0.0.0/0",
    )
    aws.vpc.SecurityGroupIngressRule(
        "from-a-group",
        security_group_id="sg-5",
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        referenced_security_group_id="sg-6",
    )
    last = aws.ec2.SecurityGroupRule(
        "egress",
        type="egress",
        security_group_id="sg-7",
        protocol="tcp",
        from_port=port,
        to_port=port,
        cidr_blocks=["0.0.0.0/0"],
    )

    def check(_: object) -> None:
        resources = [(r.type_token, r.stack_props()) for r in mocks.resources]
        problems = _guard("cache-port-not-public").check(resources)
        reader = RANK_INDEX_CACHE.reader_port
        assert problems == [
            f"group 'inline' lets 0.0.0.0/0 in on cache port {port}",
            f"rule of group 'sg-2' lets ::/0 in on cache port {port}",
            f"rule of group 'sg-2' lets ::/0 in on cache port {reader}",
            f"rule of group 'sg-3' lets 0.0.0.0/0 in on cache port {port}",
            f"rule of group 'sg-3' lets 0.0.0.0/0 in on cache port {reader}",
        ]

    checked: pulumi.Output[None] = last.urn.apply(check)
    return checked


def test_a_cache_on_its_own_port_is_guarded_on_that_port() -> None:
    rule = {
        "securityGroupId": "sg-1",
        "ipProtocol": "tcp",
        "fromPort": 7000.0,
        "toPort": 7000.0,
        "cidrIpv4": "0.0.0.0/0",
    }
    group = (REPLICATION_GROUP, {"port": 7000.0})
    ingress = ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", rule)
    assert _guard("cache-port-not-public").check([ingress]) == []
    (problem,) = _guard("cache-port-not-public").check([group, ingress])
    assert "on cache port 7000" in problem


def test_a_subnet_giving_public_ips_is_caught(valkey: Plan) -> None:
    resources = _stack(valkey)
    subnet_id = _user(resources)["vpcConfig"]["subnetIds"][0]
    _one(resources, SUBNET, id=subnet_id)["mapPublicIpOnLaunch"] = True
    problems = _guard("lambda-private-subnets").check(resources)
    assert problems
    assert all(f"subnet {subnet_id!r} gives public IPs" in p for p in problems)
    assert len(problems) == len(VALKEY_FUNCTIONS)


def test_a_route_to_an_internet_gateway_is_caught_on_the_subnets_or_the_main_table(
    valkey: Plan,
) -> None:
    resources = _stack(valkey)
    (table,) = [p for k, p in resources if k == ROUTE_TABLE]
    gateway = (
        "aws:ec2/internetGateway:InternetGateway",
        {"id": "gw-planted", "vpcId": table["vpcId"]},
    )
    route = {
        "routeTableId": table["id"],
        "destinationCidrBlock": "0.0.0.0/0",
        "gatewayId": "gw-planted",
    }
    planted = [*resources, gateway, ("aws:ec2/route:Route", route)]
    problems = _guard("lambda-private-subnets").check(planted)
    subnets = len(valkey.of_type(SUBNET))
    assert len(problems) == len(VALKEY_FUNCTIONS) * subnets
    assert all("routes '0.0.0.0/0' to internet gateway 'gw-planted'" in p for p in problems)
    # Without their own table the subnets use the VPC's main one: a route there counts too
    unassociated = [(k, p) for k, p in resources if k != ASSOCIATION]
    main = _one(unassociated, VPC)["mainRouteTableId"]
    inline = {**table, "id": main, "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0abc"}]}
    problems = _guard("lambda-private-subnets").check([*unassociated, (ROUTE_TABLE, inline)])
    assert len(problems) == len(VALKEY_FUNCTIONS) * subnets
    assert all("to internet gateway 'igw-0abc'" in p for p in problems)
    # While the same subnets on their own (route-less) table pass
    assert _guard("lambda-private-subnets").check([*resources, (ROUTE_TABLE, inline)]) == []


def test_a_function_in_a_subnet_the_stack_does_not_hold_is_caught(valkey: Plan) -> None:
    resources = _stack(valkey)
    _user(resources)["vpcConfig"]["subnetIds"] = ["subnet-elsewhere"]
    (problem,) = _guard("lambda-private-subnets").check(resources)
    assert "subnet 'subnet-elsewhere' is not this stack's" in problem


def test_unknown_subnet_ids_are_not_judged_during_preview(valkey: Plan) -> None:
    resources = _stack(valkey)
    _user(resources)["vpcConfig"]["subnetIds"] = [None, None]
    assert _guard("lambda-private-subnets").check(resources) == []


def test_eni_describe_actions_alone_may_be_granted_on_every_resource() -> None:
    """ENI Describe actions take no resource: allowed on "*"; Create on "*" is not."""
    (guard,) = [g for g in GUARDS if g.name == "iam-least-privilege"]
    describe = {"Effect": "Allow", "Action": ["ec2:DescribeSubnets"], "Resource": "*"}
    create = {"Effect": "Allow", "Action": ["ec2:CreateNetworkInterface"], "Resource": "*"}
    assert guard.check({"policy": json.dumps({"Statement": [describe]})}) == []
    (problem,) = guard.check({"policy": json.dumps({"Statement": [create]})})
    assert "every resource" in problem
