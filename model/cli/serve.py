"""`serve`: the planner's workbench, a local web app on a folder of scenarios (model.workbench).

FastAPI and uvicorn are imported inside the command, so that `e2eopt --help` does not load them.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import typer

from model.cli.common import EXIT, app, err, output_mode, print_stdout

DEFAULT_PORT = 8050


@app.command(name="serve", short_help="Start the workbench: a local web app for what-ifs on a warm model.")
def serve_command(
    target: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO_OR_FOLDER",
            help="The folder of scenarios to serve (default: the working folder); a scenario file serves its "
            "folder and opens the page on it.",
            show_default=False,
        ),
    ] = Path("."),
    port: Annotated[
        int,
        typer.Option("--port", metavar="N", min=0, max=65535, help="The port to listen on (0: any free one)."),
    ] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="HOST",
            help="The address to listen on. Any other than a loopback address (127.0.0.1, ::1) needs --token.",
        ),
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            metavar="TOKEN",
            help="A secret every request must carry (?token=TOKEN in the address, or an Authorization: Bearer header).",
            show_default=False,
        ),
    ] = None,
    runs: Annotated[
        Path, typer.Option("--runs", metavar="DIR", help="Where run folders are saved, and the catalogue read.")
    ] = Path("runs"),
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in the default web browser.")
    ] = False,
) -> None:
    """Start the workbench on a folder of scenarios: edit, solve, what-ifs on the warm model, sweeps,
    and saved what-ifs and runs, in the browser; the JSON API beside it (/openapi.json).

    Prints the page's address and serves until Ctrl-C (exit 0). Bad input exits 2: a folder or file
    that is not there, a host other than loopback without --token, a port in use."""
    output_mode()
    folder, scenario = _served(target)
    _check_host(host, token)
    listener = _listen(host, port)
    url = _address(host, listener.getsockname()[1], token, scenario)
    print_stdout(f"Workbench on {url} serving {folder} (Ctrl-C stops it)\n")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    _run(folder, runs, token, listener)


def _served(target: Path) -> tuple[Path, str | None]:
    """The folder to serve and the scenario to open (a file given), or exit 2."""
    if target.is_dir():
        return target, None
    if target.is_file():
        return target.parent, target.name
    err.print(f"error: {target}: no such folder or scenario file.")
    raise typer.Exit(EXIT["bad_input"])


MIN_TOKEN = 16
"""Characters a --token must have at least."""


def _check_host(host: str, token: str | None) -> None:
    """A host other than loopback serves the network: only with a token (exit 2 without one)."""
    if token is not None and len(token.strip()) < MIN_TOKEN:
        err.print(
            f"error: --token: {len(token.strip())} characters; give a secret of at least {MIN_TOKEN} "
            "(a short one is guessed by trying), e.g. python -c 'import secrets; print(secrets.token_urlsafe())'.",
            markup=False,
        )
        raise typer.Exit(EXIT["bad_input"])
    if token is None and not _loopback(host):
        err.print(
            f"error: --host {host} is reachable from other machines: give --token TOKEN too, "
            "or serve on 127.0.0.1 (the default)."
        )
        raise typer.Exit(EXIT["bad_input"])


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound now: a port in use or an address not of this machine exits 2."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        in_use = error.errno == errno.EADDRINUSE
        reason = "it is in use; choose another with --port" if in_use else (error.strerror or str(error))
        err.print(f"error: cannot listen on {host} port {port}: {reason}.")
        raise typer.Exit(EXIT["bad_input"]) from None
    listener.listen(128)
    return listener


def _address(host: str, port: int, token: str | None, scenario: str | None) -> str:
    """The page's address, with the token and the scenario to open."""
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
    query = [f"scenario={quote(scenario)}"] if scenario else []
    query += [f"token={quote(token)}"] if token else []
    return f"http://{shown}:{port}/" + ("?" + "&".join(query) if query else "")


def _run(folder: Path, runs: Path, token: str | None, listener: socket.socket) -> None:
    """Serve until Ctrl-C or SIGTERM: then exit 0, without a traceback."""
    import uvicorn

    from model.workbench import create_app

    config = uvicorn.Config(create_app(folder, runs=runs, token=token), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn raises the signal it caught again once stopped
        server.run(sockets=[listener])
    err.print("Workbench stopped.")
    raise typer.Exit(0)


__all__ = ["serve_command"]
