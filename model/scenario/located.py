"""Locating problems in overridden scenario data, so that each points where it can be fixed.

A problem at a field an override changed names the override (`whatif.yaml:7`, or `--set`); any
other problem names the field's line in the base file. Removed arcs shift the positions in
`arcs`, so positions are translated back to the base file's before they are looked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from model.errors import Problem
from model.scenario.fieldpaths import arc_key, segments_of
from model.scenario.loader import FieldPath, Positions, SourceMap, _schema_model_at, dotted, shown

if TYPE_CHECKING:
    from model.scenario.overrides import Change


def split_origin(origin: str) -> tuple[str, int | None]:
    """`whatif.yaml:7` -> ('whatif.yaml', 7); `--set` -> ('--set', None)."""
    file, _, line = origin.rpartition(":")
    return (file, int(line)) if file and line.isdigit() else (origin, None)


class OverriddenSource(SourceMap):
    """A SourceMap for data made from a base file and overrides (see the module's docstring)."""

    def __init__(self, base: SourceMap, base_data: Any, data: Any, changes: Sequence[Change]) -> None:
        super().__init__(base.file)
        self.base = base
        base_index: dict[str, int] = {}
        for index, arc in enumerate(_arcs(base_data)):
            base_index.setdefault(arc_key(arc), index)
        arcs = _arcs(data)
        self._to_base_arc = [base_index.get(arc_key(arc)) for arc in arcs]
        self._arc_at = {arc_key(arc): index for index, arc in reversed(list(enumerate(arcs)))}
        self._changed: dict[FieldPath, Change] = {}
        for change in changes:
            path = self._data_path(change.path)
            if path is not None and change.new is not None:
                self._changed[path] = change  # a later override of the same field wins
        self._removals = list(dict.fromkeys((c.override, c.origin) for c in changes if c.new is None))

    @property
    def keys(self) -> Positions:
        """The base file's positions, found when first asked for (reading them is slow)."""
        return self.base.keys

    @property
    def values(self) -> Positions:
        """The base file's positions, found when first asked for."""
        return self.base.values

    def _data_path(self, shown: str) -> FieldPath | None:
        segments: list[str | int] = list(segments_of(shown))
        for at in range(1, len(segments)):  # a level by its number from 1 -> its position in the list
            number = segments[at]
            if segments[at - 1] == "capacity_levels" and isinstance(number, str) and number.isdigit():
                segments[at] = int(number) - 1
        if segments[0] != "arcs" or len(segments) < 2:
            return tuple(segments)
        index = self._arc_at.get(str(segments[1]))
        return None if index is None else ("arcs", index, *segments[2:])

    def to_base(self, path: FieldPath) -> FieldPath:
        """The same field's path in the base file (arcs by their position there)."""
        if len(path) >= 2 and path[0] == "arcs" and isinstance(path[1], int) and path[1] < len(self._to_base_arc):
            index = self._to_base_arc[path[1]]
            return ("arcs",) if index is None else ("arcs", index, *path[2:])
        return path

    def locate(self, path: FieldPath, at_key: bool = False) -> tuple[int | None, int | None]:
        return self.base.locate(self.to_base(path), at_key)

    def changed_at(self, path: FieldPath) -> Change | None:
        """The override that last changed this field or one that holds it."""
        for end in range(len(path), 0, -1):
            change = self._changed.get(tuple(path[:end]))
            if change is not None:
                return change
        return None

    def written_at(self, path: FieldPath) -> tuple[int | None, str]:
        """`(None, '--set')`, `(None, 'whatif.yaml:7')` for a value an override wrote (no line of the base
        file, whose value was not the one solved); the base file's line for any other."""
        change = self.changed_at(path)
        if change is not None and change.value != "removed":
            return None, change.origin
        return super().written_at(path)

    def problem(self, path: FieldPath, message: str, hint: str = "", at_key: bool = False) -> Problem:
        change = self.changed_at(path)
        shown = dotted(self.to_base(path))
        if change is not None:
            file, line = split_origin(change.origin)
            cause = (
                f"removing {change.override}"
                if change.value == "removed"
                else f"the override '{change.override}: {change.value}'"
            )
            was = _short(change.old) if change.old is not None else _not_given(self._data_path(change.path))
            note = f"Changed by {cause} ({change.origin}): it was {was}, now {_short(change.new)}."
            return Problem(file, line, None, shown, message, _join(hint, note))
        line, column = self.locate(path, at_key)
        if self._removals and path and path[0] in ("demands", "nodes", "arcs"):
            removed = ", ".join(f"{pattern} ({origin})" for pattern, origin in self._removals[:3])
            more = f" and {len(self._removals) - 3} more" if len(self._removals) > 3 else ""
            hint = _join(hint, f"The overrides removed {removed}{more}.")
        return Problem(self.base.file, line, column, shown, message, hint)


def _arcs(data: Any) -> list:
    arcs = data.get("arcs") if isinstance(data, dict) else None
    return arcs if isinstance(arcs, list) else []


def _join(hint: str, note: str) -> str:
    return f"{hint}\n    {note}" if hint else note


def _short(value: Any) -> str:
    return shown(value)


def _not_given(path: FieldPath | None) -> str:
    """A field the file left out, with the default it had: `not given (default always)`."""
    model = _schema_model_at(path[:-1]) if path else None
    name = path[-1] if path else None
    info = model.model_fields.get(name) if model is not None and isinstance(name, str) else None
    default = getattr(info, "default", None) if info is not None else None
    if default is None or not isinstance(default, (str, int, float, bool)):
        return "not given"
    return f"not given (default {default if isinstance(default, str) else _short(default)})"
