"""tap's benchmarks: figures to read and report, not pass/fail tests (``nox -s bench``)."""
