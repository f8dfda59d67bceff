"""`burnrate ingest langfuse` and `burnrate ingest helicone`: one command shape for both LLM log sources."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import click

from burnrate import console
from burnrate.cli import State, pass_state
from burnrate.errors import BurnrateError


class Timestamp(click.ParamType):
    """An ISO 8601 date or date-time; without an offset it is UTC."""

    name = "TIMESTAMP"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            ts = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO 8601 date or date-time (e.g. 2026-11-01 or 2026-11-01T06:00:00Z)"
            )
        return ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)


def make_command(name: str, module: str, what: str, api: str, keys: str) -> click.Command:
    @click.command(
        name,
        help=f"""Load {what} into the warehouse, incrementally and idempotently.

Without --from-files, pulls {api} ({keys} from the environment) in time windows,
one committed page at a time: a re-run resumes where the last one stopped, re-pulls a trailing lag window
to catch records updated after creation, and keeps exactly one row per id (the latest version).

With --from-files PATH… (or just PATH…), loads export files instead; files already loaded are skipped by fingerprint, a changed
file is re-read. Bad records go to meta.quarantine with file + line (or API window) and reason.

Exit codes: 0 ok (quarantined rows are reported, not failures), 1 nothing could be loaded,
2 configuration error (e.g. missing key), 4 the API stayed unreachable after retries.""",
    )
    @click.option(
        "--since",
        type=Timestamp(),
        help="start of the time range to pull (UTC unless an offset is given); "
        "default: the saved watermark minus the lag, or backfill_days ago on a first pull",
    )
    @click.option("--until", type=Timestamp(), help="end of the time range to pull (exclusive); default: now")
    @click.option(
        "--from-files",
        "from_files",
        is_flag=True,
        help="load the export files named by PATH… instead of calling the API (each a file, a folder "
        "searched recursively, or a glob)",
    )
    @click.argument("paths", nargs=-1, metavar="[PATH]...")
    @pass_state
    def command(state: State, since, until, from_files, paths) -> None:
        from burnrate import warehouse

        source = importlib.import_module(module)
        cfg = state.config
        if from_files and not paths:
            raise click.UsageError("--from-files needs at least one PATH")
        from_files = list(paths)
        if from_files and (since or until):
            raise click.UsageError("--since/--until apply to API pulls, not to --from-files")
        summary = None
        try:
            with warehouse.writer(cfg) as con, console.progress() as bar:
                if from_files:
                    summary = source.ingest_files(con, cfg, from_files, progress=bar)
                else:
                    summary = source.pull(con, cfg, since=since, until=until, progress=bar)
        except BurnrateError as exc:
            partial = getattr(exc, "summary", None)
            if partial is not None:
                console.out.print(partial.line() + " (before the error)", soft_wrap=True)
            raise
        console.out.print(summary.line(), soft_wrap=True)
        if summary.failures and not summary.loaded_anything:
            raise BurnrateError(
                f"{name}: nothing could be loaded: {len(summary.failures)} file(s) could not be read "
                "(reasons in meta.quarantine)"
            )

    return command


langfuse = make_command(
    "langfuse",
    "ingest.langfuse",
    "Langfuse observations (LLM generations with usage and cost) and legacy traces",
    "GET /api/public/v2/observations from langfuse.host (v1 + traces on servers without v2)",
    "LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY",
)
helicone = make_command(
    "helicone",
    "ingest.helicone",
    "Helicone requests (tokens, cost, properties)",
    "POST /v1/request/query-clickhouse from helicone.base_url",
    "HELICONE_API_KEY",
)
