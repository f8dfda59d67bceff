"""Secrets: read from environment variables only, and kept out of logs, errors and the warehouse.

Every secret Burnrate knows is listed in `SECRET_ENV_VARS`. `get()` is the only way code reads one.
`redact()` replaces any secret value (and the HTTP Basic token built from the Langfuse key pair) in a piece
of text; the CLI installs `RedactingFilter` on the root logger and redacts every error it prints.
"""

from __future__ import annotations

import base64
import logging
import os

SECRET_ENV_VARS: dict[str, str] = {
    "LANGFUSE_PUBLIC_KEY": "Langfuse project public key (pk-lf-…), the HTTP Basic user name",
    "LANGFUSE_SECRET_KEY": "Langfuse project secret key (sk-lf-…), the HTTP Basic password",
    "HELICONE_API_KEY": "Helicone API key, sent as `Authorization: Bearer …`",
    "SLACK_WEBHOOK_URL": "Slack incoming-webhook URL; without it alerts print to the console",
}

REDACTED = "[REDACTED]"
_MIN_SECRET_LEN = 4  # never 'redact' one-letter values, which would shred ordinary text


def get(name: str) -> str | None:
    """The secret's value from the environment, or None when unset or empty."""
    if name not in SECRET_ENV_VARS:
        raise KeyError(f"{name} is not a known secret")
    value = os.environ.get(name, "").strip()
    return value or None


def _secret_values() -> list[str]:
    values = [v for v in (get(n) for n in SECRET_ENV_VARS) if v and len(v) >= _MIN_SECRET_LEN]
    pk, sk = get("LANGFUSE_PUBLIC_KEY"), get("LANGFUSE_SECRET_KEY")
    if pk and sk:
        values.append(base64.b64encode(f"{pk}:{sk}".encode()).decode())
    return sorted(values, key=len, reverse=True)  # longest first, so a prefix never leaves a tail behind


def redact(text: object) -> str:
    """`text` as a string with every known secret value replaced by [REDACTED]."""
    out = str(text)
    for value in _secret_values():
        out = out.replace(value, REDACTED)
    return out


class RedactingFilter(logging.Filter):
    """Rewrites log records so no handler ever sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secret_values():
            record.msg = redact(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


def install_log_redaction() -> None:
    """Attach the redacting filter to the root logger's handlers (and to the root logger itself)."""
    root = logging.getLogger()
    flt = RedactingFilter()
    if not any(isinstance(f, RedactingFilter) for f in root.filters):
        root.addFilter(flt)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
