"""Optional OIDC login: the allow-list decision, and what the app shows before anyone logs in."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.auth import is_allowed
from tests.app.test_pages import APP


@pytest.mark.parametrize(
    ("email", "allowed", "ok"),
    [
        ("ana@acme.com", [], True),  # no list: anyone the identity provider authenticates
        ("ana@acme.com", ["ana@acme.com"], True),
        ("Ana@ACME.com", ["ana@acme.com"], True),
        ("bob@acme.com", ["ana@acme.com"], False),
        ("bob@acme.com", ["@acme.com"], True),
        ("bob@evil-acme.com", ["@acme.com"], False),
        ("bob@acme.com.evil.io", ["@acme.com"], False),
        ("mallory@evil.io", ["ana@acme.com", "@acme.com"], False),
        (None, [], False),
        ("", ["@acme.com"], False),
        ("not-an-email", [], False),
    ],
)
def test_allow_list(email, allowed, ok):
    assert is_allowed(email, allowed) is ok


def test_login_required_without_an_auth_section_says_how_to_configure(built_cfg, use_cfg, monkeypatch):
    use_cfg(built_cfg)
    monkeypatch.setenv("BURNRATE_SERVE_AUTH_REQUIRED", "true")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "[auth]" in at.error[0].value and "secrets.toml" in at.error[0].value
    assert not at.metric  # no data shown


def test_login_required_shows_only_a_login_button(built_cfg, use_cfg, monkeypatch):
    use_cfg(built_cfg)
    monkeypatch.setenv("BURNRATE_SERVE_AUTH_REQUIRED", "true")
    monkeypatch.setenv("BURNRATE_SERVE_ALLOWED_EMAILS", "@acme.com")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "burnrate",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.metric and not at.sidebar.multiselect


def test_login_is_off_by_default(built_cfg, use_cfg):
    use_cfg(built_cfg)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and at.metric
