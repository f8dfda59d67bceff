"""Ingest subcommands not built yet (exit code 3)."""

from burnrate.stubs import _stub

langfuse = _stub("langfuse", "Ingest Langfuse observations (API or export files).", "LLM ingest issue")
helicone = _stub("helicone", "Ingest Helicone requests (API or export files).", "LLM ingest issue")
dcgm = _stub("dcgm", "Ingest NVIDIA DCGM GPU metrics (text snapshots or Prometheus).", "billing ingest issue")
