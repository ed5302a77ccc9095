"""HiGHS options passed through as given (`solver.highs_options`, `--solver-option KEY=VALUE`).

Each option is checked against HiGHS itself: its name, its type (bool, int, double or string) and
its allowed values, so a mistake is a clear error before any solve, not a failed run.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import highspy

Value = bool | int | float | str

_TRUE, _FALSE = ("true", "on", "yes", "1"), ("false", "off", "no", "0")


def new_highs(log: list[str] | None = None) -> highspy.Highs:
    """A HiGHS instance that never writes to the screen (model/highs_run.py's QuietHighs). With `log`,
    every line HiGHS logs (its banner first, at the first solve) is appended to it through HiGHS's
    logging callback, for the run folder's highs.log; HiGHS's output is switched on per solve
    (`log_to_console` off first: HiGHS prints its banner the moment output is switched on)."""
    from model.highs_run import QuietHighs  # here, not at the top: KEY=VALUE is parsed without loading HiGHS

    return QuietHighs(log)


def highs_version() -> str:
    """HiGHS's own version (e.g. 1.16.0), asked of HiGHS without printing its banner."""
    return str(new_highs().version())


def _quiet() -> highspy.Highs:
    return new_highs()


def option_names() -> list[str]:
    """The option names highspy lists (most of HiGHS's)."""
    return sorted(name for name in dir(_quiet().getOptions()) if not name.startswith("_"))


def checked(name: str, value: Value) -> Value:
    """The value as HiGHS takes it (text read as the option's type); ValueError saying what is allowed."""
    import highspy

    highs = _quiet()
    status, kind = highs.getOptionType(name)
    if status != highspy.HighsStatus.kOk:
        close = difflib.get_close_matches(name, option_names(), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else " (see the HiGHS documentation's option list)"
        raise ValueError(f"HiGHS has no option '{name}'{hint}")
    typed = _typed(name, value, kind)
    if highs.setOptionValue(name, typed) != highspy.HighsStatus.kOk:
        raise ValueError(f"HiGHS refuses {name} = {typed!r}: out of the option's range or not one of its values")
    return typed


def _typed(name: str, value: Value, kind: highspy.HighsOptionType) -> Value:
    import highspy

    if kind == highspy.HighsOptionType.kBool:
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in _TRUE + _FALSE:
            return value if isinstance(value, bool) else text in _TRUE
        raise ValueError(f"HiGHS option '{name}' is true or false, not {value!r}")
    if kind in (highspy.HighsOptionType.kInt, highspy.HighsOptionType.kDouble):
        whole = kind == highspy.HighsOptionType.kInt
        try:
            number = float(value) if not isinstance(value, bool) else float("nan")
        except ValueError:
            number = float("nan")
        if number != number or (whole and not number.is_integer()):
            raise ValueError(f"HiGHS option '{name}' is {'a whole number' if whole else 'a number'}, not {value!r}")
        return int(number) if whole else number
    return str(value)


def parse_assignment(text: str) -> tuple[str, str]:
    """`KEY=VALUE` from the command line; ValueError when there is no `=` or no key."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--solver-option takes KEY=VALUE (e.g. presolve=off), not {text!r}")
    return key.strip(), value.strip()
