"""Text that a spreadsheet would run: the one rule for every export and the lead import (CSV injection).

A spreadsheet reads a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
formula (``=HYPERLINK(…)``, ``@SUM(…)``, ``+cmd|' /C calc'!A0``): opening a file of ours must never run one.

- **Exports** write every text cell through ``cell``: such text gets a leading apostrophe (OWASP's advice), so
  the spreadsheet shows it as text, apostrophe hidden. Numbers and dates are values, not text, and stay as
  they are (a negative amount is a number).
- **Imports** ask ``formula_start``: a cell that starts so is refused on its row, as ``=`` always was, and its
  text is stored nowhere. Except what a person means as a value, which a spreadsheet cannot turn into a
  call either: a number (``-5``, ``+3.5``, ``-1,200``) and a phone number (``+1 555 0100``,
  ``+44 (20) 7946-0958``). A phone is kept as the phone number it is (the export adds the apostrophe when it
  goes out again); a name or note like ``@SUM(A1)`` or ``- call first`` is refused, to be typed without it.
  Leading spaces, tabs and line breaks are trimmed before the check, so ``\\t=1+1`` is the formula ``=1+1``.
"""

import re
from datetime import date, datetime, time
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_PHONE = re.compile(r"\+\d[\d ().\-/]*\d")


def cell(value) -> str:
    """``value`` as the text of an exported cell that a spreadsheet shows and never runs."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def formula_start(text: str) -> str:
    """The character that makes ``text`` (an imported cell, trimmed) a formula, or ``""`` when it is a value."""
    if not text.startswith(FORMULA_STARTS):
        return ""
    if text[0] != "=" and (_NUMBER.fullmatch(text) or _PHONE.fullmatch(text)):
        return ""
    return text[0]
