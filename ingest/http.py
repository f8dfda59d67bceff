"""HTTP for vendor APIs: one client with bounded, polite retries.

Retried: HTTP 429 (waiting what `Retry-After` asks), 5xx, timeouts, dropped or reset connections, and a
200 whose body is not JSON (a truncated transfer). Backoff is exponential with jitter (tenacity). Not
retried: other 4xx, which name the likely cause (bad credentials, wrong host). After `retry_max_seconds` or
`retry_max_attempts` the call raises `SourceUnavailable` naming the source and what was being fetched
(e.g. the time window), never the credentials.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from burnrate import __version__
from burnrate.config import Config
from burnrate.errors import BurnrateError, SourceUnavailable
from burnrate.secrets import redact

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
HINTS = {
    401: "authentication failed: check the API key environment variables",
    403: "forbidden: the key lacks access to this project or endpoint",
    404: "not found: check the host/base URL (or the server does not offer this endpoint)",
}


class RetryableResponse(Exception):
    """A response worth retrying (429, 5xx, unparsable body)."""

    def __init__(self, status: int, detail: str, retry_after: float | None = None):
        super().__init__(f"HTTP {status}: {detail}" if status else detail)
        self.status = status
        self.retry_after = retry_after


class HttpError(BurnrateError):
    """A non-retryable HTTP error (4xx other than 429). `status` lets callers react (e.g. fall back on 404)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None when absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, RetryableResponse | httpx.TransportError)


class _Wait:
    """Honour Retry-After when the server gives one; otherwise exponential backoff with jitter."""

    def __init__(self, max_seconds: float):
        self.backoff = wait_exponential_jitter(multiplier=0.5, max=30.0, jitter=1.0)
        self.max_seconds = max_seconds

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableResponse) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_seconds)
        return self.backoff(state)


class ApiClient:
    """A JSON API client for one vendor (`source` names it in every error and log line)."""

    def __init__(
        self,
        source: str,
        base_url: str,
        cfg: Config,
        *,
        auth: httpx.Auth | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.source = source
        self.max_seconds = float(cfg.http.retry_max_seconds)
        self.max_attempts = int(cfg.http.retry_max_attempts)
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=auth,
            headers={"User-Agent": f"burnrate/{__version__}", **(headers or {})},
            timeout=httpx.Timeout(float(cfg.http.timeout_seconds)),
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _once(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        status = response.status_code
        if status in RETRY_STATUSES:
            raise RetryableResponse(
                status, response.reason_phrase, parse_retry_after(response.headers.get("Retry-After"))
            )
        if status >= 400:
            hint = HINTS.get(status, response.reason_phrase)
            detail = _error_detail(response)
            raise HttpError(f"{self.source}: {what}: HTTP {status}: {hint}{detail}", status)
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RetryableResponse(
                0,
                f"response body is not valid JSON ({exc.__class__.__name__} at char {getattr(exc, 'pos', '?')})",
            ) from None

    def request_json(self, method: str, path: str, *, what: str, **kwargs: Any) -> Any:
        """Send a request and return its parsed JSON body, retrying transient failures.

        `what` describes the call for error messages, e.g. "GET /api/public/v2/observations window …".
        """
        started = time.monotonic()
        retrying = Retrying(
            retry=retry_if_exception(_is_retryable),
            wait=_Wait(self.max_seconds),
            stop=stop_after_delay(self.max_seconds) | stop_after_attempt(self.max_attempts),
            before_sleep=lambda s: log.warning(
                "%s: %s: %s; retry %d in %.1fs",
                self.source,
                what,
                redact(s.outcome.exception()),
                s.attempt_number,
                s.next_action.sleep if s.next_action else 0,
            ),
            reraise=True,
        )
        try:
            return retrying(self._once, method, path, what, **kwargs)
        except (RetryableResponse, httpx.TransportError) as exc:
            elapsed = time.monotonic() - started
            attempts = retrying.statistics.get("attempt_number", "?")
            raise SourceUnavailable(
                f"{self.source}: {what}: unreachable after {attempts} attempts over {elapsed:.0f}s "
                f"(last error: {_describe(exc)})"
            ) from None

    def get_json(self, path: str, *, params: Any = None, what: str) -> Any:
        return self.request_json("GET", path, params=params, what=what)

    def post_json(self, path: str, *, body: Any, what: str) -> Any:
        return self.request_json("POST", path, json=body, what=what)


def _error_detail(response: httpx.Response, limit: int = 300) -> str:
    """The vendor's own explanation of a 4xx, when its JSON body has one (`error` or `message`), else ''.

    APIs such as Prometheus put the actionable part there ("exceeded maximum resolution of 11,000 points").
    """
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    text = body.get("error") or body.get("message") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return ""
    text = redact(text.strip())
    return f" ({text[:limit]}{'…' if len(text) > limit else ''})"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.TransportError):
        return f"connection failed ({type(exc).__name__})"
    return redact(exc)
