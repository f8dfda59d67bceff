"""A dashboard reader in its own process: every page's data-module queries in a loop until told to stop.

`python -m tests.app.read_loop WAREHOUSE STOP_FILE OUT_FILE` runs the same uncached queries the pages run
(Overview, Explore down to requests, Efficiency, SQL browser) against whatever snapshot is current at each
query, and writes {"reads", "failures", "errors", "snapshots"} as JSON when STOP_FILE appears.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from app.data import core, efficiency, schema, spend, usage
from app.filters import Filters
from burnrate import config


def page_queries(snap: core.Snapshot) -> int:
    """One round of the pages' queries; returns how many ran."""
    as_of = spend.as_of(snap)
    f = Filters()
    start, end = f.window(as_of)
    spend.summary(snap, f, start, end)
    spend.daily_by(snap, f, start, end, "spend_category")
    spend.movers(snap, f, as_of)
    teams = spend.breakdown(snap, f, start, end, "team")
    team = Filters(dims={"team": (teams["key"][0],)})
    spend.breakdown(snap, team, start, end, "feature")
    users, _ = usage.requests_by(snap, team, start, end, "user")
    usage.request_list(snap, team, start, end, {"user": users["key"][0]})
    efficiency.by_feature(snap, f, start, end)
    schema.tables(snap)
    return 10


def main(warehouse_path: str, stop_file: str, out_file: str) -> None:
    cfg = config.load(env={**os.environ, "BURNRATE_WAREHOUSE": warehouse_path, "BURNRATE_CONFIG": ""})
    reads, failures, errors, snapshots = 0, 0, [], set()
    while not Path(stop_file).exists():
        try:
            snap = core.open_snapshot(cfg, cached=False)
            snapshots.add(snap.path)
            reads += page_queries(snap)
        except Exception as exc:  # noqa: BLE001 - counted and reported, that is the point
            failures += 1
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        time.sleep(0.01)
    Path(out_file).write_text(
        json.dumps({"reads": reads, "failures": failures, "errors": errors[:20], "snapshots": len(snapshots)})
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
