"""Billing ingest throughput against DuckDB's own readers, on the same files in the same run.

    .venv/bin/python bench/ingest_billing.py --rows 1000000 --repeat 3

Writes a FOCUS 1.2 export (57 columns plus AWS's x_ columns, real-world text: both timestamp styles, literal
NULLs, tags as JSON) as CSV.gz and as Parquet, then times, each in a fresh child process and warehouse file:

* `duckdb`: `create table t as select * from read_csv(file)` / `read_parquet(file)` (DuckDB's own sniffing
  and types: the floor for loading a file at all);
* `burnrate`: `ingest.billing.ingest_files` on the same file (typed columns, DECIMAL money from the text,
  UTC timestamps, tags JSON, lineage, quarantine checks, re-issue bookkeeping, one transaction).

It prints rows, seconds (median of the repeats), rows/s, peak RSS of the child, the ratio duckdb seconds /
burnrate seconds (the acceptance bar is ≥ 0.75) and the same ratio of CPU seconds (steadier on a shared
machine), and checks both loads hold the same rows and the same billed total to the cent.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORK = ROOT / "bench" / "work"

COLUMNS = """
  case when i % 7 = 3 then 'NULL' else '' end as AvailabilityZone,
  printf('%.10f', (i % 9973) * 0.0137 + 0.0000000001) as BilledCost,
  '111122223333' as BillingAccountId, 'Acme Payer' as BillingAccountName, 'Billing Account' as BillingAccountType,
  'USD' as BillingCurrency, '2026-11-01 00:00:00' as BillingPeriodEnd, '2026-10-01 00:00:00' as BillingPeriodStart,
  NULL as CapacityReservationId, NULL as CapacityReservationStatus,
  case when i % 50 = 0 then 'Tax' else 'Usage' end as ChargeCategory, NULL as ChargeClass,
  'USE1-Claude4.6Sonnet-input-tokens usage (' || (i % 37) || ')' as ChargeDescription, 'Usage-Based' as ChargeFrequency,
  strftime(TIMESTAMP '2026-10-01' + to_hours(i % 744 + 1), '%Y-%m-%dT%H:%M:%SZ') as ChargePeriodEnd,
  case when i % 2 = 0 then strftime(TIMESTAMP '2026-10-01' + to_hours(i % 744), '%Y-%m-%dT%H:%M:%SZ')
       else strftime(TIMESTAMP '2026-10-01' + to_hours(i % 744), '%Y-%m-%d %H:%M:%S') end as ChargePeriodStart,
  NULL as CommitmentDiscountCategory, NULL as CommitmentDiscountId, NULL as CommitmentDiscountName,
  NULL as CommitmentDiscountQuantity, NULL as CommitmentDiscountStatus, NULL as CommitmentDiscountType,
  NULL as CommitmentDiscountUnit,
  printf('%.3f', (i % 1000) * 12.5) as ConsumedQuantity, 'Tokens' as ConsumedUnit,
  printf('%.10f', (i % 9973) * 0.0137 + 0.0000000001) as ContractedCost, '0.00276' as ContractedUnitPrice,
  printf('%.10f', (i % 9973) * 0.0137) as EffectiveCost, 'INV-AWS-202610' as InvoiceId,
  'Amazon Web Services, Inc.' as InvoiceIssuerName,
  printf('%.10f', (i % 9973) * 0.015) as ListCost, '0.003' as ListUnitPrice, 'Standard' as PricingCategory,
  'USD' as PricingCurrency, '0.00276' as PricingCurrencyContractedUnitPrice,
  printf('%.10f', (i % 9973) * 0.0137) as PricingCurrencyEffectiveCost, '0.003' as PricingCurrencyListUnitPrice,
  printf('%.4f', (i % 1000) * 0.0125) as PricingQuantity, '1K tokens' as PricingUnit, 'AWS' as ProviderName,
  'Amazon Web Services, Inc.' as PublisherName, 'us-east-1' as RegionId, 'US East (N. Virginia)' as RegionName,
  'arn:aws:bedrock:us-east-1::foundation-model/m' || (i % 50) as ResourceId,
  'row-' || (i + 2) as ResourceName,  -- the row's line in the CSV: the bench checks _line against it
  'Foundation Model' as ResourceType, 'AI and Machine Learning' as ServiceCategory, 'Amazon Bedrock' as ServiceName,
  'Generative AI' as ServiceSubcategory, 'SKU' || (i % 97) as SkuId, 'Tokens' as SkuMeter,
  '{"unit":"1K tokens"}' as SkuPriceDetails, 'SKUP' || (i % 97) as SkuPriceId,
  '2222333344' || (i % 20) as SubAccountId, 'account-' || (i % 20) as SubAccountName, 'AWS Account' as SubAccountType,
  '{"user:team":"team-' || (i % 12) || '","user:feature":"f' || (i % 40) || '"}' as Tags,
  '{}' as x_CostCategories, '{}' as x_Discounts, 'InvokeModelInference' as x_Operation,
  'AmazonBedrock' as x_ServiceCode, 'USE1-Claude4.6Sonnet-input-tokens' as x_UsageType
