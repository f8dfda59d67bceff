"""The `burnrate` command line.

Each command lives in the module that owns its work and is imported only when used (see `COMMANDS`), so
`burnrate --help` is fast and a module's heavy imports (dbt, streamlit, scikit-learn) load only when needed.
Errors end the command with one line on stderr and an exit code from `burnrate.errors`.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from burnrate import __version__, config, secrets
from burnrate.errors import EXIT_FAILURE, EXIT_USAGE, BurnrateError

# command name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "generate": "burnrate.generate.cli:command",
    "ingest": "ingest.cli:group",
    "build": "burnrate.build:command",
    "detect": "alerts.cli:detect",
    "alert": "alerts.cli:alert",
    "run": "alerts.cli:run",
    "schedule": "alerts.schedule:command",
    "serve": "burnrate.serve:command",
    "sql": "burnrate.sql:command",
    "demo": "burnrate.demo:command",
    "prices": "burnrate.prices:group",
    "bench": "burnrate.bench:command",
    "config": "burnrate.config_cli:group",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, _, attr = self.lazy[name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            command.name = name
            return command
        return super().get_command(ctx, name)


class State:
    """What every command gets through `@pass_state`: the config, loaded on first use."""

    def __init__(self, config_path: str | None, verbose: int):
        self.config_path = config_path
        self.verbose = verbose
        self._config: config.Config | None = None

    @property
    def config(self) -> config.Config:
        if self._config is None:
            self._config = config.load(self.config_path)
        return self._config


pass_state = click.make_pass_decorator(State)


def _setup_logging(verbose: int, quiet: bool) -> None:
    from rich.logging import RichHandler

    from burnrate.console import err

    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = RichHandler(console=err, show_path=False, show_time=verbose > 0, markup=False)
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore", "apscheduler", "urllib3", "streamlit"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    secrets.install_log_redaction()


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="config file (default: $BURNRATE_CONFIG or ./burnrate.toml)",
)
@click.option("-v", "--verbose", count=True, help="more output; -vv also logs HTTP requests")
@click.option("-q", "--quiet", is_flag=True, help="only warnings and errors")
@click.version_option(__version__, prog_name="burnrate")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, quiet: bool) -> None:
    """Burnrate: where your AI money goes.

    Pulls LLM request logs (Langfuse, Helicone), cloud bills (FOCUS, AWS CUR 2.0, GCP, Azure) and GPU
    metrics (NVIDIA DCGM) into one DuckDB warehouse, prices and attributes every request with dbt, flags
    anomalies and budget breaches, and shows it all in a Streamlit dashboard.

    Quick start: `burnrate demo` generates a demo company, builds the warehouse and serves the dashboard.

    \b
    Exit codes: 0 ok, 1 failure, 2 usage/config error, 3 not built yet,
                4 source unreachable after retries, 75 warehouse busy (retry later).
    """
    _setup_logging(verbose, quiet)
    ctx.obj = State(config_path, verbose)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and turn errors into one line and an exit code."""
    try:
        rv = cli.main(args=argv, prog_name="burnrate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except BurnrateError as exc:
        click.echo(f"burnrate: error: {secrets.redact(exc)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence prints one redacted line
        if "-v" in (argv or sys.argv) or "--verbose" in (argv or sys.argv):
            import traceback

            click.echo(secrets.redact(traceback.format_exc()), err=True)
        click.echo(
            f"burnrate: unexpected error: {type(exc).__name__}: {secrets.redact(exc)} (-v shows the traceback)",
            err=True,
        )
        sys.exit(EXIT_FAILURE)
    sys.exit(rv if isinstance(rv, int) else 0)


__all__ = ["cli", "main", "pass_state", "State", "EXIT_USAGE"]
