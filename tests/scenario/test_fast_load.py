"""The fast reading of scenario YAML (libyaml) gives exactly what the round-trip reading gave.

`parse_yaml` reads with libyaml and ruamel's YAML 1.2 rules, and finds positions with ruamel's
round-trip parser only when a problem must be located. These tests hold it to the round-trip
reading (`_round_trip` then `_plain`, as `parse_yaml` did before): the same data, down to the type
of every scalar and the order of every key, the same errors, and the same located problems.
"""

from __future__ import annotations

import ast
import datetime
import gc
import random
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import APPLIANCE_FILE, DATA, OVERRIDES_FOLDER, ROOT, TINY_FILE, bad_files

from model.errors import ScenarioError
from model.generate import Size, generate, write_scenario
from model.scenario import fastyaml, load_scenario, loader, read_scenario
from model.scenario.fastyaml import NotPlain, fast_plain, fast_positions
from model.scenario.loader import SourceMap, parse_yaml, validate_data
from model.scenario.yamlsafety import Refused

YAML_FILES = sorted(
    p for folder in ("data", "tests") for pattern in ("*.yaml", "*.yml") for p in (ROOT / folder).rglob(pattern)
)


def round_trip(text: str, file: str = "case.yaml") -> tuple[Any, SourceMap]:
    """The reading before the fast path: ruamel's round-trip tree made plain, positions eager."""
    keys: loader.Positions = {}
    values: loader.Positions = {}
    data = loader._plain(loader._round_trip(text, file), (), keys, values)
    return data, SourceMap(file, keys, values)


def typed(value: Any) -> Any:
    """A comparable form that keeps every scalar's type and every mapping's key order (NaN equals NaN)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value), repr(value))


def outcome(read: Any, text: str) -> tuple[str, Any]:
    """What a reading gives: its typed data, or its error's text."""
    try:
        return "data", typed(read(text))
    except ScenarioError as error:
        return "refused", str(error)
    except Exception as error:  # the round-trip parser's own crashes (e.g. a date 2026-13-45)
        return type(error).__name__, str(error)


def assert_same_reading(text: str, fast: bool | None = None) -> None:
    """parse_yaml reads `text` as the round-trip reading does; `fast`: whether libyaml must have read it."""
    read = outcome(lambda t: parse_yaml(t, "case.yaml")[0], text)
    assert read == outcome(lambda t: round_trip(t)[0], text)
    if read[0] == "data":
        assert_same_positions(text)
    if fast is not None:
        try:
            fast_plain(text)
            took_fast = True
        except NotPlain:
            took_fast = False
        assert took_fast == fast


# ---- the same data ---------------------------------------------------------------------------


def test_the_corpus_is_there():
    assert len(YAML_FILES) >= 80


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_of_the_repository_reads_the_same(path: Path):
    text = path.read_bytes().decode("utf-8", "replace")  # a few bad files are not UTF-8, on purpose
    try:
        expected = typed(round_trip(text, str(path))[0])
    except ScenarioError as error:  # bad YAML: the fast reading steps aside or refuses; the error is as before
        with pytest.raises((NotPlain, Refused)):
            fast_plain(text)
        with pytest.raises(ScenarioError) as caught:
            parse_yaml(text, str(path))
        assert caught.value.problems == error.problems
        return
    assert typed(fast_plain(text)) == expected  # read by libyaml, not by the fallback
    assert typed(parse_yaml(text, str(path))[0]) == expected
    assert_same_positions(text)


def assert_same_positions(text: str) -> None:
    """libyaml's positions (for a text it reads; aliases stand at their anchors) are the round-trip parser's."""
    try:
        fast = fast_positions(text)
    except NotPlain:
        with pytest.raises(NotPlain):
            fast_plain(text)
        return
    eager = round_trip(text)[1]
    assert fast == (eager.keys, eager.values)


