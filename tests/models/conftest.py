"""One small demo workload, built once per test session (generate → ingest → dbt build); read-only for tests."""

from __future__ import annotations

import pytest

from tests.workload import build_workload


@pytest.fixture(scope="session")
def workload_root(tmp_path_factory):
    return tmp_path_factory.mktemp("models_workload")


@pytest.fixture(scope="session")
def built(workload_root):
    """The Config of the built warehouse."""
    return build_workload(workload_root)


@pytest.fixture
def live(built):
    """A read-only connection to the built warehouse (raw, staging and marts)."""
    from burnrate import warehouse

    with warehouse.reader(built, live=True) as con:
        yield con
