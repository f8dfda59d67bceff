"""`burnrate bench` at a tiny scale: every stage and reference measured, with positive figures; the exponent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from burnrate import bench
from tests.conftest import ROOT

STAGES = [
    "generate",
    "ingest langfuse",
    "ingest helicone",
    "ingest billing",
    "ingest dcgm",
    "ingest langfuse api pages",
    "ingest helicone api pages",
    "build full",
    "ingest day langfuse",
    "ingest day helicone",
    "ingest day dcgm",
    "ingest day langfuse api pages",
    "ingest day helicone api pages",
    "build incremental",
    "detect",
    "dashboard queries",
    "ingest billing throughput csv.gz",
    "ingest billing throughput parquet",
]
REFERENCES = [
    "floor langfuse",
    "floor helicone",
    "floor billing",
    "floor dcgm",
    "floor langfuse api pages",
    "floor helicone api pages",
    "pandas cost by team/feature/day",
    "mart cost by team/feature/day",
    "floor billing throughput csv.gz",
    "floor billing throughput parquet",
]


def _tiny_bench(tmp_path, out, *extra: str) -> subprocess.CompletedProcess:
    """`burnrate bench` at 200 requests/day over 2 days in tmp_path/work; it must succeed."""
    proc = subprocess.run(
        [sys.executable, "-m", "burnrate", "bench", "--days", "2", "--requests-per-day", "200", *extra]
        + ["--work", str(tmp_path / "work"), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.mark.slow
def test_the_harness_measures_every_stage_and_reference(tmp_path):
    out = tmp_path / "results"
    proc = _tiny_bench(tmp_path, out)
    [result_file] = out.glob("*-200x2d.json")
    res = json.loads(result_file.read_text())
    assert [s["name"] for s in res["stages"]] == STAGES
    assert [s["name"] for s in res["references"]] == REFERENCES
    for s in res["stages"] + res["references"]:
        assert s["wall_s"] > 0 and s["cpu_s"] > 0 and s["peak_rss_mb"] > 0, s
        assert s["rows"] > 0 and s["rows_per_s"] > 0, s
    assert set(res["ratios"]) >= {
        "ingest langfuse / DuckDB read (speed)",
        "ingest billing throughput csv.gz / DuckDB read (speed)",
        "full build / incremental build",
    }
    assert all(v > 0 for v in res["ratios"].values())
    assert 0 < res["pipeline_peak_rss_mb"] < 4096
    assert res["dashboard_pages"]["overview"]["p95_ms"] > 0
    md = result_file.with_suffix(".md").read_text()
    assert all(f"| {name} |" in md for name in STAGES) and "| build full |" in proc.stdout

    # --resume after a stop once the incremental build was measured: those stages are kept, the rest run
    partial = tmp_path / "work" / "partial.json"
    kept = STAGES.index("build incremental") + 1
    stopped = json.loads(partial.read_text())
    partial.write_text(
        json.dumps({"stages": stopped["stages"][:kept], "references": stopped["references"][:-4]})
    )
    _tiny_bench(tmp_path, out, "--resume")
    resumed = json.loads(result_file.read_text())
    assert resumed["stages"][:kept] == res["stages"][:kept]  # the same figures, not measured again
    assert [s["name"] for s in resumed["stages"]] == STAGES
    assert [s["name"] for s in resumed["references"]] == REFERENCES


def _result(requests: int, wall: dict[str, float]) -> dict:
    return {
        "requests": requests,
        "stages": [{"name": k, "wall_s": v, "cpu_s": v / 2} for k, v in wall.items()],
    }


def test_scale_exponent_is_the_log_log_slope_between_the_smallest_and_largest_run(tmp_path):
    small = _result(
        1_000_000, {"ingest langfuse": 10.0, "build full": 60.0, "ingest billing throughput csv.gz": 7.0}
    )
    middle = _result(3_000_000, {"ingest langfuse": 99.0, "build full": 1.0})
    large = _result(
        10_000_000,
        {"ingest langfuse": 100.0, "build full": 60.0 * 10**1.2, "ingest billing throughput csv.gz": 7.0},
    )
    got = bench.exponents([large, small, middle])
    assert got == {"ingest langfuse": 1.0, "build full": 1.2, "ingest (all sources)": 1.0}
    assert bench.exponents([large, small], "cpu_s") == got
    files = []
    for name, res in (("a", small), ("b", large)):
        files.append(str(tmp_path / f"{name}.json"))
        (tmp_path / f"{name}.json").write_text(json.dumps(res))
    proc = subprocess.run(
        [sys.executable, "-m", "burnrate", "bench", "--compare", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (
        proc.returncode == 0
        and "build full" in proc.stdout
        and "exponent 1.20 (wall), 1.20 (CPU)" in proc.stdout
    )
    with pytest.raises(bench.BenchFailed, match="two different scales"):
        bench.exponents([small, small])
