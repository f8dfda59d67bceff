"""Configuration: one TOML file (`burnrate.toml`), environment variables over it, secrets from the environment only.

Every setting is declared once in `SETTINGS` with its default, its environment variable and one line of
documentation. The example file `burnrate.toml` at the repository root is rendered from this table
(`burnrate config example`), and a test fails when the two drift apart or when the README misses a setting.

Precedence, highest first: environment variable, the config file, the default.
The file is `--config PATH`, else `$BURNRATE_CONFIG`, else `./burnrate.toml` when it exists.
Relative paths are resolved against the current working directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from burnrate import secrets
from burnrate.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    default: Any
    doc: str
    env: str | None = None  # extra, well-known environment variable; BURNRATE_<SECTION>_<KEY> always works

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def env_names(self) -> list[str]:
        generic = f"BURNRATE_{self.section}_{self.key}".upper()
        return [self.env, generic] if self.env else [generic]


SECTION_DOCS = {
    "warehouse": "The DuckDB warehouse the writer owns, and the read-only snapshot readers use.",
    "demo": "The demo workload (`burnrate generate`, `burnrate demo`).",
    "http": "Retries and timeouts for every vendor API (Langfuse, Helicone, Prometheus, Slack).",
    "langfuse": "Langfuse: public API pull and blob-storage export files. Keys: LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY.",
    "helicone": "Helicone: query API pull and @helicone/export files. Key: HELICONE_API_KEY.",
    "billing": "Cloud billing exports (FOCUS, AWS CUR 2.0, GCP billing export, Azure cost exports).",
    "dcgm": "NVIDIA DCGM GPU metrics: dcgm-exporter text snapshots or a Prometheus server.",
    "dbt": "The dbt build (`burnrate build`).",
    "serve": "The Streamlit dashboard (`burnrate serve`).",
    "detect": "Anomaly detection (`burnrate detect`): an isolation forest over per-scope hourly and daily buckets.",
    "alerts": "Budget and anomaly alerts (`burnrate alert`): Slack incoming webhook (SLACK_WEBHOOK_URL) or the console.",
    "schedule": "The scheduler (`burnrate schedule`): ingest → build → detect → alert on a cron schedule, and a daily digest.",
}

SETTINGS: list[Setting] = [
    # warehouse
    Setting(
        "warehouse",
        "path",
        "data/warehouse.duckdb",
        "DuckDB file written by ingest/build/detect/alert",
        "BURNRATE_WAREHOUSE",
    ),
    Setting(
        "warehouse",
        "published_dir",
        "",
        "where read-only snapshots of the marts are published; empty = '<warehouse>.published' next to the warehouse",
        "BURNRATE_PUBLISHED_DIR",
    ),
    Setting(
        "warehouse",
        "keep_snapshots",
        3,
        "published snapshots kept (older ones are removed once no reader can still be opening them)",
    ),
    Setting(
        "warehouse",
        "lock_timeout_seconds",
        900,
        "how long a writer waits for another writer to finish before exiting with code 75",
    ),
    Setting(
        "warehouse",
        "memory_limit",
        "3GB",
        "DuckDB memory_limit for writers and the dbt build, e.g. '4GB' or '50%'; larger work spills to "
        "temp_directory; empty = DuckDB's default (80% of RAM)",
    ),
    Setting(
        "warehouse",
        "temp_directory",
        "",
        "where DuckDB spills what does not fit in memory_limit; empty = '<warehouse>.tmp' next to the warehouse",
    ),
    Setting("warehouse", "threads", 0, "DuckDB threads; 0 = one per core"),
    # demo
    Setting("demo", "out", "data/demo", "folder the demo workload is generated into"),
    Setting("demo", "days", 30, "days of traffic in the demo workload"),
    Setting("demo", "requests_per_day", 10000, "average LLM requests per day in the demo workload"),
    Setting("demo", "seed", 1, "random seed of the demo workload (same seed, same bytes)"),
    Setting("demo", "end_date", "2026-11-20", "first day after the demo workload (UTC, exclusive)"),
    # http
    Setting("http", "timeout_seconds", 30.0, "per-request timeout (connect and read)"),
    Setting(
        "http",
        "retry_max_seconds",
        300.0,
        "give up on a failing endpoint after this long (429, 5xx, timeouts, resets)",
    ),
    Setting("http", "retry_max_attempts", 10, "give up on a failing endpoint after this many attempts"),
    # langfuse
    Setting(
        "langfuse",
        "host",
        "https://cloud.langfuse.com",
        "Langfuse base URL: https://cloud.langfuse.com (EU), https://us.cloud.langfuse.com (US) or your self-hosted URL",
        "LANGFUSE_HOST",
    ),
    Setting(
        "langfuse",
        "api",
        "auto",
        "observations API: v2, v1 (self-hosted v3 servers) or auto (v2, falling back to v1 when absent)",
    ),
    Setting("langfuse", "window_hours", 24, "size of one pull window"),
    Setting(
        "langfuse",
        "lag_minutes",
        120,
        "trailing window re-pulled on every run, because observations are updated after creation",
    ),
    Setting("langfuse", "backfill_days", 30, "how far back the first pull starts when no --since is given"),
    Setting("langfuse", "page_limit", 1000, "page size (v2 allows 1000; v1 is capped at 100)"),
    Setting(
        "langfuse", "export_paths", [], "blob-storage export folders or globs ingested by `burnrate run`"
    ),
    Setting(
        "langfuse",
        "files_batch_mb",
        2048,
        "export files read and merged together in one atomic batch, up to this many MB of JSON (uncompressed); larger batches load faster (many files are read in parallel, fewer merges) and take more memory (2048: 2.3-2.8 GB at peak for 10 M requests' export files)",
    ),
    # helicone
    Setting(
        "helicone",
        "base_url",
        "https://api.helicone.ai",
        "Helicone API base URL: https://api.helicone.ai (US) or https://eu.api.helicone.ai (EU)",
        "HELICONE_BASE_URL",
    ),
    Setting("helicone", "window_hours", 6, "size of one pull window (offset paging happens inside a window)"),
    Setting(
        "helicone",
        "lag_minutes",
        120,
        "trailing window re-pulled on every run, because requests are updated after creation",
    ),
    Setting("helicone", "backfill_days", 30, "how far back the first pull starts when no --since is given"),
    Setting("helicone", "page_limit", 1000, "page size (Helicone allows at most 1000)"),
    Setting(
        "helicone", "export_paths", [], "@helicone/export file folders or globs ingested by `burnrate run`"
    ),
    Setting(
        "helicone",
        "files_batch_mb",
        2048,
        "export files read and merged together in one atomic batch, up to this many MB of JSON (uncompressed); larger batches load faster (many files are read in parallel, fewer merges) and take more memory (2048: 2.3-2.8 GB at peak for 10 M requests' export files)",
    ),
    # billing
    Setting("billing", "paths", [], "billing export folders or globs ingested by `burnrate run`"),
    # dcgm
    Setting("dcgm", "paths", [], "dcgm-exporter text snapshot folders or globs ingested by `burnrate run`"),
    Setting(
        "dcgm",
        "prometheus_url",
        "",
        "Prometheus server to pull DCGM series from, e.g. http://127.0.0.1:9090; empty = off",
        "BURNRATE_PROMETHEUS_URL",
    ),
    Setting(
        "dcgm",
        "step_seconds",
        60,
        "query_range resolution: every sample is pulled when it is at most the scrape interval; larger steps "
        "keep about one sample per step",
    ),
    Setting(
        "dcgm",
        "metrics",
        [
            "DCGM_FI_DEV_GPU_UTIL",
            "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
            "DCGM_FI_DEV_FB_USED",
            "DCGM_FI_DEV_FB_FREE",
            "DCGM_FI_DEV_FB_RESERVED",
            "DCGM_FI_DEV_POWER_USAGE",
            "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
            "DCGM_FI_DEV_GPU_TEMP",
        ],
        "metric names pulled from Prometheus (those absent on the server are skipped); text files load every metric",
    ),
    Setting(
        "dcgm",
        "max_points_per_query",
        250000,
        "most samples one query_range request may return (series x steps); lower it for a server with a small "
        "--query.max-samples",
    ),
    Setting("dcgm", "lag_minutes", 15, "trailing window re-pulled on every run"),
    Setting("dcgm", "backfill_days", 30, "how far back the first pull starts when no --since is given"),
    # dbt
    Setting("dbt", "target", "duckdb", "dbt target in profiles.yml (duckdb, or spark to scale out)"),
    Setting("dbt", "threads", 2, "dbt threads"),
    Setting(
        "dbt",
        "spark_export_root",
        "data/demo",
        "spark targets: the folder or URL (s3a://, abfss://, gs://) the export files are read from; the globs per "
        "source are vars.spark_exports in dbt_project.yml",
        env="BURNRATE_SPARK_EXPORT_ROOT",
    ),
    # serve
    Setting("serve", "host", "127.0.0.1", "address the dashboard binds"),
    Setting("serve", "port", 8501, "port the dashboard listens on"),
    Setting(
        "serve",
        "public_url",
        "",
        "URL people open the dashboard at (printed by `burnrate serve`); empty = http://<host>:<port>",
    ),
    Setting(
        "serve",
        "cache_ttl_seconds",
        300,
        "how long a dashboard query result is reused; a new published snapshot is always read at once",
    ),
    Setting(
        "serve", "query_timeout_seconds", 30.0, "ad-hoc SQL (SQL page, `burnrate sql`) stops after this long"
    ),
    Setting("serve", "row_limit", 10000, "most rows ad-hoc SQL returns (SQL page, `burnrate sql`)"),
    Setting(
        "serve",
        "currency_rates",
        [],
        "extra display currencies as CODE=units per USD, e.g. EUR=0.92 (fixed rates you set; data stays USD)",
    ),
    Setting(
        "serve",
        "auth_required",
        False,
        "require an OIDC login (st.login; configure [auth] in .streamlit/secrets.toml); off by default",
    ),
    Setting(
        "serve",
        "auth_provider",
        "",
        "named [auth.<provider>] section of .streamlit/secrets.toml to log in with; empty = the [auth] section",
    ),
    Setting(
        "serve",
        "allowed_emails",
        [],
        "who may use the dashboard when auth_required: emails, or @domain for a whole domain; empty = anyone who logs in",
    ),
    # detect
    Setting(
        "detect", "window_days", 35, "trailing days of requests the baselines and the forest are trained on"
    ),
    Setting("detect", "grains", ["hour", "day"], "bucket sizes scored: hour, day or both"),
    Setting(
        "detect",
        "threshold",
        0.55,
        "isolation-forest score (0-1, higher = more isolated) from which a bucket is anomalous",
    ),
    Setting(
        "detect",
        "min_impact_usd",
        0.0,
        "smallest spend impact (actual - expected, USD) an anomaly window must have; 0 = 10% of the "
        "company's median spend per bucket (error storms are kept regardless)",
    ),
    # alerts
    Setting(
        "alerts",
        "dashboard_url",
        "http://127.0.0.1:8501",
        "base URL of the dashboard, used for the 'Open in Burnrate' link in alerts",
        "BURNRATE_DASHBOARD_URL",
    ),
    Setting(
        "alerts",
        "min_severity",
        "low",
        "anomalies below this severity (low, medium, high, critical) are not alerted",
    ),
    Setting(
        "alerts",
        "recent_hours",
        24,
        "only anomalies ending within this many hours of the newest data are alerted (older ones are recorded, "
        "not sent: a first run over months of history does not flood the channel)",
    ),
    Setting(
        "alerts",
        "send_budget_seconds",
        60.0,
        "longest one run spends delivering (retries, Retry-After waits); what is left stays pending for the next run",
    ),
    # schedule
    Setting(
        "schedule",
        "cycle_cron",
        "*/15 * * * *",
        "when a cycle (ingest, build, detect, alert) runs: 5-field crontab, or 6 fields with seconds first",
    ),
    Setting("schedule", "digest_time", "09:00", "local time (HH:MM, schedule.timezone) of the daily digest"),
    Setting("schedule", "timezone", "UTC", "time zone of cycle_cron and digest_time (IANA name)"),
    Setting(
        "schedule",
        "misfire_grace_seconds",
        300,
        "a run that could not start on time (busy, machine asleep) still runs if this late; missed runs coalesce",
    ),
]

_BY_NAME = {s.name: s for s in SETTINGS}
_SECTIONS = list(dict.fromkeys(s.section for s in SETTINGS))


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    """Cast `value` (from TOML or an environment string) to the type of the setting's default."""
    default = setting.default
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                return low in {"1", "true", "yes", "on"}
            return bool(value)
        if isinstance(default, int):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list):
            if isinstance(value, str):
                return [p.strip() for p in value.split(",") if p.strip()]
            if not isinstance(value, list):
                raise ValueError(value)
            return [str(v) for v in value]
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{origin}: {setting.name} must be a {type(default).__name__}, got {value!r}"
        ) from None


