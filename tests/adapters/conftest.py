"""The adapter tests' harness: one moto server per session, reached over real HTTP.

Fixtures:
- ``moto_server``: the session's :class:`tap_tools.testing.MotoServer` (127.0.0.1, a free port).
- ``aws``: an :class:`tap_tools.testing.AwsClients` factory bound to it (fake credentials passed
  explicitly; nothing is set in ``os.environ``).
- ``unique_name``: a fresh resource name per call, so every test gets its own tables and queues.
- ``atomic_moto``: every moto request atomic for the test (concurrency tests).
- ``fast_transactions``: moto's TransactWriteItems copies each table once per transaction.
- ``fast_queries``: moto's base-table Query reads only the slice of its partition it can reach.

A test module that sets ``MAX_EXAMPLES = n`` runs its Hypothesis tests (the core's contract
suites it imports included) with at most ``n`` examples: each example there costs dozens of
HTTP requests to moto, where the core's own run of the same tests costs microseconds.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from tap_tools.testing import (
    AwsClients,
    MotoServer,
    journal_transactions,
    query_sorted_partitions,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def aws(moto_server: MotoServer) -> AwsClients:
    return AwsClients(moto_server.endpoint)


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """``unique_name("stem")`` -> ``tap-stem-<12 hex>``: a name no other test uses."""

    def make(stem: str) -> str:
        return f"tap-{stem}-{uuid.uuid4().hex[:12]}"

    return make


@pytest.fixture
def atomic_moto(moto_server: MotoServer) -> Iterator[None]:
    with moto_server.atomic():
        yield


@pytest.fixture(scope="session")
def fast_transactions() -> None:
    journal_transactions()


@pytest.fixture(scope="session")
def fast_queries() -> None:
    query_sorted_partitions()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    limit = getattr(getattr(item, "module", None), "MAX_EXAMPLES", None)
    test = getattr(item, "obj", None)
    current = getattr(test, "_hypothesis_internal_use_settings", None)
    if limit is None or not isinstance(current, settings):
        return (yield)
    # Hypothesis reads the wrapped test's settings when it runs; swap them for this run only
    # (the same function object also runs, unchanged, in the core's own module).
    test._hypothesis_internal_use_settings = settings(  # type: ignore[union-attr]  # noqa: SLF001
        current, max_examples=min(limit, current.max_examples)
    )
    try:
        return (yield)
    finally:
        test._hypothesis_internal_use_settings = current  # type: ignore[union-attr]  # noqa: SLF001
