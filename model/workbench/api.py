"""The workbench's HTTP face: the JSON API (docs/workbench.md; OpenAPI at /openapi.json), the page and
its static files.

Routes are plain `def` functions: FastAPI runs them in its thread pool, so that /api/progress and
/api/cancel answer while a solve runs in another thread. Every error is a JSON answer
`{"error": "<one line>", "problems": [...]}` (never an HTML page, never a 500 for bad input): 400 a
bad request, 401 no or a wrong token, 403 a path outside the served folder, 404 no such file or run,
409 cancelled or already there, 422 the scenario or an override is invalid (each problem located).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from pydantic.functional_validators import AfterValidator
from starlette.exceptions import HTTPException

from model.errors import ScenarioError
from model.formatting import plain_json
from model.workbench import views
from model.workbench.saving import EDITED_MARK, cli_path
from model.workbench.session import SUFFIXES, Refused, Workbench, as_typed
from model.workbench.views import scenario_document, solve_document

LOG = logging.getLogger("e2eopt.workbench")


def _version() -> str:
    """The installed package's version (as `e2eopt --version` gives it)."""
    from importlib import metadata

    try:
        return metadata.version("e2e-optimiser")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


VERSION = _version()
STATIC = Path(str(resources.files("model.workbench") / "static"))
"""The page's files (index.html, app.js, app.css): package data."""

Value = StrictStr | StrictInt | StrictFloat


SetValues = Annotated[dict[str, Value], AfterValidator(lambda values: {p: as_typed(v) for p, v in values.items()})]
"""A request's `set`: a negative JSON number kept as the command line types "set to" it (session.as_typed)."""


class ScenarioRequest(BaseModel):
    """A scenario, and what differs from it: the body of validate, solve, sweep and save/run."""

    model_config = ConfigDict(extra="forbid")
    scenario: str | None = Field(None, description="A scenario or what-if file, relative to the served folder.")
    yaml: str | None = Field(
        None, description="A scenario's text, read as if it were the file `scenario` (default '(edited).yaml')."
    )
    set: SetValues = Field(
        default_factory=dict,
        description="Field path -> value in the --set grammar: 800, '*1.1', '+5%', or a per-period list '[700, 800]'.",
    )
    remove: list[StrictStr] = Field(default_factory=list, description="Paths to remove, as --remove takes them.")
    request_id: str | None = Field(None, description="A client-chosen id, for /api/progress and /api/cancel.")


class ValidateRequest(ScenarioRequest):
    lp: StrictBool = Field(True, description="Count the LP it will build (its size); false answers faster, `lp` null.")


class SolveRequest(ScenarioRequest):
    view: StrictBool = Field(True, description="Add the report's sections (figures as plotly JSON).")
    base_view: StrictBool = Field(False, description="Add the base's sections too.")


class SweepRequest(ScenarioRequest):
    path: StrictStr = Field(description="The field path to sweep (wildcards allowed), e.g. demands.*.volume.")
    values: StrictStr | list[Value] = Field(
        description="The values, in the sweep --grid grammar: '*0.8:*1.2:0.1' (START:STOP:STEP), or a list."
    )


class SaveWhatIf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base: StrictStr = Field(description="The base scenario (or what-if) file, relative to the served folder.")
    set: SetValues = Field(default_factory=dict, description="Field path -> value, as in a solve request.")
    remove: list[StrictStr] = Field(default_factory=list, description="Paths to remove.")
    name: StrictStr = Field(description="The what-if's file name (NAME.yaml), written next to its base.")
    overwrite: StrictBool = Field(False, description="Replace a file of that name (otherwise 409).")


class SaveScenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr = Field(
        description="The file to write, relative to the served folder: NAME.yaml (or SUB/NAME.yaml, an existing "
        "sub-folder)."
    )
    yaml: StrictStr = Field(description="The scenario's text; written only if it validates as that file.")
    overwrite: StrictBool = Field(False, description="Replace a file of that name (otherwise 409).")


class ProblemAnswer(BaseModel):
    """One located problem, as `e2eopt validate --json` lists them (model.errors.Problem)."""

    file: str = Field(description="The file (or `set`, `remove`, `values`, a workbook's name) it is in.")
    line: int | None = Field(description="1-based line (or a workbook's row), null when not known.")
    column: int | None = Field(description="1-based column, null when not known.")
    path: str = Field(description="The field path, e.g. demands.retail_orders.volume.")
    message: str
    hint: str = ""