"""


def generate(rows: int, folder: Path = WORK) -> dict[str, Path]:
    """The FOCUS export of `rows` rows as CSV.gz and as Parquet in `folder` (kept: made once per size)."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    files = {"csv.gz": folder / f"focus_{rows}_v2.csv.gz", "parquet": folder / f"focus_{rows}_v2.parquet"}
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    # each written under a temporary name and renamed when complete: a file that exists is a whole one (a
    # stopped run, resumed, must not measure half a file)
    if not files["csv.gz"].exists():
        part = files["csv.gz"].with_name(files["csv.gz"].name + ".part")
        con.execute(f"copy (select {COLUMNS} from range({rows}) t(i)) to '{part}' (header, compression gzip)")
        part.rename(files["csv.gz"])
    if not files["parquet"].exists():
        # Parquet as AWS writes FOCUS: doubles and timestamps, not text
        typed = (
            "select * replace (BilledCost::DOUBLE as BilledCost, EffectiveCost::DOUBLE as EffectiveCost, "
            "ListCost::DOUBLE as ListCost, ContractedCost::DOUBLE as ContractedCost, "
            "ChargePeriodStart::TIMESTAMP as ChargePeriodStart, ChargePeriodEnd::TIMESTAMP as ChargePeriodEnd, "
            "BillingPeriodStart::TIMESTAMP as BillingPeriodStart, BillingPeriodEnd::TIMESTAMP as BillingPeriodEnd, "
            "nullif(AvailabilityZone, 'NULL') as AvailabilityZone)"
        )
        part = files["parquet"].with_name(files["parquet"].name + ".part")
        con.execute(
            f"copy ({typed} from (select {COLUMNS} from range({rows}) t(i))) to '{part}' (format parquet)"
        )
        part.rename(files["parquet"])
    return files


def child(mode: str, path: str, db: str) -> None:
    """One measurement in a fresh process: prints JSON {seconds, cpu, rows, billed, rss_mb}."""
    import duckdb

    for suffix in ("", ".wal"):
        Path(db + suffix).unlink(missing_ok=True)
    if mode == "duckdb":
        reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
        con = duckdb.connect(db)
        cpu0, start = _cpu(), time.perf_counter()
        con.execute(f"create table t as select * from {reader}(?)", [path])
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu0
        rows, billed = con.execute("select count(*), round(sum(BilledCost), 2) from t").fetchone()
    else:
        os.environ["BURNRATE_WAREHOUSE"] = db
        from burnrate import config, warehouse
        from ingest import billing

        cfg = config.load()
        with warehouse.writer(cfg) as con:
            cpu0, start = _cpu(), time.perf_counter()
            summary = billing.ingest_files(con, cfg, [path])
            seconds, cpu = time.perf_counter() - start, _cpu() - cpu0
            rows, billed = con.execute(
                "select count(*), round(sum(BilledCost), 2) from raw.focus_costs"
            ).fetchone()
            offset = (
                0 if path.endswith(".csv.gz") else 1
            )  # Parquet rows are numbered from 1, CSV's header is 1
            misnumbered = con.execute(
                "select count(*) from raw.focus_costs where ResourceName <> 'row-' || (_line + ?)", [offset]
            ).fetchone()[0]
        assert not summary.failures, summary.failures
        assert misnumbered == 0, f"{misnumbered} rows with a wrong _line"
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "billed": float(billed), "rss_mb": rss_mb})
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(mode: str, path: Path) -> dict:
    db = str(WORK / f"{mode}.duckdb")
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), db], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per file (default 1,000,000)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measurements per reader and file (median kept)"
    )
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    files = generate(args.rows)
    print(
        f"{'file':<9} {'rows':>10} {'duckdb s':>9} {'burnrate s':>10} {'ratio':>6} {'rows/s':>10} "
        f"{'cpu ratio':>9} {'RSS duckdb':>11} {'RSS burnrate':>13}"
    )
    for kind, path in files.items():
        runs: dict[str, list[dict]] = {"duckdb": [], "burnrate": []}
        for _ in range(args.repeat):  # interleaved, so machine noise hits both alike
            for mode in runs:
                runs[mode].append(measure(mode, path))
        base, ours = (statistics.median(r["seconds"] for r in runs[m]) for m in ("duckdb", "burnrate"))
        cpu_base, cpu_ours = (statistics.median(r["cpu"] for r in runs[m]) for m in ("duckdb", "burnrate"))
        check = {m: {(r["rows"], round(r["billed"], 2)) for r in runs[m]} for m in runs}
        assert check["duckdb"] == check["burnrate"], f"loads differ: {check}"
        rows = runs["burnrate"][0]["rows"]
        rss = {m: max(r["rss_mb"] for r in runs[m]) for m in runs}
        print(
            f"{kind:<9} {rows:>10,} {base:>9.2f} {ours:>10.2f} {base / ours:>6.2f} {rows / ours:>10,.0f} "
            f"{cpu_base / cpu_ours:>9.2f} {rss['duckdb']:>8.0f} MB {rss['burnrate']:>10.0f} MB"
        )


if __name__ == "__main__":
    main()
