"""The inventory CSV side: from a byte stream to checked records and a report.

The pipeline, one module per stage: `contract` (columns, limits, codes, the header
rules), `splitting` (bytes to records, quote-aware), `fast_path` (lines checked
a batch at a time) and `checker` (one record checked exactly), `batches` (their
outcome), `key_claims` (the duplicate check), `events` (what a parse yields),
`messages` (every row and file error message), `report` and `parser`.
Import from `tap_core.inventory`, which re-exports the public names.
"""
