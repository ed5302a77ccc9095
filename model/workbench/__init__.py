"""The planner's workbench: a local web app and JSON API for what-ifs on a warm model.

`create_app(folder)` gives the FastAPI application `e2eopt serve` runs (model/cli/serve.py): the
page (static/), the JSON API (api.py, documented in docs/workbench.md and at /openapi.json), the
warm models (session.py) and what the page shows (views.py). FastAPI is imported only here and
below: the rest of the package never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi import FastAPI


def create_app(folder: str | Path, *, runs: str | Path | None = None, token: str | None = None) -> FastAPI:
    """The workbench on `folder` (its scenarios), writing and reading runs under `runs` (default
    runs/ in the working folder); with `token`, every request must carry it. Serve it with uvicorn
    (docs/api.md, "The workbench")."""
    from pathlib import Path

    from model.workbench.api import create_app as make

    return make(folder, runs=runs if runs is not None else Path("runs"), token=token)


__all__ = ["create_app"]