class ErrorAnswer(BaseModel):
    """Every error answer: one line saying what is wrong, and the located problems (422: the scenario's).
    A 422 of a scenario also carries `"valid": false`; GET /api/scenario's 422 its `path` and `yaml`."""

    model_config = ConfigDict(extra="allow")
    error: str = Field(description="One line: what is wrong, and what is allowed.")
    problems: list[ProblemAnswer] = Field(
        description="Each problem located (empty when the request as a whole is wrong)."
    )


class HealthAnswer(BaseModel):
    status: str
    version: str
    folder: str
    warm_models: int


class PathAnswer(BaseModel):
    path: str = Field(description="The file written, relative to the served folder.")


class RunAnswer(BaseModel):
    run_folder: str
    status: str
    objective: float | None


class CancelAnswer(BaseModel):
    cancelled: bool


class ProgressAnswer(BaseModel):
    request_id: str
    state: str
    phase: str | None
    done: int
    total: int
    seconds: float


class SweepPoint(BaseModel):
    value: str
    status: str
    message: str | None
    objective: float | None
    currency: str
    kpis: dict[str, float | bool | None]


class SweepAnswer(BaseModel):
    path: str
    values: list[str]
    points: list[SweepPoint]
    units: dict[str, str]
    cancelled: bool


def _errors_documented(*extra: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route may give, each with ErrorAnswer's schema (not FastAPI's `{"detail"}`)."""
    said = {
        400: "A bad request (not JSON, an unknown or missing field, a wrong type).",
        401: "No token, or a wrong one (with --token).",
        403: "A path outside the served folder, or a place that cannot be written.",
        404: "No such file or run folder.",
        409: "Cancelled, or already there.",
        413: "The body is too large.",
        422: "The scenario, an override or a workbook is invalid: each problem located.",
        507: "The disk could not take what was to be written; nothing was written.",
    }
    return {
        status: {"model": ErrorAnswer, "description": said[status]}
        for status in sorted({400, 401, 403, 404, 409, 422, *extra})
    }


ERRORS = _errors_documented()
BODY_ERRORS = _errors_documented(413)
WRITE_ERRORS = _errors_documented(413, 507)


def create_app(folder: str | Path, *, runs: str | Path = Path("runs"), token: str | None = None) -> FastAPI:
    """The workbench on `folder` (its scenarios), writing and reading runs under `runs`; with `token`,
    every request must carry it (`?token=` or `Authorization: Bearer`)."""
    bench = Workbench(Path(folder), Path(runs))
    app = FastAPI(
        title="e2eopt workbench",
        version=VERSION,
        description="What-ifs on a warm model: validate, solve, sweep and save scenarios under a served folder.",
        docs_url=None,  # /docs and /redoc fetch their assets from a CDN: off; /openapi.json is on
        redoc_url=None,
    )
    app.state.bench = bench
    _errors(app)
    app.add_middleware(BodyLimit)
    if token is not None:
        _guard(app, token)
    _page(app)
    _routes(app, bench)
    return app


class BodyLimit:
    """Refuse a request body over MAX_WORKBOOK bytes (413), by its Content-Length or, sent in chunks,
    as soon as it has more: a JSON body is held whole in memory and parsed (80 MB took 7 s)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if length.isdigit() and int(length) > MAX_WORKBOOK:
            await too_large(int(length))(scope, receive, send)
            return
        taken = 0

        async def counted() -> dict:
            nonlocal taken
            message = await receive()
            taken += len(message.get("body", b""))
            if taken > MAX_WORKBOOK:
                raise BodyTooLarge(taken)
            return dict(message)

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge as error:
            await too_large(error.size)(scope, receive, send)


class BodyTooLarge(HTTPException):
    """A body sent in chunks grew over the limit: a 413 (an HTTPException, which FastAPI's body
    reading passes on as it is)."""

    def __init__(self, size: int) -> None:
        super().__init__(413, too_large_message(size))
        self.size = size


def too_large_message(size: int) -> str:
    return f"the body is {size:,} bytes or more; at most {MAX_WORKBOOK:,} are taken"


