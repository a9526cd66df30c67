"""``rankIndex: valkey``: the private network, the cache, and the functions that reach it.

Both plans are built by the program under mocks; every expectation is read from the specs in
``tap_aws.resources`` or from other resources of the same plan, never copied from the output.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import json
from typing import TYPE_CHECKING, Any, Final

import pytest

from tap_aws.resources import (
    FUNCTIONS,
    RANK_INDEX_CACHE,
    RANK_INDEXES,
    VALKEY_ENVIRONMENT,
    VALKEY_FUNCTIONS,
    VALKEY_ONLY_OUTPUTS,
    Env,
    Outputs,
)
from tap_infra.functions import ObservedFunctionArgs
from tap_infra.mocks import REGION
from tap_infra.stack import rank_index
from tap_infra.valkey import RankIndexAccess
from tap_tools.cli import main as tap
from tests.infra.conftest import SUFFIX, stack_args

if TYPE_CHECKING:
    from tap_infra.mocks import Captured
    from tap_infra.plan import Plan

VPC: Final = "aws:ec2/vpc:Vpc"
SUBNET: Final = "aws:ec2/subnet:Subnet"
ROUTE_TABLE: Final = "aws:ec2/routeTable:RouteTable"
ASSOCIATION: Final = "aws:ec2/routeTableAssociation:RouteTableAssociation"
GROUP: Final = "aws:ec2/securityGroup:SecurityGroup"
INGRESS: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS: Final = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ENDPOINT: Final = "aws:ec2/vpcEndpoint:VpcEndpoint"
DEFAULT_GROUP: Final = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
CACHE: Final = "aws:elasticache/serverlessCache:ServerlessCache"
FUNCTION: Final = "aws:lambda/function:Function"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
NETWORK_TYPES: Final = (
    VPC,
    SUBNET,
    ROUTE_TABLE,
    ASSOCIATION,
    GROUP,
    DEFAULT_GROUP,
    INGRESS,
    EGRESS,
    ENDPOINT,
)
COMPONENTS: Final = ("tap:network:PrivateNetwork", "tap:valkey:ValkeyRankIndex")
WAYS_OUT: Final = (
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/route:Route",
)


def _functions(plan: Plan) -> dict[str, Captured]:
    return {f.inputs["name"]: f for f in plan.of_type(FUNCTION)}


def _variables(function: Captured) -> dict[str, str]:
    variables: dict[str, str] = function.inputs["environment"]["variables"]
    return variables


def _group(plan: Plan, stem: str) -> Captured:
    (group,) = [g for g in plan.of_type(GROUP) if g.inputs["name"] == f"tap-{stem}-{SUFFIX}"]
    return group


def _rules(plan: Plan, kind: str, group: Captured) -> list[dict[str, Any]]:
    return [r.inputs for r in plan.of_type(kind) if r.inputs["securityGroupId"] == group.id]


def _comparable(resource: Captured) -> dict[str, Any]:
    """Its inputs but the code (an archive object, one per plan, equal to none other)."""
    return {key: value for key, value in resource.inputs.items() if key != "code"}


def test_the_default_plan_has_no_network_no_cache_and_no_valkey_setting(planned: Plan) -> None:
    # Given the plan of a stack that does not set rankIndex
    assert rank_index(None) == RANK_INDEXES[0] == "dynamodb"
    # Then it holds no network and no cache, no function runs in a VPC or is told of Valkey
    assert [r.name for r in planned.resources if r.type_token in (*NETWORK_TYPES, CACHE)] == []
    for function in planned.of_type(FUNCTION):
        assert "vpcConfig" not in function.inputs, function.name
        assert set(VALKEY_ENVIRONMENT).isdisjoint(_variables(function)), function.name
    assert set(VALKEY_ONLY_OUTPUTS).isdisjoint(planned.outputs)


def test_valkey_adds_the_network_and_cache_and_changes_only_the_functions_that_use_it(
    planned: Plan, valkey: Plan
) -> None:
    # Given both plans
    before = {(r.type_token, r.name): _comparable(r) for r in planned.resources}
    after = {(r.type_token, r.name): _comparable(r) for r in valkey.resources}
    # Then Valkey only adds resources, of the network's and the cache's types
    assert set(before) <= set(after)
    assert {kind for kind, _ in set(after) - set(before)} == {*NETWORK_TYPES, CACHE, *COMPONENTS}
    # And of what both hold, only the Valkey functions and their roles' policies differ
    changed = {key for key in before if before[key] != after[key]}
    users = {spec.name(SUFFIX) for spec in VALKEY_FUNCTIONS}
    assert {kind for kind, _ in changed} == {FUNCTION, ROLE_POLICY}
    assert {after[key]["name"] for key in changed if key[0] == FUNCTION} == users
    assert len([key for key in changed if key[0] == ROLE_POLICY]) == len(users)
    assert set(valkey.outputs) - set(planned.outputs) == set(VALKEY_ONLY_OUTPUTS)


def test_two_private_subnets_in_two_zones_and_no_way_out(valkey: Plan) -> None:
    (vpc,) = valkey.of_type(VPC)
    subnets = valkey.of_type(SUBNET)
    (table,) = valkey.of_type(ROUTE_TABLE)
    network = ipaddress.IPv4Network(vpc.inputs["cidrBlock"])
    blocks = [ipaddress.IPv4Network(s.inputs["cidrBlock"]) for s in subnets]
    # Two subnets of the VPC, apart, in two zones, giving no public address
    assert len(subnets) == 2
    assert len({s.inputs["availabilityZone"] for s in subnets}) == 2
    assert all(block.subnet_of(network) for block in blocks)
    assert not blocks[0].overlaps(blocks[1])
    assert all(s.inputs["vpcId"] == vpc.id for s in subnets)
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    # Each on the one route table, which holds no route of its own
    associations = {
        a.inputs["subnetId"]: a.inputs["routeTableId"] for a in valkey.of_type(ASSOCIATION)
    }
    assert associations == {s.id: table.id for s in subnets}
    assert not table.inputs.get("routes")
    # And nothing leads out: no internet or NAT gateway, no public address, no route
    assert [r.name for r in valkey.resources if r.type_token in WAYS_OUT] == []
    # The VPC's default group is taken over, with no rules
    (default,) = valkey.of_type(DEFAULT_GROUP)
    assert default.inputs["vpcId"] == vpc.id
    assert {"ingress", "egress"}.isdisjoint(default.inputs)
    # Interface endpoints resolve the services' names only with DNS on
    assert vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["enableDnsHostnames"] is True


def test_the_endpoints_are_dynamodb_on_the_route_table_and_xray_in_the_subnets(
    valkey: Plan,
) -> None:
    endpoints = {e.inputs["serviceName"]: e.inputs for e in valkey.of_type(ENDPOINT)}
    (table,) = valkey.of_type(ROUTE_TABLE)
    subnets = [s.id for s in valkey.of_type(SUBNET)]
    endpoints_group = _group(valkey, "rank-index-endpoints")
    dynamodb = endpoints.pop(f"com.amazonaws.{REGION}.dynamodb")
    assert dynamodb["vpcEndpointType"] == "Gateway"
    assert dynamodb["routeTableIds"] == [table.id]
    xray = endpoints.pop(f"com.amazonaws.{REGION}.xray")
    assert xray["vpcEndpointType"] == "Interface"
    assert xray["privateDnsEnabled"] is True
    assert xray["subnetIds"] == subnets
    assert xray["securityGroupIds"] == [endpoints_group.id]
    # No other endpoint: logs, metrics and the on-failure queue are written by Lambda itself
    assert endpoints == {}


def test_the_cache_admits_the_functions_group_alone_on_its_ports(valkey: Plan) -> None:
    functions_group = _group(valkey, "rank-index-functions")
    cache_group = _group(valkey, RANK_INDEX_CACHE.stem)
    low, high = RANK_INDEX_CACHE.ports
    assert (low, high) == (RANK_INDEX_CACHE.port, RANK_INDEX_CACHE.reader_port)
    (ingress,) = _rules(valkey, INGRESS, cache_group)
    assert ingress["referencedSecurityGroupId"] == functions_group.id
    assert (ingress["ipProtocol"], ingress["fromPort"], ingress["toPort"]) == ("tcp", low, high)
    assert _rules(valkey, EGRESS, cache_group) == []
    # The functions take no traffic in, and reach the cache on the same ports only
    assert _rules(valkey, INGRESS, functions_group) == []
    to_cache = [
        r
        for r in _rules(valkey, EGRESS, functions_group)
        if r.get("referencedSecurityGroupId") == cache_group.id
    ]
    assert [(r["fromPort"], r["toPort"]) for r in to_cache] == [(low, high)]
    # No rule anywhere names an address range: groups and the DynamoDB prefix list only
    for rule in (*valkey.of_type(INGRESS), *valkey.of_type(EGRESS)):
        assert {"cidrIpv4", "cidrIpv6"}.isdisjoint(rule.inputs), rule.name
        assert rule.inputs.get("referencedSecurityGroupId") or rule.inputs.get("prefixListId")
    # Inline rules would fight the separate ones: every group has none
    for group in valkey.of_type(GROUP):
        assert {"ingress", "egress"}.isdisjoint(group.inputs), group.name


def test_the_cache_is_valkey_serverless_in_the_subnets_behind_its_group(valkey: Plan) -> None:
    (cache,) = valkey.of_type(CACHE)
    assert cache.inputs["engine"] == RANK_INDEX_CACHE.engine == "valkey"
    assert cache.inputs["majorEngineVersion"] == RANK_INDEX_CACHE.major_engine_version
    assert cache.inputs["name"] == RANK_INDEX_CACHE.name(SUFFIX)
    assert cache.inputs["subnetIds"] == [s.id for s in valkey.of_type(SUBNET)]
    assert cache.inputs["securityGroupIds"] == [_group(valkey, RANK_INDEX_CACHE.stem).id]


def test_the_functions_that_use_the_index_run_in_the_vpc_and_are_told_where_it_is(
    valkey: Plan,
) -> None:
    (cache,) = valkey.of_type(CACHE)
    (endpoint,) = cache.outputs["endpoints"]
    url = f"rediss://{endpoint['address']}:{endpoint['port']}"
    vpc_config = {
        "subnetIds": [s.id for s in valkey.of_type(SUBNET)],
        "securityGroupIds": [_group(valkey, "rank-index-functions").id],
    }
    by_name = _functions(valkey)
    for spec in FUNCTIONS:
        function = by_name[spec.name(SUFFIX)]
        variables = _variables(function)
        if spec in VALKEY_FUNCTIONS:
            assert function.inputs["vpcConfig"] == vpc_config
            assert variables[Env.RANK_INDEX] == "valkey"
            assert variables[Env.VALKEY_URL] == url
            assert variables[Env.VALKEY_CLUSTER] == "true"
        else:
            assert "vpcConfig" not in function.inputs, spec.stem
            assert set(VALKEY_ENVIRONMENT).isdisjoint(variables), spec.stem
    assert valkey.outputs[Outputs.VALKEY_URL] == url


def _statements(plan: Plan, function_name: str) -> list[dict[str, Any]]:
    role = _functions(plan)[function_name].inputs["role"].rsplit(":", 1)[1]
    (policy,) = [p for p in plan.of_type(ROLE_POLICY) if p.inputs["role"] == f"{role}-id"]
    statements: list[dict[str, Any]] = json.loads(policy.inputs["policy"])["Statement"]
    return statements


def test_only_the_vpc_functions_may_make_network_interfaces_and_only_in_the_network(
    valkey: Plan,
) -> None:
    subnets = [s.outputs["arn"] for s in valkey.of_type(SUBNET)]
    group = _group(valkey, "rank-index-functions").outputs["arn"]
    for spec in FUNCTIONS:
        grants = {
            action: statement["Resource"]
            for statement in _statements(valkey, spec.name(SUFFIX))
            for action in statement["Action"]
            if action.startswith("ec2:")
        }
        if spec not in VALKEY_FUNCTIONS:
            assert grants == {}, spec.stem
            continue
        create = grants.pop("ec2:CreateNetworkInterface")
        interfaces = [arn for arn in create if ":network-interface/" in arn]
        assert sorted(set(create) - set(interfaces)) == sorted([*subnets, group])
        assert interfaces == [subnets[0].split("subnet/")[0] + "network-interface/*"]
        for action in ("Assign", "Unassign"):
            assert grants.pop(f"ec2:{action}PrivateIpAddresses") == interfaces
        assert grants.pop("ec2:DeleteNetworkInterface") == interfaces
        assert grants == {"ec2:DescribeNetworkInterfaces": ["*"], "ec2:DescribeSubnets": ["*"]}


def test_a_bad_rank_index_is_refused_naming_the_config_key() -> None:
    with pytest.raises(ValueError, match=r"config rankIndex: 'redis' is not one of"):
        rank_index("redis")
    with pytest.raises(ValueError, match="config rankIndex"):
        stack_args(rank_index="memcached")
    assert [rank_index(kind) for kind in RANK_INDEXES] == list(RANK_INDEXES)


def test_optional_variables_cannot_stand_in_for_a_spec_variable() -> None:
    (spec, *_) = VALKEY_FUNCTIONS
    with pytest.raises(ValueError, match="not optional ones"):
        ObservedFunctionArgs(
            spec=spec,
            suffix=SUFFIX,
            settings=stack_args().functions(None),
            environment=dict.fromkeys(spec.environment, "x"),
            optional_environment={spec.environment[0]: "y"},
        )


def test_the_valkey_settings_are_all_set_or_refused() -> None:
    with pytest.raises(ValueError, match="sets exactly"):
        RankIndexAccess(
            environment={Env.RANK_INDEX: "valkey"},
            vpc=None,  # type: ignore[arg-type]
        )


def _plan_lines(*argv: str) -> tuple[list[str], dict[str, str]]:
    """``tap infra plan``'s resource lines and its outputs, through the ``tap`` command."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert tap(["infra", "plan", *argv]) == 0
    lines = out.getvalue().splitlines()
    count = int(lines[0].split()[0])
    outputs = dict(line.strip().split(" = ", 1) for line in lines[2 + count :])
    return lines[1 : 1 + count], outputs


