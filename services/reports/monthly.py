"""The monthly performance and allowance report (SPEC §5), live or frozen by a month close.

The CSV form of it is `services.reports.monthly_csv`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import RW, DeliveryFailure, Kecamatan, Kelurahan, MonthClose, Role, Staff, Ticket
from models.delivery_failure import ACTED
from models.officer_month import TALLY_FIGURES
from models.ticket import index_predicate
from services.core.runtime import Runtime
from services.ledger.month import month_bounds
from services.ledger.tally import TALLY, ZERO
from services.people.phones import mask_phone
from services.tickets.deadlines import late_minutes_to
from sla.ledger import deduction_percent
from sla.scoring import compensation, iki, iko, rupiah_of, satisfaction, timeliness


@dataclass(slots=True)
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
    failed_notices: int = 0           # messages about a ticket that never reached them

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


@dataclass(slots=True)
class RegionScore:
    kecamatan: str
    kelurahan: str | None
    iko: float | None
    due: int


@dataclass(slots=True)
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


# The report reads table columns through Core: no ORM objects or entity rows on the path.
STAFF, RW_T, KEL, KEC, TICKET = (t.__table__ for t in (Staff, RW, Kelurahan, Kecamatan, Ticket))
FAILURE = DeliveryFailure.__table__
RwPlace = tuple[str, str, str]          # kecamatan, kelurahan, "<kelurahan> RW <n>"


def _officers(db: Connection, month: str) -> dict[int, OfficerRow]:
    """Every officer (not supervisors) by name, scored from the month's tally: one query."""
    rows: dict[int, OfficerRow] = {}
    deductions: dict[Decimal, Decimal] = {}      # few distinct sums: clamp each once
    for person_id, name, phone, tpp_base, *figures in db.execute(
            select(STAFF.c.id, STAFF.c.name, STAFF.c.phone, STAFF.c.tpp_base,
                   *(TALLY.c[c] for c in TALLY_FIGURES))
            .join_from(STAFF, TALLY, and_(TALLY.c.officer_id == STAFF.c.id,
                                          TALLY.c.month == month), isouter=True)
            .where(STAFF.c.role != Role.SUPERVISOR).order_by(STAFF.c.name, STAFF.c.id)).all():
        rows[person_id] = _scored(person_id, name, mask_phone(phone), tpp_base,
                                  ZERO if figures[0] is None else figures, deductions)
    return rows


def _scored(person_id: int, name: str, phone: str, tpp_base: int, figures,
            deductions: dict[Decimal, Decimal]) -> OfficerRow:
    """The officer's row: counts, IKI and deduction from their tally figures."""
    closed, on_time, rated, rating_sum, breaches, excused, percent = figures
    on_time_score = timeliness(on_time, breaches - excused)
    rating_score = satisfaction(rating_sum, rated)
    deduction = deductions.get(percent)
    if deduction is None:
        deduction = deductions[percent] = deduction_percent([Decimal(percent)])
    rupiah = rupiah_of(deduction, tpp_base)
    return OfficerRow(person_id, name, phone, "", [], closed, on_time, breaches, excused,
                      on_time_score, rating_score, iki(on_time_score, rating_score),
                      float(deduction), rupiah, tpp_base, tpp_base - rupiah)


def _count_failed_notices(db: Connection, rows: dict[int, OfficerRow], start, end) -> None:
    """Per officer, the tickets whose message to them failed for good in the month (each
    handled once: the ticket moved on, or waited for an officer)."""
    for officer_id, count in db.execute(
            select(FAILURE.c.officer_id, func.count())
            .where(FAILURE.c.recorded_at >= start, FAILURE.c.recorded_at < end,
                   FAILURE.c.outcome.in_(ACTED), FAILURE.c.officer_id.is_not(None))
            .group_by(FAILURE.c.officer_id)):
        if officer_id in rows:
            rows[officer_id].failed_notices = count


def _served(db: Connection, rows: dict[int, OfficerRow]) -> dict[int, RwPlace]:
    """Label each officer with the RWs they serve; returns each RW's place."""
    served = _driver_rows(db, select(RW_T.c.id, RW_T.c.officer_id, RW_T.c.backup_id,
                                     RW_T.c.number, KEL.c.name, KEC.c.name)
                          .join_from(RW_T, KEL, RW_T.c.kelurahan_id == KEL.c.id)
                          .join(KEC, KEL.c.kecamatan_id == KEC.c.id)
                          .order_by(KEL.c.name, RW_T.c.number))
    places: dict[int, RwPlace] = {}
    for rw_id, officer_id, backup_id, number, kel, kec in served:
        label = f"{kel} RW {number}"
        places[rw_id] = (kec, kel, label)
        if officer_id in rows:
            _serve(rows[officer_id], label, kec, kel)
        if backup_id in rows:
            _serve(rows[backup_id], f"{label} (cadangan)", kec, kel)
    return places


