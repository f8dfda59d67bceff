"""`burnrate serve`: run the Streamlit dashboard, print its URL, stay up until Ctrl-C.

`serve(cfg)` is what `burnrate demo` calls at its end. It starts `streamlit run app/streamlit_app.py` as a
child process bound to `serve.host` (127.0.0.1 by default: nothing is exposed unless you say so) and
`serve.port` (or `STREAMLIT_SERVER_PORT` when set), headless and without usage statistics, waits until
the server answers its health check, prints the URL and blocks. Ctrl-C or SIGTERM stops the server. The
dashboard reads the published snapshot only; without one it still starts and every page says what to run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click

from burnrate.cli import State, pass_state
from burnrate.config import Config
from burnrate.errors import BurnrateError

APP = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"


def address(cfg: Config, host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """Host and port to bind: explicit values, else STREAMLIT_SERVER_PORT (port), else the settings."""
    env_port = os.environ.get("STREAMLIT_SERVER_PORT", "").strip()
    return host or cfg.serve.host, port or (int(env_port) if env_port else cfg.serve.port)


def command_line(cfg: Config, host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
        "--client.showErrorDetails", "none",
        "--theme.base", "light",
    ]  # fmt: skip


def _child_env(cfg: Config) -> dict[str, str]:
    env = dict(os.environ)
    if cfg.file is not None:
        env["BURNRATE_CONFIG"] = str(Path(cfg.file).resolve())
    env["BURNRATE_WAREHOUSE"] = str(cfg.warehouse_path)
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return env


def _wait_healthy(proc: subprocess.Popen, host: str, port: int, timeout: float = 60.0) -> None:
    probe = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{probe}:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BurnrateError(
                f"the dashboard exited with code {proc.returncode} before it was up (is port {port} free?)"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - our own local server
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise BurnrateError(f"the dashboard did not answer on {url} within {timeout:.0f}s")


def _interrupt(signum, frame) -> None:
    """SIGTERM stops the dashboard the way Ctrl-C does."""
    raise KeyboardInterrupt


def public_url(cfg: Config, host: str, port: int) -> str:
    if cfg.serve.public_url:
        return cfg.serve.public_url.rstrip("/")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{shown}:{port}"


def serve(cfg: Config, *, host: str | None = None, port: int | None = None) -> int:
    """Start the dashboard, print its URL, and block until Ctrl-C (or SIGTERM); returns the server's exit code."""
    from burnrate import warehouse
    from burnrate.console import err

    host, port = address(cfg, host, port)
    try:
        warehouse.current_snapshot(cfg)
    except warehouse.NoSnapshotYet:
        err.print(
            "[yellow]no published warehouse snapshot yet[/]: every page will say what to run (`burnrate run`)"
        )
    # the server's own chatter goes to stderr: stdout carries only the URL, for scripts
    if host not in ("127.0.0.1", "localhost", "::1") and not cfg.serve.auth_required:
        err.print(
            f"[yellow]the dashboard binds {host}: anyone who can reach this machine sees your spend; "
            "set serve.auth_required (OIDC login) or bind 127.0.0.1[/]"
        )
    proc = subprocess.Popen(command_line(cfg, host, port), env=_child_env(cfg), stdout=sys.stderr)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _wait_healthy(proc, host, port)
        url = public_url(cfg, host, port)
        err.print(f"Burnrate dashboard: [bold]{url}[/]  (Ctrl-C to stop)")
        print(url, flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        err.print("stopping the dashboard")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@click.command("serve")
@click.option("--host", help="address to bind (default: serve.host, 127.0.0.1)")
@click.option("--port", type=int, help="port (default: $STREAMLIT_SERVER_PORT, else serve.port)")
@pass_state
def command(state: State, host: str | None, port: int | None) -> None:
    """Serve the dashboard (Streamlit) on http://127.0.0.1:8501 until Ctrl-C.

    Reads the published read-only snapshot only, so it never blocks `burnrate run` or `schedule`.
    Binds 127.0.0.1 unless serve.host says otherwise; set serve.auth_required for an OIDC login.
    """
    code = serve(state.config, host=host, port=port)
    if code not in (0, -signal.SIGTERM):
        raise BurnrateError(f"the dashboard server exited with code {code}")
