"""Numbers as people read them, on the screen and in the reports: money with two decimals and its
currency, shares as percent, counts with the right plural.

One set for every command and every report page, so that a figure reads the same wherever it is
shown. Standard library only (no pandas, no numpy): the command line imports it at start-up. A
missing figure (None, NaN, pandas' NA, an infinity) shows as `missing` ("-" unless told), never as
`nan` or `inf`.
"""

from __future__ import annotations

import math
from contextlib import suppress

MISSING = "-"
"""What a missing figure shows as, unless the caller asks for another text (a report's empty cell)."""


def is_missing(value: object) -> bool:
    """None, NaN, an infinity, or pandas' NA / NaT (which no float comparison takes)."""
    if value is None:
        return True
    try:
        return not math.isfinite(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # pd.NA, pd.NaT, or text: not a figure
        return True


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 role`, `2 roles`, `0 roles`, `1,500 roles` (`many`: the plural when it is not word + s, e.g. axes)."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def number(value: float | None, decimals: int = 2, signed: bool = False, missing: str = MISSING) -> str:
    """`1,234.57` (`+1,234.57` when signed): thousands separated, a fixed number of decimals."""
    if is_missing(value):
        return missing
    return f"{value:{'+' if signed else ''},.{decimals}f}"


def money(amount: float | None, currency: str = "", signed: bool = False, missing: str = MISSING) -> str:
    """`26,742.86 EUR` (`+1,485.71 EUR` when signed; `26,742.86` when the currency is given elsewhere,
    e.g. in a column's header): cents, always."""
    if is_missing(amount):
        return missing
    return f"{number(amount, 2, signed)} {currency}".rstrip()


def percent(share: float | None, signed: bool = False, missing: str = MISSING, decimals: int = 2) -> str:
    """A share (0.95) as `95.00%` (`+5.00%` when signed; `95.0%` with one decimal)."""
    if is_missing(share):
        return missing
    return f"{number(share * 100, decimals, signed)}%"  # type: ignore[operator]


def percent_change(difference: float, base: float) -> str:
    """The difference as a signed percentage of the base: `+5.00%`; `n/a` for a base of zero (no
    percentage of nothing) or a missing one."""
    if is_missing(base) or base == 0:
        return "n/a"
    return percent(difference / base, signed=True)


def plain_json(value: object) -> object:
    """`value` with only what JSON holds: numpy and pandas scalars and decimals (SQL's 1.5) as numbers,
    non-finite floats as null, paths, dates and timestamps as text, tuples as lists."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, dict):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, str):  # numpy scalars
        with suppress(ValueError, TypeError):  # an array of more than one: left to str() below
            value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    return str(value)
