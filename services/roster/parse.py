"""Reading a roster CSV (SPEC §2): rows checked one by one, then across the file."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import date

from models import Role
from services.people.phones import PhoneError, normalize_phone

COLUMNS = ("role", "name", "phone", "kecamatan", "kelurahan", "rw", "tpp_base")
_NIP_LAYOUT = re.compile(r"[\s.\-]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; `code` picks the Indonesian wording."""

    line: int
    code: str
    detail: str = ""


@dataclass(frozen=True)
class RosterRow:
    line: int
    role: Role
    name: str
    phone: str
    kecamatan: str
    kelurahan: str
    rws: tuple[int, ...]
    tpp_base: int
    nip: str | None = None       # None: blank, or the file has no `nip` column
    nip_column: bool = False     # the file has the column (a blank cell then clears the NIP)


def _cell(row: dict[str, str | None], key: str) -> str:
    return " ".join((row.get(key) or "").split())


def _parse_rws(text: str) -> tuple[int, ...] | None:
    numbers = []
    for part in text.replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            return None
        numbers.append(int(part))
    return tuple(sorted(set(numbers)))


def _parse_tpp(text: str) -> int | None:
    cleaned = text.replace(".", "").replace("_", "")
    return int(cleaned) if cleaned.isdigit() else None


def parse_nip(text: str) -> str | None:
    """An ASN's NIP: 18 digits (spaces and dots allowed) = birth date YYYYMMDD, start of
    service YYYYMM, sex 1 or 2, serial; None when it cannot be one."""
    nip = _NIP_LAYOUT.sub("", text)
    if len(nip) != 18 or not nip.isascii() or not nip.isdigit():
        return None
    try:
        date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return None
    if not 1 <= int(nip[12:14]) <= 12 or nip[14] not in "12" or nip[8:12] < nip[0:4]:
        return None
    return nip


def _check_nip(line: int, raw: dict[str, str | None], out: list[Problem]) -> str | None:
    text = _cell(raw, "nip")
    if not text:
        return None
    nip = parse_nip(text)
    if nip is None:
        out.append(Problem(line, "nip_invalid", text))
    return nip


def _check_row(line: int, raw: dict[str, str | None], out: list[Problem]) -> RosterRow | None:
    """Validate one row; append its problems to `out`; a row with problems returns None."""
    before = len(out)
    role_text = _cell(raw, "role").lower()
    role = Role(role_text) if role_text in {r.value for r in Role} else None
    if role is None:
        out.append(Problem(line, "role_unknown", role_text))
    name = _cell(raw, "name")
    if not name:
        out.append(Problem(line, "name_missing"))
    phone = ""
    try:
        phone = normalize_phone(_cell(raw, "phone"))
    except PhoneError:
        out.append(Problem(line, "phone_invalid", _cell(raw, "phone")))
    kecamatan, kelurahan = _cell(raw, "kecamatan"), _cell(raw, "kelurahan")
    rw_text, tpp_text = _cell(raw, "rw"), _cell(raw, "tpp_base")
    rws = _parse_rws(rw_text)
    if rws is None:
        out.append(Problem(line, "rw_invalid", rw_text))
    tpp = _parse_tpp(tpp_text) if tpp_text else 0
    if tpp is None:
        out.append(Problem(line, "tpp_invalid", tpp_text))
    if role in (Role.OFFICER, Role.BACKUP):
        if not kecamatan or not kelurahan:
            out.append(Problem(line, "officer_region_missing"))
        if rws == ():
            out.append(Problem(line, "rw_missing"))
        if not tpp_text:
            out.append(Problem(line, "tpp_missing"))
    elif role is Role.SUPERVISOR:
        if rw_text:
            out.append(Problem(line, "supervisor_rw", rw_text))
        if kelurahan and not kecamatan:
            out.append(Problem(line, "kecamatan_missing"))
    nip = _check_nip(line, raw, out)
    if len(out) > before or role is None:
        return None
    return RosterRow(line, role, name, phone, kecamatan, kelurahan, rws or (), tpp or 0, nip,
                     "nip" in raw)


def parse_roster(data: bytes) -> tuple[list[RosterRow], list[Problem]]:
    """Read and check the CSV file's bytes; every problem carries its line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [Problem(line, "not_utf8")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [Problem(1, "header", ", ".join(missing))]
    reader.fieldnames = header
    rows: list[RosterRow] = []
    problems: list[Problem] = []
    try:
        for raw in reader:
            if raw.get(None):
                problems.append(Problem(reader.line_num, "extra_columns"))
                continue
            if not any((v or "").strip() for v in raw.values()):
                continue
            row = _check_row(reader.line_num, raw, problems)
            if row:
                rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, "not_csv", str(exc)))
    if not rows and not problems:
        problems.append(Problem(1, "empty"))
    return _merge_duplicates(rows, problems), problems


def _merge_duplicates(rows: list[RosterRow], problems: list[Problem]) -> list[RosterRow]:
    """One phone is one person: the same role twice merges its RWs; two roles is an error."""
    by_phone: dict[str, RosterRow] = {}
    for row in rows:
        first = by_phone.get(row.phone)
        if first is None:
            by_phone[row.phone] = row
        elif first.role is not row.role:
            problems.append(Problem(row.line, "phone_two_roles", f"{first.line}"))
        elif (first.name, first.kecamatan.lower(), first.kelurahan.lower(), first.tpp_base,
              first.nip) != (row.name, row.kecamatan.lower(), row.kelurahan.lower(),
                             row.tpp_base, row.nip):
            problems.append(Problem(row.line, "phone_twice", f"{first.line}"))
        else:
            by_phone[row.phone] = replace(first,
                                          rws=tuple(sorted(set(first.rws) | set(row.rws))))
    _check_nips_once(list(by_phone.values()), problems)
    return list(by_phone.values())


def _check_nips_once(rows: list[RosterRow], problems: list[Problem]) -> None:
    """A NIP names one person: two phones with the same NIP is an error."""
    seen: dict[str, RosterRow] = {}
    for row in rows:
        if row.nip is None:
            continue
        if row.nip in seen:
            problems.append(Problem(row.line, "nip_twice", f"{seen[row.nip].line}"))
        else:
            seen[row.nip] = row


def check_rw_claims(rows: list[RosterRow], problems: list[Problem]) -> None:
    """Each RW has at most one officer and one backup, and a backup needs an officer."""
    claims: dict[tuple[Role, str, str, int], RosterRow] = {}
    for row in rows:
        if row.role is Role.SUPERVISOR:
            continue
        for number in row.rws:
            key = (row.role, row.kecamatan.lower(), row.kelurahan.lower(), number)
            if key in claims:
                code = "rw_two_officers" if row.role is Role.OFFICER else "rw_two_backups"
                problems.append(Problem(row.line, code, f"{row.kelurahan} RW {number}|"
                                        f"{claims[key].line}"))
            claims[key] = row
    for (role, kec, kel, number), row in claims.items():
        if role is Role.BACKUP and (Role.OFFICER, kec, kel, number) not in claims:
            problems.append(Problem(row.line, "rw_without_officer", f"{row.kelurahan} RW {number}"))