def too_large(size: int) -> JSONResponse:
    return error_answer(413, too_large_message(size))


BODIES: dict[str, type[BaseModel]] = {}
"""Each POST route's body model, by path: what an unknown field's message lists as allowed."""


# ---- errors ---------------------------------------------------------------------------------------


def error_answer(status: int, message: str, problems: list[dict] | None = None, **extra: Any) -> JSONResponse:
    """The one form of every error answer."""
    return JSONResponse({"error": message, "problems": problems or [], **extra}, status_code=status)


def _errors(app: FastAPI) -> None:
    """Every failure as a JSON answer with its status; an unexpected one logged, as a 500."""

    @app.exception_handler(ScenarioError)
    def scenario_error(request: Request, error: ScenarioError) -> JSONResponse:
        return scenario_answer(error)

    @app.exception_handler(Refused)
    def refused(request: Request, error: Refused) -> JSONResponse:
        return error_answer(error.status, error.message)

    @app.exception_handler(RequestValidationError)
    def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_answer(400, _request_problem(error.errors(), BODIES.get(request.url.path)))

    @app.exception_handler(HTTPException)
    def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return error_answer(error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    def internal(request: Request, error: Exception) -> JSONResponse:
        LOG.error("internal error answering %s %s", request.method, request.url.path, exc_info=error)
        first = (str(error).strip().splitlines() or [""])[0][:300]
        return error_answer(500, f"internal error: {type(error).__name__}: {first}")


def scenario_answer(error: ScenarioError, **extra: Any) -> JSONResponse:
    """422: the scenario is invalid, each problem located (as `e2eopt validate --json` gives them)."""
    problems = [asdict(problem) for problem in error.problems]
    first = str(error.problems[0]).splitlines()[0] if error.problems else "the scenario is invalid"
    return error_answer(422, first, problems, valid=False, **extra)


def file_text(path: Path) -> str:
    """A file's text for the editor (bytes that are not UTF-8 shown as U+FFFD: the problems name them)."""
    return path.read_bytes().decode("utf-8", errors="replace")


def _request_problem(errors: Any, body: type[BaseModel] | None) -> str:
    """The first thing wrong with a request, in one line naming the field of the JSON body (or the
    query parameter) and what is allowed."""
    for item in errors:
        kind, loc = item.get("type", ""), tuple(item.get("loc", ()))
        where = ".".join(str(part) for part in loc[1:] if not str(part).startswith(("str", "int", "float")))
        if kind == "json_invalid":
            return f"the body is not valid JSON: {item.get('ctx', {}).get('error', item.get('msg'))}"
        if loc == ("body",):
            return _body_problem(kind, item.get("input"))
        if kind == "extra_forbidden":
            allowed = f"; allowed: {', '.join(body.model_fields)}" if body is not None else ""
            return f"unknown field '{where}' in the request{allowed}"
        if kind == "missing":
            return f"'{where}' is required"
        if loc[:2] == ("body", "set") and len(loc) > 2:
            return (
                f"'{where}': {_short(item.get('input'))} is not a value: give a number, or text in the --set "
                "grammar ('*1.1', '+5%', '800', or a per-period list '[700, 800, 900]')"
            )
        return f"'{where}': {item.get('msg', 'not allowed')} (got {_short(item.get('input'))})"
    return "bad request"


def _body_problem(kind: str, given: object) -> str:
    """What is wrong with the body as a whole: missing, not JSON, or not a JSON object."""
    if kind == "missing":
        return "the body is missing: send a JSON object (Content-Type: application/json)"
    if isinstance(given, bytes | str):  # sent without Content-Type: application/json
        try:
            json.loads(given)
        except ValueError as error:
            return f"the body is not valid JSON: {error}"
        return "the body is JSON but not sent as such: add the header Content-Type: application/json"
    return f"the body must be a JSON object, not {type(given).__name__}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---- the token ------------------------------------------------------------------------------------


def _guard(app: FastAPI, token: str) -> None:
    """With --token, every request carries it, as `?token=T` or `Authorization: Bearer T`; else 401.
    Compared in constant time."""
    expected = token.encode("utf-8")

    @app.middleware("http")
    async def check_token(request: Request, call_next: Any) -> Response:
        given = request.query_params.get("token")
        header = request.headers.get("authorization", "")
        if given is None and header.lower().startswith("bearer "):
            given = header[7:].strip()
        if given is None or not hmac.compare_digest(given.encode("utf-8"), expected):
            reason = "no token given" if given is None else "wrong token"
            return error_answer(401, f"{reason}: add ?token=... to the address, or an Authorization: Bearer header")
        response: Response = await call_next(request)
        return response


# ---- the page ------------------------------------------------------------------------------------


FALLBACK_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>e2eopt workbench</title></head>
<body><h1>e2eopt workbench</h1><p>The page's files are not installed; the JSON API answers at
<a href="/openapi.json">/openapi.json</a>.</p></body></html>"""


def _page(app: FastAPI) -> None:
    """The page (static/index.html), its files, and plotly.js from the installed plotly package."""

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        page = STATIC / "index.html"
        if page.is_file():
            return FileResponse(page, media_type="text/html")
        return HTMLResponse(FALLBACK_PAGE)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        import plotly

        return FileResponse(
            Path(plotly.__file__).parent / "package_data" / "plotly.min.js", media_type="text/javascript"
        )

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        target = (STATIC / name).resolve()
        if not target.is_relative_to(STATIC.resolve()) or not target.is_file():
            raise Refused(404, f"no such file: /static/{name}")
        return FileResponse(target, media_type=_MEDIA.get(target.suffix, "application/octet-stream"))


def _routes(app: FastAPI, bench: Workbench) -> None:
    """The JSON API (docs/workbench.md)."""

    @app.get("/api/health", responses={200: {"model": HealthAnswer}, **ERRORS})
    def health() -> JSONResponse:
        """Whether the server answers, what it serves, and how many warm models it holds."""
        return answer(
            {"status": "ok", "version": VERSION, "folder": str(bench.folder), "warm_models": bench.warm_models()}
        )

    @app.get("/api/scenarios", responses=ERRORS)
    def scenarios() -> JSONResponse:
        """The scenario and what-if files under the served folder (two levels deep; not runs, hidden
        folders or sweep files), each with its base and whether it is valid."""
        return answer({"folder": str(bench.folder), "scenarios": listing(bench)})

    @app.get("/api/scenario", responses=ERRORS)
    def scenario(path: Annotated[str, Query(description="A file relative to the served folder.")]) -> JSONResponse:
        """One file: its text, the scenario it resolves to (plain data), its overrides, the tables of
        the figures planners change most, and validate's document."""
        target = bench.locate(path)  # 403 outside the folder, 404 missing: no text sent for those
        try:
            return answer(scenario_document(bench, path))
        except ScenarioError as error:  # a broken file: its problems, and its text to fix it in the editor
            return scenario_answer(error, path=bench.shown(target), yaml=file_text(target))

    @app.post("/api/validate", responses=BODY_ERRORS)
    def validate(request: ValidateRequest) -> JSONResponse:
        """validate --json's document for the request's scenario: 200 when valid, 422 with the
        located problems otherwise."""
        from model.scenario.overrides import overrides_applied
        from model.validity import stages_of, validity

        base = bench.base(request.scenario, request.yaml, request.set, request.remove)
        resolved = bench.variant(base, request.set, request.remove)
        scenario = resolved.scenario
        document = validity(base.path, scenario, overrides_applied(resolved.changes), stages_of(scenario))
        if not request.lp:
            document["lp"] = None
        return answer(document)

    @app.post("/api/solve", responses=BODY_ERRORS)
    def solve(request: SolveRequest) -> JSONResponse:
        """Solve the request's what-if on its base's warm model: solve --json's document, how it was
        solved and how long it took, and (when asked) the report's sections and the bridge from the base."""
        started = time.perf_counter()
        with bench.request(request.request_id) as progress:
            solved = bench.solve(request.scenario, request.yaml, request.set, request.remove, progress)
            progress.tell("answer")
            document = solve_document(solved, request.set, request.remove)
            if solved.base.text is None:  # a file: the command runs from the server's working folder
                document["command"] = views.command_of(
                    cli_path(bench.folder / solved.base.path), request.set, request.remove
                )
            else:  # edited text is no file on disk: no command solves it (a saved run folder does)
                document["command"] = None
                document["input"]["file"] = f"{solved.base.path} {EDITED_MARK}"
            if request.view:
                progress.tell("view")
                changed = bool(request.set or request.remove)
                document.update(views.solve_views(solved, document, request.base_view, changed))
        document["resolve"]["seconds"] = round(time.perf_counter() - started, 6)
        return answer(document)

    @app.get("/api/progress/{request_id}", responses={200: {"model": ProgressAnswer}, **ERRORS})
    def progress(request_id: str) -> JSONResponse:
        """What the request `request_id` is doing: its phase, points done of a sweep, seconds so far."""
        return answer(bench.progress(request_id))

    @app.post("/api/cancel/{request_id}", responses={200: {"model": CancelAnswer}, **ERRORS})
    def cancel(request_id: str) -> JSONResponse:
        """Stop the request `request_id` (a solve answers 409; a sweep the points done, `cancelled`
        true); whether it was running."""
        return answer({"cancelled": bench.cancel(request_id)})

    @app.post("/api/sweep", responses={200: {"model": SweepAnswer}, **BODY_ERRORS})
    def sweep(request: SweepRequest) -> JSONResponse:
        """Solve the request's what-if at each value of one field, on the warm model: each point's
        status, objective and KPIs. Progress is told point by point; a cancel stops it, and it answers
        the points done so far with `cancelled` true (200)."""
        from model.workbench.sweeping import sweep_points, sweep_values

        values = sweep_values(request)  # counted first: progress says "0 of N" from the start
        with bench.request(request.request_id, partial=True, total=len(values)) as progress:
            document = sweep_points(bench, request, values, progress)
        return answer(document)

    @app.post("/api/save/whatif", responses={200: {"model": PathAnswer}, **WRITE_ERRORS})
    def save_whatif(request: SaveWhatIf) -> JSONResponse:
        """Write a what-if file (extends its base, with `set` and `remove`) next to its base."""
        from model.workbench.saving import save_whatif

        return answer(
            {"path": save_whatif(bench, request.base, request.set, request.remove, request.name, request.overwrite)}
        )

    @app.post("/api/save/scenario", responses={200: {"model": PathAnswer}, **WRITE_ERRORS})
    def save_scenario(request: SaveScenario) -> JSONResponse:
        """Write a scenario's text (an upload kept, or a file fixed in the editor) as a file of the served
        folder, if it validates there."""
        from model.workbench.saving import save_scenario

        return answer({"path": save_scenario(bench, request.name, request.yaml, request.overwrite)})

    @app.post("/api/save/run", responses={200: {"model": RunAnswer}, **WRITE_ERRORS})
    def save_run(request: ScenarioRequest) -> JSONResponse:
        """Solve the request's what-if (warm) and write its run folder under the runs folder, as
        `e2eopt solve` would."""
        from model.workbench.saving import save_run

        with bench.request(request.request_id) as progress:
            solved = bench.solve(request.scenario, request.yaml, request.set, request.remove, progress)
            progress.tell("write")
            folder = save_run(bench, solved, request.set, request.remove)
        return answer(
            {"run_folder": str(folder), "status": solved.outcome.status, "objective": solved.outcome.objective}
        )

    @app.get("/api/template", responses=ERRORS)
    def template(path: Annotated[str, Query(description="A file relative to the served folder.")]) -> Response:
        """The scenario (a what-if resolved) as an Excel workbook to edit, as `e2eopt template` writes it."""
        base = bench.base(path, None)
        return workbook_answer(base.resolved.data, base.path)

    @app.post("/api/template", responses=BODY_ERRORS)
    def template_of(request: ScenarioRequest) -> Response:
        """The request's what-if (its base with `set` and `remove` applied) as an Excel workbook."""
        base = bench.base(request.scenario, request.yaml, request.set, request.remove)
        return workbook_answer(bench.variant(base, request.set, request.remove).data, base.path)

    @app.post("/api/import", responses=BODY_ERRORS)
    async def import_workbook(
        request: Request,
        name: Annotated[str, Query(description="The workbook's file name, named in every problem.")] = "upload.xlsx",
    ) -> JSONResponse:
        """The uploaded workbook (the request's body: the .xlsx file's bytes) as scenario YAML text, validated
        as `e2eopt import` does: 200 `{"yaml": ...}`, or 422 with each problem located by sheet, row and
        column and by its field path."""
        from starlette.concurrency import run_in_threadpool

        from model.scenario.excel import read_workbook

        content = await request.body()
        if len(content) > MAX_WORKBOOK:
            raise Refused(413, f"the workbook is {len(content):,} bytes; at most {MAX_WORKBOOK:,} are taken")
        shown = Path(name).name or "upload.xlsx"
        text = await run_in_threadpool(read_workbook, content, shown)  # openpyxl's parse is not for the event loop
        return answer({"name": shown, "yaml": text.decode("utf-8")})

    @app.get("/api/runs", responses=ERRORS)
    def runs() -> JSONResponse:
        """`e2eopt runs list --json`'s document for the runs folder (empty when it does not exist yet)."""
        from model.catalogue import scan

        if not bench.runs.exists():
            return answer([])
        return answer([entry.as_dict() for entry in scan(bench.runs).entries])

    @app.get("/api/runs/{name}", responses=ERRORS)
    def run(name: str) -> JSONResponse:
        """A run folder of the runs folder: its summary, and the report's headline and sections."""
        from model.workbench.saving import run_view

        return answer(run_view(bench, name))

    for path, body in (
        ("/api/validate", ValidateRequest),
        ("/api/solve", SolveRequest),
        ("/api/sweep", SweepRequest),
        ("/api/save/whatif", SaveWhatIf),
        ("/api/save/scenario", SaveScenario),
        ("/api/save/run", ScenarioRequest),
    ):
        BODIES[path] = body


MAX_WORKBOOK = 64 * 1024 * 1024
"""Bytes an uploaded workbook may have (a 100k-variable scenario's book is about 0.25 MB)."""

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_answer(data: dict, shown: str) -> Response:
    """A download of the scenario's workbook (model/scenario/excel.py), named after its file."""
    import io

    from model.scenario.excel import write_template

    stream = io.BytesIO()
    write_template(data, stream, source_name=shown)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(shown).stem) or "scenario"  # a header value: no quotes
    headers = {"Content-Disposition": f'attachment; filename="{stem}.xlsx"'}
    return Response(stream.getvalue(), media_type=XLSX, headers=headers)


