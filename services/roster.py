"""Roster import (SPEC §2): all-or-nothing, idempotent upsert by phone."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import RW, Kecamatan, Kelurahan, Role, Staff
from services.phones import PhoneError, normalize_phone
from services.runtime import Runtime
from services.wilayah import kecamatan_code, kelurahan_code

COLUMNS = ("role", "name", "phone", "kecamatan", "kelurahan", "rw", "tpp_base")


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


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    regions_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


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
    if len(out) > before or role is None:
        return None
    return RosterRow(line, role, name, phone, kecamatan, kelurahan, rws or (), tpp or 0)


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
        elif (first.name, first.kecamatan.lower(), first.kelurahan.lower(), first.tpp_base) != (
                row.name, row.kecamatan.lower(), row.kelurahan.lower(), row.tpp_base):
            problems.append(Problem(row.line, "phone_twice", f"{first.line}"))
        else:
            by_phone[row.phone] = RosterRow(first.line, first.role, first.name, first.phone,
                                            first.kecamatan, first.kelurahan,
                                            tuple(sorted(set(first.rws) | set(row.rws))),
                                            first.tpp_base)
    return list(by_phone.values())


def _check_rw_claims(rows: list[RosterRow], problems: list[Problem]) -> None:
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


class _Regions:
    """Finds or creates kecamatan, kelurahan and RW rows, with official codes when known."""

    def __init__(self, db: Session, result: ImportResult) -> None:
        self.db, self.result = db, result
        self.kecamatan = {k.name.lower(): k for k in db.scalars(select(Kecamatan))}
        self.kelurahan = {(k.kecamatan_id, k.name.lower()): k
                          for k in db.scalars(select(Kelurahan))}
        self.rw = {(r.kelurahan_id, r.number): r for r in db.scalars(select(RW))}

    def get_kecamatan(self, name: str, line: int) -> Kecamatan:
        official = kecamatan_code(name)
        key = (official[1] if official else name).lower()
        if key not in self.kecamatan:
            if official is None:
                self.result.warnings.append(Problem(line, "kecamatan_unofficial", name))
            kec = Kecamatan(name=official[1] if official else name,
                            code=official[0] if official else None)
            self.db.add(kec)
            self.db.flush()
            self.kecamatan[key] = kec
            self.result.regions_created += 1
        return self.kecamatan[key]

    def get_kelurahan(self, kecamatan: str, name: str, line: int) -> Kelurahan:
        kec = self.get_kecamatan(kecamatan, line)
        official = kelurahan_code(kec.name, name)
        key = (kec.id, (official.name if official else name).lower())
        if key not in self.kelurahan:
            if official is None:
                self.result.warnings.append(Problem(line, "kelurahan_unofficial",
                                                    f"{name} ({kec.name})"))
            kel = Kelurahan(name=official.name if official else name, kecamatan=kec,
                            code=official.code if official else None)
            self.db.add(kel)
            self.db.flush()
            self.kelurahan[key] = kel
            self.result.regions_created += 1
        return self.kelurahan[key]

    def get_rw(self, kelurahan: Kelurahan, number: int) -> RW:
        key = (kelurahan.id, number)
        if key not in self.rw:
            rw = RW(kelurahan=kelurahan, number=number)
            self.db.add(rw)
            self.db.flush()
            self.rw[key] = rw
            self.result.regions_created += 1
        return self.rw[key]


def _upsert_staff(db: Session, row: RosterRow, regions: _Regions, existing: Staff | None,
                  now: datetime) -> tuple[Staff, bool]:
    """Create or update one person; returns (staff, changed)."""
    scope_kec = scope_kel = None
    if row.role is Role.SUPERVISOR and row.kecamatan:
        scope_kec = regions.get_kecamatan(row.kecamatan, row.line)
        if row.kelurahan:
            scope_kel = regions.get_kelurahan(row.kecamatan, row.kelurahan, row.line)
    wanted = {"name": row.name, "role": row.role, "tpp_base": row.tpp_base,
              "scope_kecamatan_id": scope_kec.id if scope_kel is None and scope_kec else None,
              "scope_kelurahan_id": scope_kel.id if scope_kel else None}
    if scope_kel is not None:
        wanted["scope_kecamatan_id"] = scope_kel.kecamatan_id
    if existing is None:
        staff = Staff(phone=row.phone, active=True, created_at=now, updated_at=now, **wanted)
        db.add(staff)
        db.flush()
        return staff, True
    changed = any(getattr(existing, k) != v for k, v in wanted.items())
    if changed:
        for k, v in wanted.items():
            setattr(existing, k, v)
        existing.updated_at = now
    return existing, changed


def _assign_rws(row: RosterRow, staff: Staff, regions: _Regions) -> bool:
    """Make the RWs this row lists exactly the ones this person serves, in its role only."""
    wanted: set[int] = set()
    if row.role is not Role.SUPERVISOR:
        kel = regions.get_kelurahan(row.kecamatan, row.kelurahan, row.line)
        wanted = {regions.get_rw(kel, n).id for n in row.rws}
    changed = False
    for attr, role in (("officer_id", Role.OFFICER), ("backup_id", Role.BACKUP)):
        mine = wanted if row.role is role else set()
        for rw in regions.rw.values():
            holds = getattr(rw, attr) == staff.id
            if rw.id in mine and not holds:
                setattr(rw, attr, staff.id)
                changed = True
            elif holds and rw.id not in mine:
                setattr(rw, attr, None)
                changed = True
    return changed


def _check_backups_against_db(rows: list[RosterRow], regions: _Regions,
                              problems: list[Problem]) -> None:
    for row in rows:
        if row.role is not Role.BACKUP:
            continue
        kel = regions.get_kelurahan(row.kecamatan, row.kelurahan, row.line)
        for number in row.rws:
            if regions.get_rw(kel, number).officer_id is None:
                problems.append(Problem(row.line, "rw_without_officer",
                                        f"{kel.name} RW {number}"))


def apply_roster(db: Session, data: bytes, now: datetime) -> ImportResult:
    """Apply a roster file inside `db`'s transaction; the caller commits only if ok."""
    rows, problems = parse_roster(data)
    _check_rw_claims(rows, problems)
    result = ImportResult(problems=sorted(problems, key=lambda p: p.line))
    if problems:
        return result
    regions = _Regions(db, result)
    staff_by_phone = {s.phone: s for s in db.scalars(select(Staff))}
    ordered = sorted(rows, key=lambda r: (r.role is not Role.OFFICER, r.line))
    for row in ordered:
        staff, changed = _upsert_staff(db, row, regions, staff_by_phone.get(row.phone), now)
        changed = _assign_rws(row, staff, regions) or changed
        is_new = row.phone not in staff_by_phone
        staff_by_phone[row.phone] = staff
        result.created += is_new
        result.updated += changed and not is_new
        result.unchanged += not changed and not is_new
    db.flush()
    _check_backups_against_db(rows, regions, result.problems)
    result.problems.sort(key=lambda p: p.line)
    return result


def import_roster(rt: Runtime, data: bytes) -> ImportResult:
    """Import a roster file: everything is applied, or nothing at all."""
    session = rt.sessions()
    try:
        result = apply_roster(session, data, rt.now())
        if result.ok:
            session.commit()
        else:
            session.rollback()
        return result
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
