"""`burnrate ingest <source>`: one subcommand per source, each in the module that owns the source."""

from __future__ import annotations

import click

from burnrate.cli import LazyGroup

SOURCES: dict[str, str] = {
    "langfuse": "ingest.llmcli:langfuse",
    "helicone": "ingest.llmcli:helicone",
    "billing": "ingest.billing:command",
    "dcgm": "ingest.dcgm:command",
}


@click.group("ingest", cls=LazyGroup, lazy=SOURCES)
def group() -> None:
    """Load a source into the warehouse's raw tables, incrementally and idempotently.

    Re-running is safe: files already loaded are skipped by fingerprint, API pulls resume from their
    watermark, and bad records are quarantined with a reason (see the meta.quarantine table).
    """
