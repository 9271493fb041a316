"""Personal numbers shown in lists and exports (PIPL): only enough to recognise, never to use.

One rule for every number: of its digits (and the X of an identity number; spaces, dashes and a
leading + are dropped), at most half are shown, never more than `most` of them: the last four
(what people recognise a number by), then the first ones (carrier or region). A 7-digit phone
shows 3, an 11-digit mobile 5 (1******5678), an 18-digit identity number 8."""

from __future__ import annotations

import re

_NOT_SHOWN = re.compile(r"[^0-9A-Za-z]")


def mask(value: str | None, *, most: int) -> str:
    chars = _NOT_SHOWN.sub("", value or "")
    keep = min(len(chars) // 2, most)  # so at least half is always hidden
    tail = min(4, keep)
    head = keep - tail
    return chars[:head] + "*" * (len(chars) - keep) + (chars[-tail:] if tail else "")


def mask_phone(phone: str | None) -> str:
    """13812345678 -> 1******5678."""
    return mask(phone, most=5)


def mask_id_number(number: str | None) -> str:
    """520102199001011234 -> 5201**********1234."""
    return mask(number, most=8)