def listing(bench: Workbench) -> list[dict]:
    """Each scenario or what-if file under the served folder, two levels deep at most, skipping the
    runs folder, hidden folders and sweep files (`base:` and `grid:`); each file read and checked once
    while it and the files it extends are unchanged (Workbench.described), a large one in the background
    (listed with `valid` null until it is checked, so the first page does not wait for it)."""
    found = []
    for path in scenario_files(bench.folder, bench.runs):
        entry = bench.described(path, wait=False)  # a large file unchecked yet: `valid` null, checked meanwhile
        if entry is not None:
            found.append(entry)
    return sorted(found, key=lambda entry: entry["path"])


def scenario_files(folder: Path, runs: Path, depth: int = 2) -> list[Path]:
    """The *.yaml and *.yml files in `folder` and its sub-folders down to `depth` levels, not in hidden
    folders or the runs folder (whose run folders each hold a scenario.yaml), nor links to files
    outside `folder` (which the API would refuse to open)."""
    skip = {runs.resolve(), (folder / "runs").resolve()}
    found = []
    for root, folders, files in os.walk(folder):
        here = Path(root)
        level = len(here.relative_to(folder).parts)
        folders[:] = [
            name
            for name in sorted(folders)
            if not name.startswith(".") and level < depth and (here / name).resolve() not in skip
        ]
        found += [here / name for name in sorted(files) if name.endswith(SUFFIXES) and not name.startswith(".")]
    inside = folder.resolve()
    return [path for path in found if path.resolve().is_relative_to(inside)]  # not a link to a file outside


_MEDIA = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}


# ---- the API --------------------------------------------------------------------------------------


def answer(document: object, status: int = 200) -> JSONResponse:
    """A JSON answer holding only what JSON holds (numpy numbers as numbers, NaN as null)."""
    return JSONResponse(plain_json(document), status_code=status)


__all__ = ["ScenarioRequest", "SolveRequest", "ValidateRequest", "answer", "create_app", "error_answer"]
