"""Tables follow their spec exactly, indexes included (with ``key_schemas``, not the
deprecated index ``hash_key``/``range_key``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from tap_aws.resources import IndexSpec, KeySchema, TableSpec
from tap_infra.tables import create_table
from tests.infra.conftest import SUFFIX, pulumi_test

if TYPE_CHECKING:
    from tap_infra.mocks import CapturingMocks

SPEC = TableSpec(
    stem="ranked",
    keys=KeySchema(("pk", "S"), ("sk", "S")),
    indexes=(
        IndexSpec(name="by-score", keys=KeySchema(("board", "S"), ("score", "N"))),
        IndexSpec(
            name="by-player",
            keys=KeySchema(("player", "S")),
            projection="INCLUDE",
            non_key_attributes=("score",),
        ),
    ),
    ttl_attribute="expires_at",
)


class _Holder(pulumi.ComponentResource):
    def __init__(self) -> None:
        super().__init__("tap:test:Holder", "holder")
        self.table = create_table("t", SPEC, SUFFIX, self, deletion_protection=False)
        self.register_outputs({})


@pulumi_test
def test_table_indexes_and_ttl_follow_the_spec(mocks: CapturingMocks) -> pulumi.Output[None]:
    holder = _Holder()

    def check(name: str) -> None:
        table = mocks.one("aws:dynamodb/table:Table", "t")
        assert name == "tap-ranked-test"
        assert table.inputs["hashKey"] == "pk"
        assert table.inputs["rangeKey"] == "sk"
        attributes = {a["name"]: a["type"] for a in table.inputs["attributes"]}
        assert attributes == {"pk": "S", "sk": "S", "board": "S", "score": "N", "player": "S"}
        by_name = {index["name"]: index for index in table.inputs["globalSecondaryIndexes"]}
        assert by_name["by-score"]["keySchemas"] == [
            {"attributeName": "board", "keyType": "HASH"},
            {"attributeName": "score", "keyType": "RANGE"},
        ]
        assert by_name["by-player"]["projectionType"] == "INCLUDE"
        assert by_name["by-player"]["nonKeyAttributes"] == ["score"]
        assert all("hashKey" not in index for index in by_name.values())
        assert table.inputs["ttl"] == {"attributeName": "expires_at", "enabled": True}

    checked: pulumi.Output[None] = holder.table.name.apply(check)
    return checked
