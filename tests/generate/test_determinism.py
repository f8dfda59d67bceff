"""Same arguments give a byte-identical tree; another seed gives different traffic; no wall-clock leaks."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from conftest import SMALL

from burnrate.generate import generate


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_arguments_give_identical_bytes(workload, tmp_path):
    again = tmp_path / "again"
    generate(again, **SMALL)
    assert _digest(again) == _digest(workload)


def test_other_seed_differs_but_company_does_not(workload, tmp_path):
    other = tmp_path / "other"
    generate(other, **{**SMALL, "seed": 2})
    a, b = _digest(workload), _digest(other)
    assert a["labels/anomaly_labels.csv"] != b["labels/anomaly_labels.csv"]
    differing = [k for k in a.keys() & b.keys() if k.startswith("helicone/export/") and a[k] != b[k]]
    assert differing
    assert {k: v for k, v in a.items() if k.startswith("company/")} == {
        k: v for k, v in b.items() if k.startswith("company/")
    }


def test_gzip_members_have_no_mtime_or_name(workload):
    for path in list(workload.rglob("*.gz")):
        head = path.read_bytes()[:10]
        assert head[:2] == b"\x1f\x8b"
        assert head[4:8] == b"\x00\x00\x00\x00", path  # mtime 0
        assert not head[3] & 0x08, path  # no FNAME
        gzip.decompress(path.read_bytes())


def test_rerun_into_the_same_folder_replaces_previous_output(tmp_path):
    out = tmp_path / "demo"
    generate(out, days=2, requests_per_day=200, seed=5)
    first = _digest(out)
    (out / "langfuse" / "stale.txt").write_text("left over")
    generate(out, days=2, requests_per_day=200, seed=5)
    assert _digest(out) == first
