"""The monthly performance and allowance report (SPEC §5), live or frozen by a month close."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models import RW, Breach, Kecamatan, Kelurahan, LedgerEntry, MonthClose, Role, Staff, Ticket
from services.month import month_bounds
from services.phones import mask_phone
from services.runtime import Runtime
from services.ticket_clock import late_minutes_between
from sla.ledger import deduction_percent
from sla.scoring import compensation, iki, iko, rupiah_of, satisfaction, timeliness

CLOSED = ("resolved", "rejected")


@dataclass
class OfficerRow:
    officer_id: int
    name: str
    phone: str                       # masked
    rws: str
    regions: list[list[str]]          # [kecamatan, kelurahan] pairs served
    closed: int = 0
    on_time: int = 0
    breaches: int = 0
    excused: int = 0
    timeliness: float = 100.0
    satisfaction: float | None = None
    iki: float = 100.0
    deduction_percent: float = 0.0
    deduction_rp: int = 0
    tpp_base: int = 0
    tpp_after: int = 0

    @property
    def kelurahan(self) -> list[str]:
        return [kel for _, kel in self.regions]

    @property
    def kecamatan(self) -> list[str]:
        return sorted({kec for kec, _ in self.regions})

    @property
    def due(self) -> int:
        """Tickets that fell due: on-time closes plus unexcused breaches (the IKO weight)."""
        return self.on_time + self.breaches - self.excused


@dataclass
class RegionScore:
    kecamatan: str
    kelurahan: str | None
    iko: float | None
    due: int


@dataclass
class CompensationRow:
    ticket: int
    service: str
    kecamatan: str
    kelurahan: str
    rw: str
    late_minutes: float
    days: int
    amount: int
    closed: bool


@dataclass
class MonthlyReport:
    month: str
    generated_at: str
    frozen: bool
    officers: list[OfficerRow] = field(default_factory=list)
    kelurahan: list[RegionScore] = field(default_factory=list)
    kecamatan: list[RegionScore] = field(default_factory=list)
    compensation: list[CompensationRow] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MonthlyReport:
        return cls(month=data["month"], generated_at=data["generated_at"], frozen=True,
                   officers=[OfficerRow(**o) for o in data["officers"]],
                   kelurahan=[RegionScore(**r) for r in data["kelurahan"]],
                   kecamatan=[RegionScore(**r) for r in data["kecamatan"]],
                   compensation=[CompensationRow(**c) for c in data["compensation"]])


def _officer_rows(db: Session) -> dict[int, OfficerRow]:
    rows: dict[int, OfficerRow] = {}
    for person_id, name, phone, tpp_base in db.execute(
            select(Staff.id, Staff.name, Staff.phone, Staff.tpp_base)
            .where(Staff.role != Role.SUPERVISOR).order_by(Staff.name)):
        rows[person_id] = OfficerRow(person_id, name, mask_phone(phone), "", [],
                                     tpp_base=tpp_base)
    served = db.execute(select(RW.officer_id, RW.backup_id, RW.number, Kelurahan.name,
                               Kecamatan.name).select_from(RW)
                        .join(Kelurahan, RW.kelurahan_id == Kelurahan.id)
                        .join(Kecamatan, Kelurahan.kecamatan_id == Kecamatan.id)
                        .order_by(Kelurahan.name, RW.number)).all()
    labels: dict[int, list[str]] = {}
    for officer_id, backup_id, number, kel, kec in served:
        for person_id, suffix in ((officer_id, ""), (backup_id, " (cadangan)")):
            if person_id in rows:
                labels.setdefault(person_id, []).append(f"{kel} RW {number}{suffix}")
                if [kec, kel] not in rows[person_id].regions:
                    rows[person_id].regions.append([kec, kel])
    for person_id, names in labels.items():
        rows[person_id].rws = "; ".join(names)
    return rows


def _count_closes(db: Session, rows: dict[int, OfficerRow], start, end) -> dict[int, list]:
    closes = db.execute(
        select(Ticket.officer_id, func.count(),
               func.sum(case((Ticket.breached_at.is_(None), 1), else_=0)),
               func.count(Ticket.rating), func.coalesce(func.sum(Ticket.rating), 0))
        .where(Ticket.closed_at >= start, Ticket.closed_at < end, Ticket.status.in_(CLOSED),
               Ticket.officer_id.is_not(None))
        .group_by(Ticket.officer_id)).all()
    ratings: dict[int, list] = {}
    for officer_id, closed, on_time, rated, rating_sum in closes:
        if officer_id in rows:
            rows[officer_id].closed, rows[officer_id].on_time = closed, int(on_time or 0)
            ratings[officer_id] = [rated, int(rating_sum)]
    return ratings


def _count_breaches(db: Session, rows: dict[int, OfficerRow], start, end) -> None:
    for officer_id, total, excused in db.execute(
            select(Breach.officer_id, func.count(), func.count(Breach.excused_at))
            .where(Breach.deadline_at >= start, Breach.deadline_at < end)
            .group_by(Breach.officer_id)).all():
        if officer_id in rows:
            rows[officer_id].breaches, rows[officer_id].excused = total, excused


def _apply_scores(db: Session, rows: dict[int, OfficerRow], ratings: dict[int, list],
                  month: str) -> None:
    sums = dict(db.execute(select(LedgerEntry.officer_id, func.sum(LedgerEntry.percent))
                           .where(LedgerEntry.month == month)
                           .group_by(LedgerEntry.officer_id)).all())
    for officer_id, row in rows.items():
        row.timeliness = timeliness(row.on_time, row.breaches - row.excused)
        rated, total = ratings.get(officer_id, [0, 0])
        row.satisfaction = satisfaction(total, rated)
        row.iki = iki(row.timeliness, row.satisfaction)
        percent = deduction_percent([Decimal(sums.get(officer_id) or 0)])
        row.deduction_percent = float(percent)
        row.deduction_rp = rupiah_of(percent, row.tpp_base)
        row.tpp_after = row.tpp_base - row.deduction_rp


def _region_scores(officers: list[OfficerRow]) -> tuple[list[RegionScore], list[RegionScore]]:
    by_kel: dict[tuple[str, str], list[tuple[float, int]]] = {}
    by_kec: dict[str, list[tuple[float, int]]] = {}
    for row in officers:
        for kec, kel in row.regions:
            by_kel.setdefault((kec, kel), []).append((row.iki, row.due))
        for kec in row.kecamatan:
            by_kec.setdefault(kec, []).append((row.iki, row.due))
    kelurahan = [RegionScore(kec, kel, iko(s), sum(w for _, w in s))
                 for (kec, kel), s in sorted(by_kel.items())]
    kecamatan = [RegionScore(kec, None, iko(s), sum(w for _, w in s))
                 for kec, s in sorted(by_kec.items())]
    return kelurahan, kecamatan


def _compensation(rt: Runtime, db: Session, start, end, now: datetime) -> list[CompensationRow]:
    # One query for every breached ticket of the month, not one object graph per ticket.
    rows = []
    per_day = rt.settings.compensation_per_day
    for ticket_id, service, deadline_at, closed_at, number, kel, kec in db.execute(
            select(Ticket.id, Ticket.service, Ticket.deadline_at, Ticket.closed_at, RW.number,
                   Kelurahan.name, Kecamatan.name)
            .join(Breach, Breach.ticket_id == Ticket.id)
            .join(RW, Ticket.rw_id == RW.id).join(Kelurahan, RW.kelurahan_id == Kelurahan.id)
            .join(Kecamatan, Kelurahan.kecamatan_id == Kecamatan.id)
            .where(Breach.deadline_at >= start, Breach.deadline_at < end)
            .order_by(Ticket.id)):
        late = late_minutes_between(rt.calendar, deadline_at, closed_at, now)
        days, amount = compensation(late, per_day.get(service.value, 0),
                                    rt.settings.working_day_minutes)
        rows.append(CompensationRow(ticket_id, service.value, kec, kel, f"{kel} RW {number}",
                                    round(late, 1), days, amount, closed_at is not None))
    return rows


def compute_report(rt: Runtime, db: Session, month: str, now: datetime) -> MonthlyReport:
    """The city-wide report for `month` computed from the database as of `now`."""
    start, end = month_bounds(month, rt.settings.zone)
    rows = _officer_rows(db)
    ratings = _count_closes(db, rows, start, end)
    _count_breaches(db, rows, start, end)
    _apply_scores(db, rows, ratings, month)
    officers = list(rows.values())
    kelurahan, kecamatan = _region_scores(officers)
    return MonthlyReport(month, now.isoformat(), False, officers, kelurahan, kecamatan,
                         _compensation(rt, db, start, end, now))


def monthly_report(rt: Runtime, month: str, *, kelurahan: str | None = None,
                   kecamatan: str | None = None, db: Session | None = None) -> MonthlyReport:
    """The month's report: the frozen snapshot of a closed month, else computed now.

    Pass `db` when already inside a transaction (SQLite allows one writer at a time)."""
    if db is None:
        with rt.sessions() as own:
            return monthly_report(rt, month, kelurahan=kelurahan, kecamatan=kecamatan, db=own)
    closed = db.get(MonthClose, month)
    report = (MonthlyReport.from_dict(closed.report) if closed
              else compute_report(rt, db, month, rt.now()))
    return filter_report(report, kelurahan=kelurahan, kecamatan=kecamatan)


def _in_region(pairs: list[list[str]], kelurahan: str | None, kecamatan: str | None) -> bool:
    return any((kelurahan is None or kel.lower() == kelurahan.lower())
               and (kecamatan is None or kec.lower() == kecamatan.lower())
               for kec, kel in pairs)


def filter_report(report: MonthlyReport, *, kelurahan: str | None = None,
                  kecamatan: str | None = None) -> MonthlyReport:
    """Keep only officers, regions and compensation rows in the named region
    (a kelurahan, a kecamatan, or a kelurahan within a kecamatan)."""
    if kelurahan is None and kecamatan is None:
        return report
    return MonthlyReport(
        report.month, report.generated_at, report.frozen,
        [o for o in report.officers if _in_region(o.regions, kelurahan, kecamatan)],
        [r for r in report.kelurahan
         if _in_region([[r.kecamatan, r.kelurahan or ""]], kelurahan, kecamatan)],
        [r for r in report.kecamatan if kelurahan is None
         and _in_region([[r.kecamatan, ""]], None, kecamatan)],
        [c for c in report.compensation
         if _in_region([[c.kecamatan, c.kelurahan]], kelurahan, kecamatan)])


def report_for_scope(rt: Runtime, db: Session, month: str, staff: Staff) -> MonthlyReport:
    """The report a person may see: a supervisor their region, an officer their own row."""
    report = monthly_report(rt, month, db=db)
    if staff.role is not Role.SUPERVISOR:
        return MonthlyReport(report.month, report.generated_at, report.frozen,
                             [o for o in report.officers if o.officer_id == staff.id])
    kel = staff.scope_kelurahan.name if staff.scope_kelurahan else None
    kec = staff.scope_kecamatan.name if staff.scope_kecamatan else None
    return filter_report(report, kelurahan=kel, kecamatan=kec)


CSV_COLUMNS = ("nama", "telepon", "rw", "ditutup", "tepat_waktu", "pelanggaran", "dimaafkan",
               "ketepatan", "kepuasan", "iki", "potongan_persen", "potongan_rp", "tpp_dasar",
               "tpp_setelah_potongan")


def report_csv(report: MonthlyReport) -> str:
    """The officers' table as CSV (phones masked), then regions and compensation."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for o in report.officers:
        writer.writerow([o.name, o.phone, o.rws, o.closed, o.on_time, o.breaches, o.excused,
                         f"{o.timeliness:.1f}", "" if o.satisfaction is None
                         else f"{o.satisfaction:.1f}", f"{o.iki:.1f}",
                         f"{o.deduction_percent:.2f}", o.deduction_rp, o.tpp_base, o.tpp_after])
    writer.writerow([])
    writer.writerow(("wilayah", "kecamatan", "kelurahan", "iko", "tiket_jatuh_tempo"))
    for r in report.kecamatan + report.kelurahan:
        writer.writerow(("kelurahan" if r.kelurahan else "kecamatan", r.kecamatan,
                         r.kelurahan or "", "" if r.iko is None else f"{r.iko:.1f}", r.due))
    writer.writerow([])
    writer.writerow(("kompensasi_tiket", "layanan", "rw", "menit_kerja_terlambat",
                     "hari_terlambat", "kompensasi_rp", "sudah_ditutup"))
    for c in report.compensation:
        writer.writerow((f"#{c.ticket}", c.service, c.rw, c.late_minutes, c.days, c.amount,
                         "ya" if c.closed else "belum"))
    return out.getvalue()
