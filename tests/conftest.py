"""Shared fixtures: an isolated config + warehouse per test, and the shared reference samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from burnrate import config as config_mod

ROOT = Path(__file__).resolve().parents[1]
# shared/ sits beside the checkout (CI, /work/main) or two levels up from a worktree (/work/wt/<name>).
SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "reference").is_dir()), ROOT.parent / "shared"
)
SAMPLES = SHARED / "reference" / "samples"


@pytest.fixture
def cfg(tmp_path, monkeypatch) -> config_mod.Config:
    """A Config whose warehouse lives in tmp_path; no config file, no Burnrate env vars leaking in."""
    import os

    for name in list(os.environ):
        if name.startswith("BURNRATE_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BURNRATE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.chdir(tmp_path)
    return config_mod.load()
