"""Ingestion: one module per source. Writes raw tables (schema `raw`) and ingest bookkeeping (schema `meta`)."""
