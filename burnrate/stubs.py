"""Commands whose work is not built yet: each says so clearly (exit code 3) instead of pretending.

A command moves out of here into the module that owns its work when that work lands.
"""

from __future__ import annotations

import click

from burnrate.errors import NotBuiltYet


def _stub(name: str, summary: str, issue: str) -> click.Command:
    @click.command(name, help=f"{summary}\n\nNot built yet: {issue}.")
    def command() -> None:
        raise NotBuiltYet(name, issue)

    return command
