"""Spreadsheet cells that stay data: nothing a user typed is ever written as a live formula."""

from __future__ import annotations

from typing import Any

# Cells starting with these are read as formulas (or DDE payloads) by Excel, LibreOffice and Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(value: str) -> bool:
    """True when a spreadsheet program would evaluate this text instead of showing it."""
    return value.startswith(FORMULA_PREFIXES)


def safe_cell(value: Any) -> Any:
    """A value for openpyxl that is shown as typed: formula-like text is stored as a string cell.

    openpyxl turns any str starting with "=" into a formula; setting the cell's data type to string
    keeps it as text, and a leading apostrophe-free value survives a round trip through our import.
    Numbers, dates and None pass through unchanged.
    """
    if isinstance(value, str) and is_formula_like(value):
        return _TextValue(value)
    return value


class _TextValue(str):
    """Marker type: write_cell() stores it with data_type "s"."""


def write_cell(cell: Any, value: Any) -> Any:
    """Assign value to an openpyxl cell (normal or write-only), never as a formula."""
    value = safe_cell(value)
    cell.value = str(value) if isinstance(value, _TextValue) else value
    if isinstance(value, _TextValue):
        cell.data_type = "s"
    return cell
