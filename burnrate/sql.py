"""`burnrate sql`: read-only SQL on the published snapshot — one query, or an interactive prompt.

`burnrate sql "select …"` (or the query on stdin) prints a table (`--csv`, `--json` for scripts);
without a query on a terminal it opens a prompt (statements end with `;`, `.tables`, `.schema NAME`,
`.quit`). Every statement goes through `burnrate.sqlguard`, the guard the dashboard's SQL page uses:
read-only statements only, on a locked-down read-only connection, with a row limit and a timeout.
`--live` reads the writer's file read-only instead (only while no writer holds it).
"""

from __future__ import annotations

import sys

import click

from burnrate import sqlguard, warehouse
from burnrate.cli import State, pass_state
from burnrate.config import Config
from burnrate.errors import BurnrateError

HELP = "statements end with ';'   .tables   .schema NAME   .quit"


def run_query(cfg: Config, text: str, *, live: bool, row_limit: int, timeout: float) -> sqlguard.Result:
    with warehouse.reader(cfg, live=live) as con:
        sqlguard.lock_down(con)
        return sqlguard.run(con, text, row_limit=row_limit, timeout=timeout)


def show(result: sqlguard.Result, fmt: str) -> None:
    """Print a result to stdout as a rich table, CSV or JSON; notes go to stderr."""
    from rich.table import Table

    from burnrate.console import err, out

    frame = result.frame
    if fmt == "csv":
        sys.stdout.write(frame.write_csv())
    elif fmt == "json":
        sys.stdout.write(frame.write_json() + "\n")
    else:
        table = Table(show_lines=False, header_style="bold")
        for name, dtype in zip(frame.columns, frame.dtypes, strict=True):
            table.add_column(name, justify="right" if dtype.is_numeric() else "left")
        for row in frame.iter_rows():
            table.add_row(*("" if v is None else str(v) for v in row))
        out.print(table)
    more = " (row limit reached; more rows exist)" if result.truncated else ""
    err.print(f"{frame.height:,} rows in {result.seconds * 1000:,.0f} ms{more}", style="dim")


SHORTCUTS = {
    ".tables": "select table_schema as schema, table_name from information_schema.tables "
    "where table_schema in ('marts', 'alerts') order by 1, 2",
}


def _shortcut(line: str) -> str | None:
    words = line.strip().rstrip(";").split()
    if not words:
        return None
    if words[0] == ".schema" and len(words) == 2:
        return f"describe {words[1]}"
    return SHORTCUTS.get(words[0])


def interactive(cfg: Config, *, live: bool, row_limit: int, timeout: float, fmt: str) -> None:
    """A small REPL: read statements until ';', run each through the guard, print the result."""
    import readline  # noqa: F401 - line editing and history for input()

    from burnrate.console import err

    err.print(f"burnrate sql: read-only, {row_limit:,} rows max, {timeout:g}s per query. {HELP}")
    buffer: list[str] = []
    while True:
        try:
            line = input("sql> " if not buffer else " ..> ")
        except EOFError:
            break
        except KeyboardInterrupt:
            buffer = []
            err.print("")
            continue
        if not buffer and line.strip() in (".quit", ".exit", "quit", "exit"):
            break
        if not buffer and line.strip().startswith("."):
            text = _shortcut(line)
            if text is None:
                err.print(HELP)
                continue
        else:
            buffer.append(line)
            if not line.rstrip().endswith(";"):
                continue
            text, buffer = "\n".join(buffer), []
        try:
            show(run_query(cfg, text, live=live, row_limit=row_limit, timeout=timeout), fmt)
        except BurnrateError as exc:
            err.print(f"[red]{exc}[/]")


@click.command("sql")
@click.argument("query", required=False)
@click.option("--csv", "fmt", flag_value="csv", help="print CSV")
@click.option("--json", "fmt", flag_value="json", help="print JSON (one array of rows)")
@click.option(
    "--live", is_flag=True, help="read the warehouse file itself (read-only; fails while a writer holds it)"
)
@click.option("--limit", type=int, help="most rows returned (default: serve.row_limit)")
@click.option(
    "--timeout", type=float, help="seconds before a query is stopped (default: serve.query_timeout_seconds)"
)
@pass_state
def command(
    state: State, query: str | None, fmt: str | None, live: bool, limit: int | None, timeout: float | None
) -> None:
    """Read-only SQL on the published warehouse snapshot.

    \b
    burnrate sql "select team_id, sum(effective_cost) from fct_llm_requests group by 1"
    echo "select * from dim_teams" | burnrate sql --csv
    burnrate sql            # interactive prompt

    Only reads run: writes, ATTACH, COPY/EXPORT, INSTALL/LOAD, SET, file-reading functions are refused
    (exit code 2). Unqualified names resolve in marts, then alerts.
    """
    cfg = state.config
    row_limit = limit or cfg.serve.row_limit
    seconds = timeout or cfg.serve.query_timeout_seconds
    if query in (None, "-") and not sys.stdin.isatty():
        query = sys.stdin.read()
    if query is None:
        interactive(cfg, live=live, row_limit=row_limit, timeout=seconds, fmt=fmt or "table")
        return
    show(run_query(cfg, query, live=live, row_limit=row_limit, timeout=seconds), fmt or "table")
