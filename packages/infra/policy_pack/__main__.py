"""The CrossGuard pack: ``pulumi preview --policy-pack packages/infra/policy_pack``.

Never import this module from tests: constructing ``PolicyPack`` starts a gRPC server and
blocks. The rules live in `tap_infra.guards`, which the tests call directly.
"""

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from tap_infra.guards import GUARDS, STACK_GUARDS

policies: list[ResourceValidationPolicy | StackValidationPolicy] = [
    ResourceValidationPolicy(
        name=guard.name, description=guard.description, validate=guard.validate
    )
    for guard in GUARDS
]
policies += [
    StackValidationPolicy(name=guard.name, description=guard.description, validate=guard.validate)
    for guard in STACK_GUARDS
]
PolicyPack(
    name="tap-secure-defaults",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=list(policies),
)
