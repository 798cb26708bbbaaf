"""The demo (`flask --app wsgi demo`): the demo roster and a few working days of real use.

It imports `data/demo_roster.csv` and `data/demo_balai.csv` (idempotent), then plays the
working days up to the last one before today on its own runtime: the configured database,
the console transport (nothing leaves the machine) and a ManualClock the stories move.
Citizens and staff write through the real inbound path with the conversation handler the
caller passes in (services never import `bot`); the sweep and the outbox run every 15
simulated minutes, the digests at 07:00, a month close on the 1st, as the scheduler would.

The demo plays once per database. Run again, it finds its own tickets and changes nothing
(exit 0); it refuses a database holding anyone else's tickets or staff (real data is never
mixed with made-up people).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from models import Breach, Citizen, DigestSent, Direction, Message, Staff, Ticket
from services.channel.delivery import deliver_due
from services.core.clock import ManualClock
from services.core.context import Handler
from services.core.runtime import Runtime, build_runtime
from services.demo.cast import is_demo_citizen, load_cast
from services.demo.city_roster import BALAI_FILE, ROSTER_FILE
from services.demo.scenes import (
    TICK,
    digest_story,
    jobs_story,
    late_and_excused,
    leave_and_backup,
    month_close_story,
    spawn_arrivals,
    supervisors_at_work,
)
from services.demo.scenes import forced_requests as forced
from services.demo.script import Book
from services.demo.simulation import Sim
from services.people.phones import normalize_phone
from services.reports.monthly import MonthlyReport, monthly_report
from services.reports.verify import verify_month
from services.roster.apply import import_roster
from services.roster.balai import import_balai
from services.roster.parse import parse_roster
from services.tickets.unreachable import listen as listen_for_delivery_failures
from sla.digest_period import previous_working_day

DEFAULT_DAYS = 5
DEFAULT_PER_DAY = 150


class DemoRefused(Exception):
    """The demo will not run on this database; `code` picks the wording."""

    def __init__(self, code: str, **details) -> None:
        super().__init__(code)
        self.code, self.details = code, details


@dataclass(frozen=True)
class DemoOptions:
    days: int = DEFAULT_DAYS
    seed: int = 1
    per_day: int = DEFAULT_PER_DAY            # random requests per working day
    roster: Path = ROSTER_FILE
    balai: Path = BALAI_FILE


@dataclass(frozen=True)
class DemoPlan:
    days: list[date]                          # the working days played, oldest first
    start: datetime                           # 00:00 of the first
    end: datetime                             # 00:00 after the last

    @property
    def ticks(self) -> int:
        """How many 15-minute scheduler rounds the demo plays (the progress bar's length)."""
        return int((self.end - self.start) / TICK)

    @property
    def month(self) -> str:
        return self.days[-1].strftime("%Y-%m")


@dataclass
class DemoResult:
    plan: DemoPlan
    statuses: dict[str, int]
    breaches: int
    excused: int
    digests: int
    messages_in: int
    messages_out: int
    ratings: int
    report: MonthlyReport
    differences: int
    scenes: dict[str, int] = field(default_factory=dict)

    @property
    def tickets(self) -> int:
        return sum(self.statuses.values())

    @property
    def deduction_rp(self) -> int:
        return sum(o.deduction_rp for o in self.report.officers)

    @property
    def compensation_rp(self) -> int:
        return sum(c.amount for c in self.report.compensation)

    @property
    def officers_with_deduction(self) -> int:
        return sum(1 for o in self.report.officers if o.deduction_rp)

    @property
    def mean_iki(self) -> float | None:
        """Mean IKI of the officers who had tickets due."""
        due = [o.iki for o in self.report.officers if o.due]
        return sum(due) / len(due) if due else None

    @property
    def worst(self) -> list:
        """The three officers with the lowest IKI among those who had tickets due."""
        due = [o for o in self.report.officers if o.due]
        return sorted(due, key=lambda o: (o.iki, o.name))[:3]


def check_database(rt: Runtime, options: DemoOptions) -> None:
    """Raise DemoRefused unless the database is empty or holds only the demo roster."""
    demo_phones = {row.phone for row in parse_roster(options.roster.read_bytes())[0]}
    with rt.sessions() as db:
        tickets = db.scalar(select(func.count(Ticket.id))) or 0
        phones = set(db.scalars(select(Citizen.phone).join(Ticket, Ticket.citizen_id
                                                           == Citizen.id).distinct()))
        staff = set(db.scalars(select(Staff.phone)))
        if tickets:
            first, last = db.execute(select(func.min(Ticket.submitted_at),
                                            func.max(Ticket.submitted_at))).one()
    if any(is_demo_citizen(p) for p in phones):   # simulator chats since then are fine
        raise DemoRefused("already_played", tickets=tickets, first=first, last=last)
    if tickets:
        raise DemoRefused("has_tickets", tickets=tickets)
    strangers = staff - demo_phones
    if strangers:
        raise DemoRefused("foreign_staff", count=len(strangers))


def import_demo_roster(rt: Runtime, options: DemoOptions):
    """Import the demo roster and balai coordinates (unchanged rows stay unchanged)."""
    roster = import_roster(rt, options.roster.read_bytes())
    balai = import_balai(rt, options.balai.read_bytes()) if roster.ok else None
    return roster, balai


def plan_demo(rt: Runtime, options: DemoOptions, today: date) -> DemoPlan:
    """The `options.days` working days ending at the last working day before `today`."""
    days = [previous_working_day(rt.calendar, today)]
    while len(days) < max(1, options.days):
        days.insert(0, previous_working_day(rt.calendar, days[0]))
    zone = rt.settings.zone
    start = datetime.combine(days[0], time(0), tzinfo=zone)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone)
    return DemoPlan(days, start, end)


