"""Detection quality on the full demo workload (30 days x 10,000 requests/day) for seeds 1, 2 and 3.

Generates, ingests the LLM logs and builds the LLM marts for each seed (cached under bench/work/), then scores
the isolation forest and the rolling z-score baseline against the generator's labels with the event-level rules
of `alerts.evaluate`, prints the table and checks the issue's targets: recall >= 0.9, precision >= 0.8 and an
F1 above the baseline's, for every seed. Exit code 1 when a target is missed.

    .venv/bin/python bench/detect_eval.py [--seeds 1 2 3] [--requests-per-day 10000] [--out bench/results/detect_eval.json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts import detect, evaluate  # noqa: E402
from burnrate import warehouse  # noqa: E402
from tests import workload  # noqa: E402

LLM_MARTS = ("+path:models/marts/llm",)


def prepare(root: Path, seed: int, days: int, requests_per_day: int):
    from burnrate.build import build

    cfg = workload.workload_config(root)
    if not (root / "built").exists():
        gen = workload.generate(root, days=days, requests_per_day=requests_per_day, seed=seed)
        with warehouse.writer(cfg) as con:
            for module, folder in workload.FILE_SOURCES[:2]:  # the LLM log sources
                importlib.import_module(module).ingest_files(con, cfg, [gen / folder])
        result = build(cfg, show_progress=False, select=LLM_MARTS)
        assert result.success, result.failures
        (root / "built").touch()
    return cfg, root / "demo" / "labels" / "anomaly_labels.csv"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--requests-per-day", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"event-level evaluation, {args.days} days x {args.requests_per_day:,} requests/day")
    for col in (
        "seed",
        "method",
        "labels",
        "events",
        "precision",
        "recall",
        "F1",
        "mean delay h",
        "pattern ok",
        "contributor ok",
    ):
        table.add_column(col)
    results, ok = [], True
    for seed in args.seeds:
        cfg, labels = prepare(
            args.work / f"eval_s{seed}_{args.days}_{args.requests_per_day}",
            seed,
            args.days,
            args.requests_per_day,
        )
        started = time.monotonic()
        with warehouse.reader(cfg, live=True) as con:
            forest, baseline = evaluate.evaluate(con, detect.Settings(), labels)
        took = time.monotonic() - started
        for s in (forest, baseline):
            d = s.as_dict() | {"seed": seed}
            results.append(
                d | ({"per_label": s.per_label, "evaluate_seconds": round(took, 1)} if s is forest else {})
            )
            is_forest = s is forest
            table.add_row(
                str(seed), d["method"], str(d["labels"]), str(d["events"]), f"{d['precision']:.3f}", f"{d['recall']:.3f}",
                f"{d['f1']:.3f}", str(d["mean_delay_hours"]),
                f"{d['pattern_ok']}/{d['detected']}" if is_forest else "–",
                f"{d['contributor_ok']}/{d['detected']}" if is_forest else "–",
            )  # fmt: skip
        ok &= forest.recall >= 0.9 and forest.precision >= 0.8 and forest.f1 > baseline.f1
    Console().print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
