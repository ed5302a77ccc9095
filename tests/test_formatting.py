"""model.formatting: numbers as every command and report page shows them, each expected text worked
out by hand; a missing figure (None, NaN, pandas' NA, an infinity) never shows as `nan` or `inf`."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from model.formatting import is_missing, money, number, percent, percent_change, plural

MISSING = [None, float("nan"), float("inf"), -float("inf"), np.nan, pd.NA, pd.NaT]


def test_money_has_cents_thousands_and_its_currency():
    assert money(26742.857, "EUR") == "26,742.86 EUR"
    assert money(1485.714, "EUR", signed=True) == "+1,485.71 EUR"
    assert money(-0.004, "EUR", signed=True) == "-0.00 EUR"  # rounds to zero cents, keeps its sign
    assert money(1234567.891) == "1,234,567.89"  # the currency in the column's header
    assert money(np.float64(53485.714), "EUR") == "53,485.71 EUR"


def test_number_and_percent():
    assert number(1234.5678) == "1,234.57" and number(1234.5678, 1) == "1,234.6"
    assert number(2.5, 0) == "2" and number(3.5, 0) == "4"  # Python rounds half to even
    assert number(-3.14159, 2, signed=True) == "-3.14" and number(3.14159, 2, signed=True) == "+3.14"
    assert percent(0.95) == "95.00%" and percent(0.9543, decimals=1) == "95.4%"
    assert percent(0.05, signed=True) == "+5.00%" and percent(12.5) == "1,250.00%"


@pytest.mark.parametrize("value", MISSING, ids=repr)
def test_a_missing_figure_shows_as_a_dash_or_as_asked(value):
    assert is_missing(value)
    assert (money(value, "EUR"), number(value), percent(value)) == ("-", "-", "-")
    assert (number(value, missing=""), percent(value, missing="")) == ("", "")


def test_figures_are_not_missing():
    assert not any(is_missing(v) for v in (0, 0.0, -1.5, np.int64(3), np.float32(2.5), 10**20))


def test_percent_change_of_nothing_is_not_a_number():
    assert percent_change(1485.71, 53485.71) == "+2.78%"  # 1,485.71 / 53,485.71 = 0.027778
    assert percent_change(-50, 200) == "-25.00%"
    assert percent_change(10, 0) == "n/a" and percent_change(10, float("nan")) == "n/a"


def test_plural():
    assert [plural(n, "role") for n in (0, 1, 2, 1500)] == ["0 roles", "1 role", "2 roles", "1,500 roles"]
    assert plural(1, "axis", "axes") == "1 axis" and plural(3, "axis", "axes") == "3 axes"
    assert plural(np.int64(1), "point") == "1 point"


def test_importing_it_loads_neither_pandas_nor_numpy():
    """The command line imports it at start-up: it must stay light."""
    code = "import sys, model.formatting; print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout == "[]\n"
