"""tap's Lambda entrypoints, one module each, as ``FunctionSpec.handler`` names them.

Module scope holds only Powertools' Logger, Tracer and Metrics (and a function's batch
processor or resolver): importing a function builds no client and reads no setting. What a
function works with is built on its first invocation by `tap_aws.functions.bootstrap`,
the one composition root, and tests hand in their own adapters there.
"""
