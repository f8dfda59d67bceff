"""Errors that end a command with one clear line and an exit code scripts can rely on.

Exit codes (documented in the README):

  0   success (rows quarantined along the way are reported, not failures)
  1   failure: nothing could be loaded, a build or test failed, an unexpected error
  2   usage or configuration error
  3   the command exists but is not built yet
  4   a source (API, Prometheus, Slack) stayed unreachable after retries
  75  the warehouse is busy: another writer held it past the lock timeout (retry later)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_BUILT = 3
EXIT_UNREACHABLE = 4
EXIT_BUSY = 75


class BurnrateError(Exception):
    """An expected failure: the message is shown to the user as is (after secret redaction)."""

    exit_code = EXIT_FAILURE


class ConfigError(BurnrateError):
    exit_code = EXIT_USAGE


class NotBuiltYet(BurnrateError):
    exit_code = EXIT_NOT_BUILT

    def __init__(self, command: str, issue: str):
        super().__init__(f"`burnrate {command}` is not built yet ({issue}).")


class SourceUnavailable(BurnrateError):
    """A vendor endpoint stayed unreachable (or kept failing) after bounded retries."""

    exit_code = EXIT_UNREACHABLE


class WarehouseBusy(BurnrateError):
    exit_code = EXIT_BUSY


class InputError(BurnrateError):
    """Bad input that cannot be quarantined row by row (e.g. an unreadable file); names file, row, field."""

    exit_code = EXIT_FAILURE
