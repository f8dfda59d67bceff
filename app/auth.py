"""Optional login: Streamlit's OIDC (`st.login`) and an allow-list of emails. Off by default.

With `serve.auth_required = true`, every page first requires a login through the identity provider set
up in `.streamlit/secrets.toml` (`[auth]`: `redirect_uri`, `cookie_secret`, and the provider's
`client_id`, `client_secret`, `server_metadata_url`; or a named `[auth.<provider>]` section chosen with
`serve.auth_provider`). After login, `serve.allowed_emails` decides who gets in: exact emails
(case-insensitive) or `@example.com` for a whole domain; an empty list lets in anyone the provider
authenticates. Everyone else sees "not allowed" and a log-out button. The decision itself is the pure
function `is_allowed`, tested without a provider.
"""

from __future__ import annotations

import streamlit as st

from burnrate.config import Config


def is_allowed(email: str | None, allowed: list[str]) -> bool:
    """May this (verified) email use the dashboard? Entries are emails or `@domain` suffixes."""
    if not email or "@" not in email:
        return False
    if not allowed:
        return True
    email = email.strip().lower()
    domain = email[email.rindex("@") :]
    for entry in (e.strip().lower() for e in allowed):
        if entry and (email == entry or (entry.startswith("@") and domain == entry)):
            return True
    return False


def _auth_configured(provider: str) -> bool:
    try:
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return False
    if not section:
        return False
    return not provider or provider in section


def gate(cfg: Config) -> None:
    """Stop the run unless auth is off, or the visitor is logged in and allowed."""
    if not cfg.serve.auth_required:
        return
    provider = cfg.serve.auth_provider
    if not _auth_configured(provider):
        st.error(
            "Login is required (`serve.auth_required`), but `.streamlit/secrets.toml` has no "
            f"`[auth{'.' + provider if provider else ''}]` section: see the README, Dashboard login."
        )
        st.stop()
    if not st.user.get("is_logged_in", False):
        st.title("Burnrate")
        st.write("Log in to see your organisation's AI spend.")
        st.button("Log in", on_click=st.login, args=(provider,) if provider else (), type="primary")
        st.stop()
    if not is_allowed(st.user.get("email"), cfg.serve.allowed_emails):
        st.error(f"{st.user.get('email') or 'This account'} is not allowed to use this dashboard.")
        st.button("Log out", on_click=st.logout)
        st.stop()
    st.sidebar.caption(f"Logged in as {st.user.get('email')}")
    st.sidebar.button("Log out", on_click=st.logout)
