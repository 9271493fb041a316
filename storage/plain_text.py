"""Text a person typed, judged on the way in and made writable on the way out, in one place.

Every writer (the XLSX and CSV ledgers, the weekly report's XLSX and PDF, and whatever prints a
name on a photo or sends it to a chat robot) passes text through `clean` or `one_line` here, and
api/types.py refuses what `problem` names before anything is stored.

What goes: control characters (C0 but tab and line breaks, DEL, C1), the 66 Unicode
non-characters (U+FDD0..U+FDEF and U+xFFFE/U+xFFFF of every plane) and lone surrogates. XML 1.0,
and so XLSX, cannot hold C0, U+FFFE, U+FFFF or surrogates at all (one in a note fails the whole
file); the rest carry nothing a reader needs and confuse fonts, terminals and spreadsheets."""

from __future__ import annotations

import re

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # tab (09), line feed (0a) and CR (0d) are lines
_NONCHARS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_SURROGATES = "\ud800-\udfff"
_BAD = re.compile(f"[{_CONTROLS}{_NONCHARS}{_SURROGATES}]")
_BAD_ONE_LINE = re.compile(f"[\t\n\r{_CONTROLS}{_NONCHARS}{_SURROGATES}]")
_SPACES = re.compile(r"\s+")
NAME_CHARS = 60  # a name printed in a table cell: about two lines of its column


def problem(text: str, *, lines: bool) -> str | None:
    """Why `text` may not be stored, or None. `lines`: tab and line breaks are allowed."""
    found = (_BAD if lines else _BAD_ONE_LINE).search(text)
    if found is None:
        return None
    char = found.group()
    if char in "\t\n\r":
        return "must be one line (no tab or line break)"
    return f"holds U+{ord(char):04X}, a control character or Unicode non-character; remove it"


def clean(text: str | None, *, lines: bool = True) -> str:
    """The text with every character a file cannot hold made a space; tabs and line breaks stay
    when `lines` (else they become spaces too)."""
    if not text:
        return ""
    return (_BAD if lines else _BAD_ONE_LINE).sub(" ", text)


def one_line(text: str | None, *, max_chars: int = NAME_CHARS) -> str:
    """A name for a cell or a title: clean, on one line (runs of white space become one space),
    at most `max_chars` characters (cut with an ellipsis), so no stored name makes a row too
    tall to print."""
    flat = _SPACES.sub(" ", clean(text, lines=False)).strip()
    return flat if len(flat) <= max_chars else flat[: max_chars - 1] + "…"
