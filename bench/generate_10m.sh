#!/usr/bin/env bash
# Generate 10 M requests (30 days x 333,334/day) and report wall time, peak RSS and output size.
# Usage: bench/generate_10m.sh [OUT_DIR]   (default bench/work/gen10m; needs ~10 GB of disk)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/work/gen10m}
PY=.venv/bin/python
mkdir -p bench/results
/usr/bin/time -v "$PY" - "$OUT" <<'PY' 2> bench/results/generate_10m.time
import sys, time
from pathlib import Path
from burnrate.generate import generate
t0 = time.perf_counter()
m = generate(Path(sys.argv[1]), days=30, requests_per_day=333_334, seed=1)
print(f"requests={m['requests']['total']} seconds={time.perf_counter() - t0:.1f}")
PY
grep -E "Elapsed|Maximum resident" bench/results/generate_10m.time
du -sh "$OUT"
du -sh "$OUT"/*
