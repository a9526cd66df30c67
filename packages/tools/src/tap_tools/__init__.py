"""tap's developer tools, never deployed (not in the Lambda bundle).

- :mod:`tap_tools.cli`: the ``tap`` command;
- :mod:`tap_tools.local`: the local stack, the functions against an embedded AWS emulator;
- :mod:`tap_tools.testing`: the moto server harness, moto shims and request counters;
- :mod:`tap_tools.capacity`: DynamoDB capacity units estimated from item sizes.

Tools may import every other package of the workspace (core, aws_adapter, infra); nothing
imports them back.
"""
