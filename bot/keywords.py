"""Reading what people type: a keyword, maybe a ticket number, maybe more text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"^#?(\d{1,9})$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Command:
    keyword: str             # upper case, '' for none
    number: int | None       # a ticket number right after the keyword (#123 or 123)
    rest: str                # what follows, original case


def parse_command(text: str) -> Command:
    """`selesai #12 sudah jadi` → Command('SELESAI', 12, 'sudah jadi')."""
    head, *tail = _SPACE.split(text.strip(), maxsplit=1)
    rest = tail[0] if tail else ""
    number = None
    first, *after = _SPACE.split(rest, maxsplit=1) if rest else [""]
    found = _NUMBER.match(first.rstrip(".,:"))
    if found:
        number = int(found.group(1))
        rest = after[0] if after else ""
    return Command(head.upper().rstrip(".,!:?"), number, rest.strip())

