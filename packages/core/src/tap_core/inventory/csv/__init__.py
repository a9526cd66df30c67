"""The inventory CSV side: from a byte stream to checked records and a report.

The pipeline, one module per stage: :mod:`.contract` (columns, limits, codes, the header
rules), :mod:`.splitting` (bytes to records, quote-aware), :mod:`.fast_path` (lines checked
a batch at a time) and :mod:`.checker` (one record checked exactly), :mod:`.batches` (their
outcome), :mod:`.key_claims` (the duplicate check), :mod:`.events` (what a parse yields),
:mod:`.messages` (every row and file error message), :mod:`.report` and :mod:`.parser`.
Import from :mod:`tap_core.inventory`, which re-exports the public names.
"""
