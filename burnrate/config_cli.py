"""`burnrate config`: show the effective settings, or print the documented example file."""

from __future__ import annotations

import click

from burnrate import config, secrets
from burnrate.cli import State, pass_state


@click.group("config")
def group() -> None:
    """Inspect configuration (burnrate.toml, environment variables, secrets)."""


@group.command("show")
@pass_state
def show(state: State) -> None:
    """Print every effective setting and where it came from; secrets show only set/unset."""
    from rich.table import Table

    from burnrate.console import out

    cfg = state.config
    table = Table(title=f"config file: {cfg.file or '(none: defaults)'}")
    for col in ("setting", "value", "from"):
        table.add_column(col)
    for setting, value, origin in cfg.items():
        table.add_row(setting.name, repr(value), origin)
    for name in secrets.SECRET_ENV_VARS:
        table.add_row(name, "set" if secrets.get(name) else "unset", "environment")
    out.print(table)


@group.command("example")
def example() -> None:
    """Print the example burnrate.toml with every setting, its default and its documentation."""
    click.echo(config.render_example(), nl=False)