def demo_runtime(rt: Runtime, start: datetime) -> Runtime:
    """The app's database and calendar with the console transport and a manual clock."""
    settings = replace(rt.settings, transport="console", outbox_sender_thread=False,
                       run_scheduler=False)
    demo = build_runtime(settings, clock=ManualClock(start))
    listen_for_delivery_failures(demo)
    return demo


@contextmanager
def quiet_logs() -> Iterator[None]:
    """Per-message INFO and template warnings would bury the progress bar."""
    names = ("services", "bot", "sla")
    levels = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _schedule(sim: Sim, book: Book, plan: DemoPlan, options: DemoOptions, transport,
              on_tick) -> None:
    sim.spawn(jobs_story(sim, transport, on_tick), at=plan.start)
    day = plan.days[0]
    while day <= plan.days[-1]:
        if day.day == 1:
            sim.spawn(month_close_story(sim), at=datetime.combine(
                day, time(0, 5), tzinfo=sim.rt.settings.zone))
        day += timedelta(days=1)
    for day in plan.days:
        sim.spawn(digest_story(sim, transport, day), at=datetime.combine(
            day, time(7), tzinfo=sim.rt.settings.zone))
    spawn_arrivals(sim, book, plan.days[0], plan.days[-1], options.per_day)
    late_and_excused(sim, book, plan.days[0])
    leave_and_backup(sim, book, plan.days)
    forced(sim, book, plan.days[0])
    supervisors_at_work(sim, book, plan.days)


def play_demo(rt: Runtime, handler: Handler, options: DemoOptions, plan: DemoPlan,
              on_tick: Callable[[], None] | None = None) -> DemoResult:
    """Play the plan on a manual-clock runtime over the same database; summarise it."""
    demo = demo_runtime(rt, plan.start)
    try:
        sim = Sim(demo, handler, plan.start, options.seed)
        book = Book(options.seed, plan.days[-1] + timedelta(days=1), load_cast(demo))
        with quiet_logs():
            _schedule(sim, book, plan, options, demo.transport, on_tick)
            sim.run_until(plan.end)
            demo.clock.set(plan.end)
            deliver_due(demo, demo.transport)
        return summarise(demo, plan, book.scenes)
    finally:
        demo.close()


def summarise(rt: Runtime, plan: DemoPlan, scenes: dict[str, int]) -> DemoResult:
    """Counts from the database and the month's report, as of the end of the demo."""
    start = plan.start
    with rt.sessions() as db:
        statuses = {str(getattr(s, "value", s)): n for s, n in db.execute(
            select(Ticket.status, func.count()).where(Ticket.submitted_at >= start)
            .group_by(Ticket.status)).all()}
        breaches, excused = db.execute(select(func.count(Breach.id),
                                              func.count(Breach.excused_at))).one()
        digests = db.scalar(select(func.count(DigestSent.id))) or 0
        directions = dict(db.execute(select(Message.direction, func.count())
                                     .group_by(Message.direction)).all())
        ratings = db.scalar(select(func.count(Ticket.rating))) or 0
    report = monthly_report(rt, plan.month)   # the month of the last day played
    differences = len(verify_month(rt, plan.month))
    return DemoResult(plan, dict(sorted(statuses.items())), breaches, excused, digests,
                      directions.get(Direction.IN.value, 0),
                      directions.get(Direction.OUT.value, 0), ratings, report, differences,
                      dict(sorted(scenes.items())))


def example_people(rt: Runtime) -> dict[str, str]:
    """Numbers worth trying in the simulator: a lurah, an officer, a backup (E.164)."""
    wanted = {"lurah": "0812-0000-0901", "officer": "0812-0000-0101", "backup": "0812-0000-0102"}
    found = {}
    with rt.sessions() as db:
        for role, phone in wanted.items():
            person = db.scalar(select(Staff).where(Staff.phone == normalize_phone(phone)))
            if person is not None:
                found[role] = f"{person.name} ({phone})"
    return found
