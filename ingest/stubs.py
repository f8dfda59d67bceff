"""Ingest subcommands not built yet (exit code 3)."""

from burnrate.stubs import _stub

billing = _stub(
    "billing", "Ingest cloud billing exports (FOCUS, CUR 2.0, GCP, Azure).", "billing ingest issue"
)