class Config:
    """Effective settings. Read as `cfg.langfuse.host`; `cfg.origin(name)` says where a value came from."""

    def __init__(self, values: dict[str, Any], origins: dict[str, str], file: Path | None):
        self._values = values
        self._origins = origins
        self.file = file
        for section in _SECTIONS:
            keys = {s.key: values[s.name] for s in SETTINGS if s.section == section}
            setattr(self, section, SimpleNamespace(**keys))

    def get(self, name: str) -> Any:
        return self._values[name]

    def origin(self, name: str) -> str:
        return self._origins[name]

    def items(self):
        return ((s, self._values[s.name], self._origins[s.name]) for s in SETTINGS)

    # Derived paths -------------------------------------------------------------------------------
    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse.path).expanduser().resolve()

    @property
    def duckdb_settings(self) -> dict[str, str | int]:
        """The DuckDB settings every writer (and dbt) uses: memory_limit, temp_directory, threads."""
        wh = self.warehouse
        tmp = Path(wh.temp_directory).expanduser().resolve() if wh.temp_directory else None
        out: dict[str, str | int] = {
            "memory_limit": wh.memory_limit or "80%",
            "temp_directory": str(tmp or self.warehouse_path.with_name(self.warehouse_path.name + ".tmp")),
        }
        if wh.threads:
            out["threads"] = wh.threads
        return out

    @property
    def published_dir(self) -> Path:
        if self.warehouse.published_dir:
            return Path(self.warehouse.published_dir).expanduser().resolve()
        wh = self.warehouse_path
        return wh.with_name(wh.name + ".published")

    @staticmethod
    def secret(name: str) -> str | None:
        return secrets.get(name)


