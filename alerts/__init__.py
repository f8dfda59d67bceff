"""Anomaly detection, budget alerts, Slack delivery and the scheduler. Reads marts only."""
