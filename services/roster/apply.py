"""Roster import (SPEC §2): all-or-nothing, idempotent upsert by phone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import RW, Kecamatan, Kelurahan, Role, Staff
from services.core.runtime import Runtime
from services.regions.wilayah import kecamatan_code, kelurahan_code
from services.roster.parse import Problem, RosterRow, check_rw_claims, parse_roster


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
    if row.nip_column:           # a file without the column leaves NIPs as they are
        wanted["nip"] = row.nip
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


def _check_nips_against_db(db: Session, rows: list[RosterRow], problems: list[Problem]) -> None:
    """A NIP already held by someone with another number is refused."""
    given = {row.nip: row for row in rows if row.nip is not None}
    if not given:
        return
    for nip, phone in db.execute(select(Staff.nip, Staff.phone).where(Staff.nip.in_(given))):
        if phone != given[nip].phone:
            problems.append(Problem(given[nip].line, "nip_taken", nip))


def apply_roster(db: Session, data: bytes, now: datetime) -> ImportResult:
    """Apply a roster file inside `db`'s transaction; the caller commits only if ok."""
    rows, problems = parse_roster(data)
    check_rw_claims(rows, problems)
    _check_nips_against_db(db, rows, problems)
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