def inline_documents() -> list[tuple[str, str]]:
    """The YAML mappings written as strings in the tests' Python code (dedented), by place."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name == Path(__file__).name:  # this file's own cases are tested one by one
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and ":" in node.value
                and "\n" in node.value
            ):
                text = textwrap.dedent(node.value)
                try:
                    if isinstance(round_trip(text)[0], dict):
                        found.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
                except Exception:  # not YAML, or not meant as a scenario
                    pass
    return found


def test_the_yaml_written_in_the_tests_reads_the_same():
    documents = inline_documents()
    assert len(documents) >= 50
    for place, text in documents:
        assert typed(parse_yaml(text, place)[0]) == typed(round_trip(text)[0]), place
        assert_same_positions(text)


def test_a_generated_scenario_reads_fast_and_the_same(tmp_path: Path):
    """`e2eopt generate` shares lists, which the writer puts once with an anchor and then as aliases."""
    path = tmp_path / "generated.yaml"
    write_scenario(generate(Size(nodes_per_stage=3, demands=40, periods=2)), path)
    text = path.read_text(encoding="utf-8")
    assert "&id001" in text and "*id001" in text
    data = fast_plain(text)
    assert typed(data) == typed(round_trip(text)[0])
    stages = [demand["stages"] for demand in data["demands"].values() if "stages" in demand]
    assert len({id(s) for s in stages}) == len(stages)  # each alias its own copy, as `_plain` gives
    assert_same_positions(text)  # an alias stands where its anchor does, as in the round-trip tree


SCALARS = [
    # text, what the round-trip reading gives (YAML 1.2: no yes/on booleans, no 0-octal, no sexagesimal)
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("Yes", "Yes"),
    ("true", True),
    ("True", True),
    ("FALSE", False),
    ("tRue", "tRue"),
    ("0o17", 15),
    ("017", 17),
    ("0x1F", 31),
    ("0b101", 5),
    ("1_000", 1000),
    ("-0", 0),
    ("+5", 5),
    ("1:30", "1:30"),
    ("190:20:30", "190:20:30"),
    ("-1:30", "-1:30"),
    ("2026-01-01", datetime.date(2026, 1, 1)),
    ("2026-1-5", "2026-1-5"),
    ("2026-01-01 10:00:00", datetime.datetime(2026, 1, 1, 10, 0)),
    ("'2026-01-01'", "2026-01-01"),
    (".inf", float("inf")),
    ("-.inf", float("-inf")),
    (".Inf", float("inf")),
    ("~", None),
    ("null", None),
    ("Null", None),
    ("", None),
    ("''", ""),
    ("1e3", 1000.0),
    ("1E3", 1000.0),
    ("1.", 1.0),
    (".5", 0.5),
    ("-0.0", -0.0),
    ("1_000.5", 1000.5),
    ("00.5", 0.5),
    ("12e", "12e"),
    ("3.14.15", "3.14.15"),
    ("0X1F", "0X1F"),
    ("08", 8),
    ("0o8", "0o8"),
    ("'0o17'", "0o17"),
    ('"1e3"', "1e3"),
    ("50%", "50%"),
    ("x & y", "x & y"),
    ('"*1.2"', "*1.2"),
    ("123456789012345678901234567890", 123456789012345678901234567890),
    ("1e400", float("inf")),
]


@pytest.mark.parametrize("text, value", SCALARS, ids=[text or "empty" for text, _ in SCALARS])
def test_yaml_1_2_scalars_read_the_same(text: str, value: Any):
    document = f"a: {text}\n"
    assert_same_reading(document, fast=True)
    assert typed(parse_yaml(document, "case.yaml")[0]["a"]) == typed(value)


@pytest.mark.parametrize(
    "text", [".nan", ".NaN", "2026-01-01T10:00:00Z", "2026-01-01 10:00:00 +01:00", "2026-13-45", "=", "<<", "0b", "0x_"]
)
def test_scalars_the_fast_reading_leaves_to_the_round_trip_parser(text: str):
    assert_same_reading(f"a: {text}\n")


KEYS = [
    "1: a\n",
    "-5: a\n",
    "+5: a\n",
    "0: a\n",
    "01: a\n",
    "1_0: a\n",
    "0x1F: a\n",
    "1.5: a\n",
    ".inf: a\n",
    "true: a\n",
    "no: a\n",
    "null: a\n",
    "~: a\nx: 1\n",
    "2026-01-01: a\n",
    "2026-01-01 10:00:00: a\n",
    "'2': a\n",
    "? [a, b]\n: c\n",
    "? a\n: b\n? c\n",
    "=: a\n",
]


@pytest.mark.parametrize("text", KEYS)
def test_keys_read_the_same(text: str):
    """`_plain` keeps number keys (in the round-trip parser's own int types) and makes the rest text."""
    assert_same_reading(text)


DOCUMENTS = {
    # name: (text, whether libyaml reads it; None where either may)
    "empty": ("", True),
    "comment only": ("# nothing\n", True),
    "a scalar": ("5\n", True),
    "a list": ("- 1\n- 2\n", True),
    "markers": ("---\na: 1\n...\n", True),
    "literal blocks": ("a: |\n  one\n   two\n\nb: |-\n  x\n\n\nc: |+\n  y\n\n\nd: |2\n    four\n", True),
    "folded blocks": ("a: >\n  folded\n  text\n\n  para\n    more\n  back\n\nb: >-\n  x\n  y\nc: >+\n  z\n\n", True),
    "multi-line plain": ("a: one\n  two\n\n  three\nb: [x\n  y, z]\n", True),
    "quoted": ("a: \"\\u00e9 \\x41 \\N \\_ \\L \\P \\/ \\0 \\e\"\nb: 'it''s'\nc: \"x\n  y\n\n  z\"\n", True),
    "CRLF": ("a: 1\r\nb: |\r\n  x\r\n  y\r\nc: >\r\n  p\r\n  q\r\n", True),
    "CR": ("a: 1\rb: 2\r", True),
    "flow": ('a: {b:1}\nc: [d:e]\nf: {"g":1}\nh: {b, c: 1}\ni: [e: 1]\nj: {k: 1,}\n', True),
    "comments and urls": ("a: http://x.y/z?q=1#f\nb: a:b\nc: a #b\nd: a#b\ne: 'b'#c\n", True),
    "unicode": ('naïve: café\nkey: 日本\nemoji: "😀"\nsp: x\u00a0y\n', True),
    "anchored list": ("s: &s [a, b]\nt: *s\nu: {v: *s}\n", True),
    "anchored scalars": ("a: &i 5\nb: *i\nc: &f 1.5\nd: *f\ne: &s text\nf: *s\ng: &n\nh: *n\n", True),
    "anchored mapping": ("base: &b {x: 1, y: [2]}\nother: *b\nboth: [*b, *b]\n", True),
    "alias as a key": ("k: &a name\n*a : 2\n", True),
    # the round-trip parser reads an anchored bool as an int: 1
    "anchored bool": ("a: &t true\nb: *t\n", False),
    "anchored int key": ("&k 5: a\n", False),
    "merge": ("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n  z: 4\n", False),
    "merge of a list": ("b1: &b1 {x: 1}\nb2: &b2 {x: 2, y: 2}\nc:\n  <<: [*b1, *b2]\n  z: 3\n", False),
    "merge inline": ("a:\n  <<: {x: 1}\n  y: 2\n", False),
    "recursive alias": ("a: &a [1, *a]\n", False),
    "reused anchor": ("a: &x 1\nb: &x 2\nc: *x\n", False),
    # libyaml ends an anchor's name at the colon, YAML 1.2 at the space: ruamel reads the key '4'
    "anchor with a colon": ("a: {b: 2, &c: 4}\n", False),
    "undefined alias": ("a: *nope\n", False),
    "tags": ("a: !!str 5\nb: !!float 5\nc: !thing 5\n", False),
    "a ! in text": ("a: 'hello !'\nb: wow!\n", False),
    "YAML 1.1 directive": ("%YAML 1.1\n---\na: yes\nb: 017\nc: 1:30\n", False),
    "two documents": ("a: 1\n---\nb: 2\n", False),
    "BOM": ("\ufeffa: 1\n", False),
    "NEL and LS": ("a: x\x85y\nb: x\u2028y\n", False),
    "control character": ("a: x\x07y\n", False),
    # ruamel refuses tabs in many places where libyaml takes them as white space
    "tab after colon": ("a:\tb\n", False),
    "tab before comment": ("c: d\t# comment\n", False),
    "tab in plain text": ("a: x\ty\n", False),
    "tab in quotes": ("a: 'x\ty'\n", False),
    "tab indent": ("a:\n\tb: 1\n", False),
    "bad YAML": ("a: [1, , 2]\n", False),
    "bad indent": ("a:\n  b: 1\n c: 2\n", False),
    "deep": ("a: " + "[" * 60 + "]" * 60 + "\n", True),
    # refused alike (model/scenario/yamlsafety.py: at most 64 levels), by libyaml at 200 and by ruamel at 3000
    "too deep for a scenario": ("a: " + "[" * 200 + "]" * 200 + "\n", None),
    "too deep": ("a: " + "[" * 3000 + "]" * 3000 + "\n", False),
}


@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_documents_read_the_same(name: str):
    text, fast = DOCUMENTS[name]
    assert_same_reading(text, fast)


# ---- the same errors and the same lines --------------------------------------------------------


@pytest.mark.parametrize(
    "text, line",
    [("a: 1\nb: 2\na: 3\n", 3), ("x: {a: 1, a: 2}\n", 1), ("- a: 1\n  b: 2\n  a: 3\n", 3), ("true: 1\n1: 2\n", 2)],
)
def test_a_duplicate_key_is_refused_at_its_line(text: str, line: int):
    with pytest.raises(NotPlain):
        fast_plain(text)
    with pytest.raises(ScenarioError) as before:
        round_trip(text)
    with pytest.raises(ScenarioError) as caught:
        parse_yaml(text, "case.yaml")
    assert caught.value.problems == before.value.problems
    assert caught.value.problems[0].line == line
    assert "duplicate key" in caught.value.problems[0].message


def eager_problems(path: Path) -> list:
    """The problems of a file as before: a round-trip reading and positions found at once."""
    try:
        data, source = round_trip(loader.decode(path.read_bytes(), str(path)), str(path))
        validate_data(data, source)
    except ScenarioError as error:
        return error.problems
    return []


@pytest.mark.parametrize(
    "path", [p for p in bad_files() if not p.stem.startswith("yaml_extends")], ids=lambda p: p.stem
)  # (an `extends` file is read by the overrides, which `eager_problems` does not do)
def test_a_bad_file_reports_the_same_problems_at_the_same_lines(path: Path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == eager_problems(path)


SCHEMA_ERROR = """\
scenario:
  name: bad
  currency: EUR
  period_length: 730
stages: [market, service]
roles:
  technician: {cost_per_fte: -5, hours_per_fte: 140}
nodes:
  desk: {stage: market}
  team:
    stage: service
    work:
      technician: {hours_per_unit: 0.5, wait_tme: 2}
arcs:
  - {from: desk, to: team}
demands:
  repairs: {origin: desk, sinks: [team], volume: 100}
"""


def test_a_schema_error_names_the_file_line_and_field_as_before(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(SCHEMA_ERROR, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_scenario(path)
    problems = caught.value.problems
    assert problems == eager_problems(path)
    assert [(p.line, p.path) for p in problems] == [
        (7, "roles.technician.cost_per_fte"),
        (13, "nodes.team.work.technician.wait_tme"),
    ]
    assert all(p.file == str(path) for p in problems)


def test_the_lazy_map_finds_the_same_positions():
    text = APPLIANCE_FILE.read_text(encoding="utf-8")
    _, lazy = parse_yaml(text, "appliance-co.yaml")
    _, eager = round_trip(text, "appliance-co.yaml")
    assert lazy.keys == eager.keys and lazy.values == eager.values
    for path in [("nodes",), ("demands", "nope", "volume"), ("arcs", 3, "cost"), ()]:
        for at_key in (False, True):
            assert lazy.locate(path, at_key) == eager.locate(path, at_key)


# ---- positions only when needed ----------------------------------------------------------------


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the round-trip parser is run on, from now on."""
    calls: list[str] = []
    run = loader._round_trip

    def counted(text: str, file: str, **options: Any) -> Any:
        calls.append(file)
        return run(text, file, **options)

    monkeypatch.setattr(loader, "_round_trip", counted)
    return calls


@pytest.mark.parametrize("name", ["tiny.yaml", "appliance-co.yaml", "contact-centre.yaml"])
def test_a_valid_file_never_runs_the_round_trip_parser(round_trips: list[str], name: str):
    scenario, source = loader.load_scenario_with_source(DATA / name)
    assert scenario.scenario.name
    assert round_trips == []
    line, _ = source.locate(("scenario", "name"))  # a diagnosis asks: now the positions are found,
    assert line is not None and line > 1
    source.locate(("stages",))
    assert round_trips == []  # by libyaml,
    eager = round_trip((DATA / name).read_text(encoding="utf-8"))[1]
    assert (source.keys, source.values) == (eager.keys, eager.values)  # where the round-trip parser finds them


def test_an_override_file_reads_its_base_without_positions(round_trips: list[str]):
    whatif = OVERRIDES_FOLDER / "whatif.yaml"
    read_scenario(whatif)
    assert str(whatif.parent / "base.yaml") not in round_trips  # only the small override file is located


def test_without_libyaml_the_round_trip_reading_is_used(monkeypatch: pytest.MonkeyPatch, round_trips: list[str]):
    monkeypatch.setattr(fastyaml, "CParser", None)
    text = TINY_FILE.read_text(encoding="utf-8")
    data, source = parse_yaml(text, "tiny.yaml")
    assert round_trips == ["tiny.yaml"]
    assert typed(data) == typed(round_trip(text)[0])
    assert source.keys == round_trip(text)[1].keys


def test_a_source_map_made_with_positions_holds_just_those():
    source = SourceMap("f.yaml", {("a",): (2, 1)}, {("a",): (2, 4), ("a", "b"): (3, 5)})
    assert source.locate(("a", "b")) == (3, 5)
    assert source.locate(("a", "c")) == (2, 1)
    assert source.locate(("a",), at_key=True) == (2, 1)
    assert SourceMap("f.yaml").locate(("x", "y")) == (1, 1)
    assert SourceMap("f.yaml").problem(("x",), "wrong").line == 1


def test_a_text_the_round_trip_parser_refuses_is_refused_when_located():
    """Only if libyaml took what ruamel refuses; the refusal is then what reading gave before."""
    source = SourceMap("f.yaml", text="a: [1, , 2]\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        source.locate(("a",))


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_left_as_it_was(enabled: bool):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        parse_yaml("a: [1, 2]\n", "case.yaml")  # libyaml
        parse_yaml("a: &t true\n", "case.yaml")  # the round-trip parser
        with pytest.raises(ScenarioError):
            parse_yaml("a: [1, , 2]\n", "case.yaml")  # both, and an error
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_mutated_example_files_read_and_locate_the_same():
    """Random edits of the example files (a seeded 40: quotes, brackets, colons, anchors, comments,
    line breaks inserted, replaced or deleted): where libyaml reads one, its data and positions are
    the round-trip parser's; where either refuses it, both refuse it alike, and nothing else is raised.
    (It found an anchor name with a colon, `&c: 4`, that the two read differently.)"""
    rng = random.Random(14)
    texts = [
        (DATA / name).read_text(encoding="utf-8") for name in ("tiny.yaml", "appliance-co.yaml", "contact-centre.yaml")
    ]
    alphabet = "{}[]:,-'\"&*#|>? \n\n  x1"
    compared = 0
    for _ in range(40):
        chars = list(rng.choice(texts))
        for _ in range(rng.randint(1, 3)):
            at, kind = rng.randrange(len(chars)), rng.random()
            if kind < 0.4:
                chars[at] = rng.choice(alphabet)
            elif kind < 0.7:
                chars[at:at] = [rng.choice(alphabet)] * rng.randint(1, 2)
            else:
                del chars[at : at + rng.randint(1, 4)]
        text = "".join(chars)
        assert_same_reading(text)
        compared += outcome(lambda t: parse_yaml(t, "case.yaml")[0], text)[0] == "data"
    assert compared >= 15  # most edits still make a readable document
