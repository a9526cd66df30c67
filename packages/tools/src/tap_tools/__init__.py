"""tap's developer tools, never deployed (not in the Lambda bundle).

- `tap_tools.cli`: the ``tap`` command;
- `tap_tools.local`: the local stack, the functions against an embedded AWS emulator;
- `tap_tools.testing`: the moto server harness, moto shims and request counters;
- `tap_tools.capacity`: DynamoDB capacity units estimated from item sizes.

Tools may import every other package of the workspace (core, aws_adapter, infra); nothing
imports them back.
"""
