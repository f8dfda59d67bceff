"""The LLM price catalog: exported from the `genai-prices` package into dbt seeds, priced in SQL.

`burnrate prices export` flattens genai-prices' data (bundled in the package; never fetched at run time) into
three seeds that SQL can join, so history can be re-priced at any time with the prices in force then:

* `price_catalog.csv`   one row per provider × model × price variant × validity period × input-token tier,
                        prices in USD per million tokens for every token kind. Effective-dated
                        (`valid_from` inclusive, `valid_to` exclusive, UTC dates), with time-of-day windows
                        where a provider has off-peak prices, and tier bands (`min_input_tokens` exclusive,
                        `max_input_tokens` inclusive) for cliff-tiered prices (a request over a threshold
                        pays the tier price on all its tokens, as genai-prices computes it).
* `price_model_matches.csv`  how a model name reported by a log maps to a catalog model: genai-prices' match
                        logic in disjunctive normal form (a model matches when every atom of one of its
                        rules matches; atoms are equals / starts_with / ends_with / contains / regex, all on
                        the lower-cased name); the first matching model in provider order wins.
* `price_providers.csv`      providers with the fallback providers whose models they resell (Azure → OpenAI…).

Variants are genai-prices' price contexts flattened to one key, e.g. `processing=batch`,
`service_tier=flex`; the empty string is the standard price. Non-token prices (web searches, images,
pages) are left out: Burnrate prices token usage.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import click

from burnrate.cli import State, pass_state

# genai-prices price keys Burnrate prices, in USD per million tokens, and the catalog column for each.
TOKEN_PRICE_KEYS = (
    "input_mtok",
    "output_mtok",
    "cache_read_mtok",
    "cache_write_mtok",
    "cache_write_1h_mtok",
    "input_audio_mtok",
    "output_audio_mtok",
    "cache_audio_read_mtok",
    "output_reasoning_mtok",
)
OPEN_START = date(1970, 1, 1)
CATALOG_COLUMNS = (
    "price_id", "provider_id", "model_id", "model_name", "variant", "valid_from", "valid_to",
    "time_of_day_start", "time_of_day_end", "min_input_tokens", "max_input_tokens",
    *TOKEN_PRICE_KEYS, "catalog_source",
)  # fmt: skip
MATCH_COLUMNS = ("provider_id", "model_id", "model_order", "rule_id", "atom_type", "pattern")
PROVIDER_COLUMNS = ("provider_id", "provider_name", "fallback_order", "fallback_provider_id")


def catalog_source() -> str:
    return f"genai-prices {version('genai-prices')}"


def _snapshot():
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


# --- match logic -------------------------------------------------------------------------------------


def dnf(clause) -> list[list[tuple[str, str]]]:
    """genai-prices match logic as a list of rules, each a list of (atom_type, pattern) that must all hold."""
    from genai_prices import types as t

    atoms = {
        t.ClauseEquals: ("equals", "equals"),
        t.ClauseStartsWith: ("starts_with", "starts_with"),
        t.ClauseEndsWith: ("ends_with", "ends_with"),
        t.ClauseContains: ("contains", "contains"),
        t.ClauseRegex: ("regex", "regex"),
    }
    if type(clause) in atoms:
        kind, attr = atoms[type(clause)]
        pattern = getattr(clause, attr)
        return [[(kind, pattern if kind == "regex" else pattern.lower())]]
    if isinstance(clause, t.ClauseOr):
        return [rule for sub in clause.or_ for rule in dnf(sub)]
    if isinstance(clause, t.ClauseAnd):
        return [sum(combo, []) for combo in itertools.product(*(dnf(sub) for sub in clause.and_))]
    raise TypeError(f"unknown genai-prices match clause {clause!r}")


# --- prices ------------------------------------------------------------------------------------------


def _standard_at(model, day: date) -> list[tuple[str | None, str | None, object]]:
    """The standard prices in force on `day`: [(time-of-day start, end, prices)], the all-day entry first.

    genai-prices takes the *last* active conditional price, so a time-of-day price listed after the all-day
    one overrides it inside its window.
    """
    from genai_prices import types as t

    if not isinstance(model.prices, list):
        return [(None, None, model.prices)]
    conditional = model.prices
    base_index = 0
    for i, c in enumerate(conditional):
        if c.constraint is None or (
            isinstance(c.constraint, t.StartDateConstraint) and c.constraint.start_date <= day
        ):
            base_index = i
    out: list[tuple[str | None, str | None, object]] = [(None, None, conditional[base_index].prices)]
    for c in conditional[base_index + 1 :]:
        if isinstance(c.constraint, t.TimeOfDateConstraint):
            tod = c.constraint
            out.append((tod.start_time.strftime("%H:%M:%S"), tod.end_time.strftime("%H:%M:%S"), c.prices))
    return out


def _variant_starts(variant) -> date:
    from genai_prices import types as t

    return (
        variant.constraint.start_date if isinstance(variant.constraint, t.StartDateConstraint) else OPEN_START
    )


def _variant_key(variant) -> str:
    return ",".join(f"{k}={val}" for k, val in sorted(variant.when.items()))


def _breakpoints(model) -> list[date]:
    from genai_prices import types as t

    days = {OPEN_START}
    if isinstance(model.prices, list):
        days |= {
            c.constraint.start_date for c in model.prices if isinstance(c.constraint, t.StartDateConstraint)
        }
    days |= {_variant_starts(v) for v in model.price_variants or ()}
    return sorted(days)


def _overrides_at(model, key: str, day: date) -> dict[str, object]:
    """Price keys a variant overrides on `day`: per key, the first active variant in list order wins."""
    overrides: dict[str, object] = {}
    for v in model.price_variants or ():
        if _variant_key(v) == key and _variant_starts(v) <= day:
            for k, price in _price_dict(v.prices).items():
                overrides.setdefault(k, price)
    return overrides


def _tier_bands(prices: dict[str, object]) -> list[tuple[int, int | None, dict[str, Decimal | None]]]:
    """Split a price set with cliff tiers into input-token bands with flat prices."""
    from genai_prices import types as t

    thresholds = sorted(
        {tier.start for p in prices.values() if isinstance(p, t.TieredPrices) for tier in p.tiers}
    )
    edges = [0, *thresholds]
    bands = []
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        flat: dict[str, Decimal | None] = {}
        for key, p in prices.items():
            if isinstance(p, t.TieredPrices):
                value = p.base
                for (
                    tier
                ) in p.tiers:  # sorted ascending; tokens above (not at) a threshold pay that tier on all
                    if lo >= tier.start:
                        value = tier.price
                flat[key] = value
            else:
                flat[key] = p
        bands.append((lo, hi, flat))
    return bands


def _price_dict(model_price) -> dict[str, object]:
    return {
        k: getattr(model_price, k, None)
        for k in TOKEN_PRICE_KEYS
        if getattr(model_price, k, None) is not None
    }


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def catalog_rows() -> Iterator[dict[str, str]]:
    """Every flattened price row, in a stable order."""
    source = catalog_source()
    for provider in _snapshot().providers:
        for model in provider.models:
            bounds = _breakpoints(model)
            keys = ["", *dict.fromkeys(_variant_key(v) for v in model.price_variants or ())]
            for variant_key in keys:
                for i, day in enumerate(bounds):
                    valid_to = bounds[i + 1] if i + 1 < len(bounds) else None
                    overrides = _overrides_at(model, variant_key, day) if variant_key else {}
                    if variant_key and not overrides:
                        continue  # not in force yet: such requests are priced at the standard price
                    for tod_start, tod_end, standard in _standard_at(model, day):
                        prices = {**_price_dict(standard), **overrides}
                        if not prices:
                            continue
                        for lo, hi, flat in _tier_bands(prices):
                            row = {
                                "provider_id": provider.id,
                                "model_id": model.id,
                                "model_name": model.name or model.id,
                                "variant": variant_key,
                                "valid_from": day.isoformat(),
                                "valid_to": valid_to.isoformat() if valid_to else "",
                                "time_of_day_start": tod_start or "",
                                "time_of_day_end": tod_end or "",
                                "min_input_tokens": str(lo),
                                "max_input_tokens": "" if hi is None else str(hi),
                                **{k: _fmt(flat.get(k)) for k in TOKEN_PRICE_KEYS},
                                "catalog_source": source,
                            }
                            ident = "|".join(row[c] for c in CATALOG_COLUMNS[1:11])
                            row["price_id"] = hashlib.sha1(ident.encode()).hexdigest()[:16]
                            yield row


def match_rows() -> Iterator[dict[str, str]]:
    for provider in _snapshot().providers:
        for order, model in enumerate(provider.models):
            for rule_id, rule in enumerate(dnf(model.match)):
                for atom_type, pattern in rule:
                    yield {
                        "provider_id": provider.id,
                        "model_id": model.id,
                        "model_order": str(order),
                        "rule_id": str(rule_id),
                        "atom_type": atom_type,
                        "pattern": pattern,
                    }


def provider_rows() -> Iterator[dict[str, str]]:
    for provider in _snapshot().providers:
        fallbacks = provider.fallback_model_providers or []
        rows = [(0, provider.id)] + [(i + 1, f) for i, f in enumerate(fallbacks)]
        for order, fallback in rows:
            yield {
                "provider_id": provider.id,
                "provider_name": provider.name,
                "fallback_order": str(order),
                "fallback_provider_id": fallback,
            }


def _write(path: Path, columns: Iterable[str], rows: Iterable[dict[str, str]]) -> int:
    columns = list(columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    tmp.replace(path)
    return n


def export(out_dir: Path) -> dict[str, int]:
    """Write the three catalog seeds into `out_dir`; returns the row count of each."""
    return {
        "price_catalog": _write(out_dir / "price_catalog.csv", CATALOG_COLUMNS, catalog_rows()),
        "price_model_matches": _write(out_dir / "price_model_matches.csv", MATCH_COLUMNS, match_rows()),
        "price_providers": _write(out_dir / "price_providers.csv", PROVIDER_COLUMNS, provider_rows()),
    }


# --- CLI ---------------------------------------------------------------------------------------------


@click.group("prices")
def group() -> None:
    """The LLM price catalog (from the genai-prices package, effective-dated, all token kinds)."""


@group.command("export")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("seeds"),
    show_default=True,
    help="folder to write the catalog seeds into",
)
def export_command(out_dir: Path) -> None:
    """Export the bundled genai-prices catalog as dbt seeds (price_catalog, price_model_matches, price_providers).

    Run it after upgrading genai-prices, then `burnrate build` re-prices all history. Negotiated discounts and
    internal prices of self-hosted models go in seeds/price_overrides.csv, which this never touches.
    """
    from burnrate.console import err

    counts = export(out_dir)
    for name, n in counts.items():
        err.print(f"wrote {out_dir / (name + '.csv')}: {n:,} rows")
    err.print(f"catalog source: {catalog_source()}")


@group.command("show")
@click.argument("model")
@click.option(
    "--provider",
    help="genai-prices provider id (openai, anthropic, google, aws, azure, …); guessed when omitted",
)
@click.option(
    "--at", "at", type=click.DateTime(["%Y-%m-%d"]), help="price in force on this UTC date (default: today)"
)
@click.option("--variant", default="", help="price variant, e.g. processing=batch or service_tier=flex")
@pass_state
def show_command(state: State, model: str, provider: str | None, at, variant: str) -> None:
    """Show the price of MODEL per million tokens of each kind, as the catalog resolves it."""
    from datetime import UTC, datetime

    from rich.table import Table

    from burnrate.console import out
    from burnrate.errors import BurnrateError

    snap = _snapshot()
    try:
        prov, info = snap.find_provider_model(model, None, provider, None)
    except LookupError as exc:
        raise BurnrateError(f"no price for {model!r}: {exc}") from None
    when = (at or datetime.now(UTC)).replace(tzinfo=UTC)
    context = dict(kv.split("=", 1) for kv in variant.split(",") if "=" in kv) or None
    prices = info.get_prices(when, context)
    table = Table(title=f"{prov.id} / {info.id} on {when.date()} {variant or '(standard)'}")
    table.add_column("token kind")
    table.add_column("USD per 1M tokens", justify="right")
    for key, value in _price_dict(prices).items():
        tiers = "".join(f"; {t.price} from {t.start:,} input tokens" for t in getattr(value, "tiers", []))
        table.add_row(key.removesuffix("_mtok"), f"{getattr(value, 'base', value)}{tiers}")
    out.print(table)
