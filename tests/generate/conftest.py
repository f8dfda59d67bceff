"""One small generated workload shared by the generator tests (7 days x 500 requests/day)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from burnrate.generate import generate

SMALL = {"days": 7, "requests_per_day": 500, "seed": 1}


@pytest.fixture(scope="session")
def workload(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "demo"
    generate(out, **SMALL)
    return out


@pytest.fixture(scope="session")
def manifest(workload) -> dict:
    return json.loads((workload / "manifest.json").read_text())
