"""Reading what people type: a keyword, maybe a ticket number, maybe more text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# After any keyword, a short run of digits is a ticket number (`KTP 3578…`, a NIK, and a
# phone number after CUTI stay text). After a word that always takes a ticket, every run
# of digits is one, however long: a number no ticket can have is then answered "not
# found" (services.tickets.numbers) instead of "which ticket?".
TICKET_WORDS = frozenset({"TERIMA", "TANYA", "SELESAI", "TOLAK", "ALIHKAN", "MAAFKAN", "BATAL"})
_NUMBER = re.compile(r"^#?(\d{1,9})$")
_ANY_NUMBER = re.compile(r"^#?(\d+)$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Command:
    keyword: str             # upper case, '' for none
    number: int | None       # a ticket number right after the keyword (#123 or 123)
    rest: str                # what follows, original case


def _ticket_number(keyword: str, word: str) -> int | None:
    found = (_ANY_NUMBER if keyword in TICKET_WORDS else _NUMBER).match(word.rstrip(".,:"))
    if not found:
        return None
    try:
        return int(found.group(1))
    except ValueError:   # more digits than int() reads (over 4,300): not a number at all
        return None


def parse_command(text: str) -> Command:
    """`selesai #12 sudah jadi` → Command('SELESAI', 12, 'sudah jadi')."""
    head, *tail = _SPACE.split(text.strip(), maxsplit=1)
    keyword = head.upper().rstrip(".,!:?")
    rest = tail[0] if tail else ""
    first, *after = _SPACE.split(rest, maxsplit=1) if rest else [""]
    number = _ticket_number(keyword, first)
    if number is not None:
        rest = after[0] if after else ""
    return Command(keyword, number, rest.strip())