def test_tap_infra_plan_shows_the_network_and_cache_only_for_valkey() -> None:
    shown = (*NETWORK_TYPES, CACHE)
    # Given the default plan and the Valkey one
    default, default_outputs = _plan_lines("--suffix", "pr42")
    valkey, outputs = _plan_lines("--suffix", "pr42", "--rank-index", "valkey")
    # Then only the Valkey one lists the network, its endpoints, groups and the cache
    assert [line for line in default if line.split("  ")[0] in shown] == []
    assert {line.split("  ")[0] for line in valkey} >= set(shown)
    assert len(valkey) > len(default)
    # With the settings that matter shown: the cache's engine, the ports, the functions' VPC
    (cache,) = [line for line in valkey if line.startswith(CACHE)]
    assert f'"engine": "{RANK_INDEX_CACHE.engine}"' in cache
    low, high = RANK_INDEX_CACHE.ports
    assert any(
        line.startswith(INGRESS) and f'"fromPort": {low},' in line and f'"toPort": {high}' in line
        for line in valkey
    )
    settings = [json.loads(line.split("  ", 2)[2]) for line in valkey if line.startswith(FUNCTION)]
    in_vpc = {shown["name"] for shown in settings if "vpcConfig" in shown}
    assert in_vpc == {spec.name("pr42") for spec in VALKEY_FUNCTIONS}
    # And the URL among the outputs
    assert outputs[Outputs.VALKEY_URL].startswith("rediss://")
    assert set(outputs) - set(default_outputs) == set(VALKEY_ONLY_OUTPUTS)


def test_tap_infra_plan_refuses_an_unknown_rank_index(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        tap(["infra", "plan", "--rank-index", "redis"])
    assert exit_.value.code == 2
    assert "--rank-index" in capsys.readouterr().err
