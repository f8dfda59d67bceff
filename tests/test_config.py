"""The config file, environment overrides, secrets handling, and docs that stay true."""

from __future__ import annotations

import re

import pytest

from burnrate import config, secrets
from burnrate.errors import ConfigError
from tests.conftest import ROOT


def test_example_file_is_the_rendered_settings_table():
    """burnrate.toml documents every key with its default; regenerate with `burnrate config example`."""
    assert (ROOT / "burnrate.toml").read_text() == config.render_example(), (
        "burnrate.toml is stale: run `.venv/bin/burnrate config example > burnrate.toml`"
    )


def test_every_setting_and_secret_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [s.name for s in config.SETTINGS if f"`{s.name}`" not in readme]
    missing += [n for n in secrets.SECRET_ENV_VARS if n not in readme]
    missing += [s.env for s in config.SETTINGS if s.env and s.env not in readme]
    assert not missing, f"undocumented in README.md: {missing}"


def test_defaults_file_and_env_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("BURNRATE_WAREHOUSE", raising=False)
    monkeypatch.delenv("BURNRATE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    cfg = config.load()
    assert cfg.warehouse.path == "data/warehouse.duckdb"
    assert cfg.origin("warehouse.path") == "default"

    (tmp_path / "burnrate.toml").write_text('[warehouse]\npath = "x.duckdb"\n[langfuse]\nwindow_hours = 6\n')
    cfg = config.load()
    assert (cfg.warehouse.path, cfg.langfuse.window_hours) == ("x.duckdb", 6)
    assert cfg.origin("langfuse.window_hours").endswith("burnrate.toml")

    monkeypatch.setenv("BURNRATE_WAREHOUSE", "/tmp/y.duckdb")
    monkeypatch.setenv("BURNRATE_LANGFUSE_WINDOW_HOURS", "12")
    monkeypatch.setenv("BURNRATE_BILLING_PATHS", "a/*.csv, b/")
    cfg = config.load()
    assert cfg.warehouse.path == "/tmp/y.duckdb"
    assert cfg.origin("warehouse.path") == "$BURNRATE_WAREHOUSE"
    assert cfg.langfuse.window_hours == 12
    assert cfg.billing.paths == ["a/*.csv", "b/"]
    assert cfg.warehouse_path == config.Path("/tmp/y.duckdb")
    assert cfg.published_dir.name == "y.duckdb.published"


def test_bad_values_and_unknown_keys_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BURNRATE_LANGFUSE_WINDOW_HOURS", "soon")
    with pytest.raises(
        ConfigError, match=r"\$BURNRATE_LANGFUSE_WINDOW_HOURS: langfuse.window_hours must be a int"
    ):
        config.load()
    monkeypatch.delenv("BURNRATE_LANGFUSE_WINDOW_HOURS")
    (tmp_path / "burnrate.toml").write_text("[langfuse]\nwindow_hourz = 6\n")
    with pytest.raises(ConfigError, match="unknown setting langfuse.window_hourz"):
        config.load()


def test_secrets_are_refused_in_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "burnrate.toml").write_text('[langfuse]\nsecret_key = "sk-lf-123"\n')
    with pytest.raises(ConfigError, match="environment variables only") as err:
        config.load()
    assert "sk-lf-123" not in str(err.value)


def test_redaction_covers_values_and_the_basic_auth_token(monkeypatch):
    import base64

    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-lf-FAKEPUBLIC")
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-FAKESECRET")
    token = base64.b64encode(b"pk-lf-FAKEPUBLIC:sk-lf-FAKESECRET").decode()
    text = secrets.redact(f"auth sk-lf-FAKESECRET and Basic {token}")
    assert "FAKESECRET" not in text and token not in text
    assert re.findall(r"\[REDACTED\]", text) == ["[REDACTED]", "[REDACTED]"]