def find_config_file(explicit: str | os.PathLike | None = None) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path
    env = os.environ.get("BURNRATE_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"BURNRATE_CONFIG points to {path}, which does not exist")
        return path
    local = Path("burnrate.toml")
    return local if local.is_file() else None


def load(explicit: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the config file (if any) and the environment into a `Config`."""
    env = os.environ if env is None else env
    path = find_config_file(explicit)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for section, body in data.items():
        if section.upper() in {k.upper() for k in secrets.SECRET_ENV_VARS} or not isinstance(body, dict):
            raise ConfigError(f"{path}: unexpected top-level key [{section}]")
        for key in body:
            name = f"{section}.{key}"
            if (
                f"{section}_{key}".upper() in secrets.SECRET_ENV_VARS
                or key.upper() in secrets.SECRET_ENV_VARS
            ):
                raise ConfigError(
                    f"{path}: {name} looks like a secret; secrets come from environment variables only "
                    f"({', '.join(secrets.SECRET_ENV_VARS)})"
                )
            if name not in _BY_NAME:
                raise ConfigError(f"{path}: unknown setting {name} (see `burnrate config example`)")
    for setting in SETTINGS:
        value, origin = setting.default, "default"
        section = data.get(setting.section, {})
        if setting.key in section:
            value, origin = _coerce(setting, section[setting.key], str(path)), str(path)
        for env_name in setting.env_names:
            if env.get(env_name, "") != "":
                value, origin = _coerce(setting, env[env_name], f"${env_name}"), f"${env_name}"
                break
        values[setting.name] = value
        origins[setting.name] = origin
    return Config(values, origins, path)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_example() -> str:
    """The documented example config: every setting with its default, its doc and its env variables."""
    lines = [
        "# burnrate.toml: every setting with its default. Environment variables override this file;",
        "# secrets come from environment variables only and are never read from here:",
    ]
    lines += [f"#   {name}: {doc}" for name, doc in secrets.SECRET_ENV_VARS.items()]
    lines += ["# Relative paths are resolved against the directory you run `burnrate` from.", ""]
    for section in _SECTIONS:
        lines.append(f"# {SECTION_DOCS[section]}")
        lines.append(f"[{section}]")
        for s in (s for s in SETTINGS if s.section == section):
            lines.append(f"# {s.doc}  (env: {', '.join(s.env_names)})")
            lines.append(f"{s.key} = {_toml_value(s.default)}")
        lines.append("")
    return "\n".join(lines)