def _serve(row: OfficerRow, label: str, kecamatan: str, kelurahan: str) -> None:
    """Add an RW to the officer's row (called in the RWs' order)."""
    row.rws = f"{row.rws}; {label}" if row.rws else label
    region = [kecamatan, kelurahan]
    if region not in row.regions:
        row.regions.append(region)


def _region_scores(officers: list[OfficerRow]) -> tuple[list[RegionScore], list[RegionScore]]:
    by_kel: defaultdict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    by_kec: defaultdict[str, list[tuple[float, int]]] = defaultdict(list)
    for row in officers:                # each list keeps the officers' order
        score = (row.iki, row.due)
        for kec, kel in row.regions:
            by_kel[kec, kel].append(score)
            in_kec = by_kec[kec]
            if not in_kec or in_kec[-1] is not score:     # an officer counts once a kecamatan
                in_kec.append(score)
    kelurahan = [RegionScore(kec, kel, iko(s), sum(w for _, w in s))
                 for (kec, kel), s in sorted(by_kel.items())]
    kecamatan = [RegionScore(kec, None, iko(s), sum(w for _, w in s))
                 for kec, s in sorted(by_kec.items())]
    return kelurahan, kecamatan


def _driver_rows(db: Connection, query) -> list[tuple]:
    """`query`'s rows as the driver's tuples, skipping SQLAlchemy's result processing: only
    for columns the driver returns ready to use, or that the caller converts. A `Row` per
    result row costs time to make and keeps the garbage collector busy (7,000 a month)."""
    with db.execute(query) as result:
        return result.cursor.fetchall()


def _while_unknown(column):
    """`column` only where no lateness is stored (else NULL): most rows carry NULL."""
    return case((TICKET.c.late_minutes.is_(None), column))


def _compensation(rt: Runtime, db: Connection, places: dict[int, RwPlace], start, end,
                  now: datetime) -> list[CompensationRow]:
    """One row per ticket breached in the month (read through `ix_ticket_breached`).

    A closed ticket's lateness was stored at its close; only open tickets (and any closed
    before it was stored) are measured here, to `now`."""
    found = _driver_rows(db, select(
        TICKET.c.id, TICKET.c.service, TICKET.c.rw_id, TICKET.c.late_minutes,
        _while_unknown(TICKET.c.deadline_at), _while_unknown(TICKET.c.closed_at))
        .where(index_predicate("ix_ticket_breached"), TICKET.c.breached_at >= start,
               TICKET.c.breached_at < end))
    found.sort(key=itemgetter(0))                        # by ticket number
    # The timestamps come raw from the driver (text on SQLite): convert them as the column
    # does, for the few rows that carry them.
    as_utc = TICKET.c.deadline_at.type.dialect_impl(db.dialect).result_processor(db.dialect,
                                                                                 None)
    measured = iter(late_minutes_to(rt.calendar, [
        (as_utc(deadline_at), closed_at and as_utc(closed_at))
        for _, _, _, late, deadline_at, closed_at in found if late is None], now))
    per_day, day_minutes = rt.settings.compensation_per_day, rt.settings.working_day_minutes
    rows = []
    for ticket_id, service, rw_id, late, _, closed_at in found:
        closed = late is not None or closed_at is not None
        if late is None:
            late = next(measured)
        days, amount = compensation(late, per_day.get(service, 0), day_minutes)
        kecamatan, kelurahan, rw = places[rw_id]
        rows.append(CompensationRow(ticket_id, service, kecamatan, kelurahan, rw,
                                    round(late, 1), days, amount, closed))
    return rows


def compute_report(rt: Runtime, db: Session, month: str, now: datetime) -> MonthlyReport:
    """The city-wide report for `month` computed from the database as of `now`."""
    start, end = month_bounds(month, rt.settings.zone)
    db.flush()          # the queries below are Core reads: let them see pending changes
    conn = db.connection()
    rows = _officers(conn, month)
    _count_failed_notices(conn, rows, start, end)
    places = _served(conn, rows)
    officers = list(rows.values())
    kelurahan, kecamatan = _region_scores(officers)
    return MonthlyReport(month, now.isoformat(), False, officers, kelurahan, kecamatan,
                         _compensation(rt, conn, places, start, end, now))


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
