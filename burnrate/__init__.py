"""Burnrate: a FinOps warehouse and dashboard for AI spend."""

__version__ = "0.1.0"
