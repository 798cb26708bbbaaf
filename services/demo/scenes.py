"""The demo's timetable: the periodic jobs, the citizens' arrivals and the scripted scenes.

Random requests arrive all day (most in office hours, some in the evening or at the
weekend, when the SLA clock waits for the next opening). A few scenes are scripted so
every run shows them: a request resolved late whose breach the lurah then excuses, an
officer on leave whose backup takes the new tickets, a question to the citizen, a
transfer, and supervisors using REKAP and SKOR.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from services.channel.delivery import deliver_due
from services.core.transport import Transport
from services.demo.cast import EXCUSES, DemoRw, seeded
from services.demo.script import Book, new_request, request_story
from services.demo.simulation import Sim, Story, TicketView
from services.reports.digest import send_daily_digests
from services.reports.month_close import month_close_job
from services.tickets.sweep import sweep

TICK = timedelta(minutes=15)
LEAVE_REASONS = ("sakit demam", "anak sakit", "urusan keluarga", "sakit, surat dokter menyusul")
# When citizens write: weight per local hour.
HOURS = {6: 2, 7: 5, 8: 10, 9: 13, 10: 13, 11: 11, 12: 7, 13: 10, 14: 10, 15: 8, 16: 4,
         17: 2, 18: 2, 19: 2, 20: 1}
CLOSED_DAY_SHARE = 0.12          # weekend and holiday traffic, relative to a working day


def at(sim: Sim, day: date, hour: int, minute: int = 0) -> datetime:
    """That local time on `day`."""
    return datetime.combine(day, time(hour, minute), tzinfo=sim.rt.settings.zone)


def jobs_story(sim: Sim, transport: Transport, on_tick: Callable[[], None] | None) -> Story:
    """What the scheduler does: the SLA sweep and the outbox, every 15 minutes."""
    while True:
        sweep(sim.rt, sim.now)
        deliver_due(sim.rt, transport)
        if on_tick is not None:
            on_tick()
        yield TICK


def digest_story(sim: Sim, transport: Transport, day: date) -> Story:
    """07:00 on a working day: every supervisor's digest, once."""
    send_daily_digests(sim.rt, day)
    deliver_due(sim.rt, transport)
    return
    yield


def month_close_story(sim: Sim) -> Story:
    """00:05 on the 1st: freeze the month that ended."""
    month_close_job(sim.rt)
    return
    yield


def _weighted_places(rng: random.Random, places: list[DemoRw]) -> list[float]:
    busy = {kel: rng.uniform(0.4, 2.0) for kel in sorted({p.kelurahan_id for p in places})}
    return [busy[p.kelurahan_id] for p in places]


def spawn_arrivals(sim: Sim, book: Book, first: date, last: date, per_day: int) -> int:
    """Schedule every random request between `first` and `last` (inclusive)."""
    rng = seeded(book.seed, "arrivals")
    places = [p for p in book.cast.places if p.officer_phone]
    weights = _weighted_places(rng, places)
    hours, hour_weights = list(HOURS), list(HOURS.values())
    count, day = 0, first
    while day <= last:
        mean = per_day if sim.rt.calendar.is_working_day(day) else per_day * CLOSED_DAY_SHARE
        n = max(0, round(rng.gauss(mean, mean * 0.1)))
        for _ in range(n):
            when = at(sim, day, rng.choices(hours, hour_weights)[0], rng.randrange(60))
            when += timedelta(seconds=rng.randrange(60))
            place = rng.choices(places, weights)[0]
            story_rng = seeded(book.seed, "request", count)
            sim.spawn(_arrival(sim, book, place, story_rng), at=when)
            count += 1
        day += timedelta(days=1)
    return count


def _arrival(sim: Sim, book: Book, place: DemoRw, rng: random.Random,
             outcome: str | None = None, on_filed=None) -> Story:
    # The citizen is chosen when they write, so returning citizens are the ones done by then.
    yield from request_story(sim, book, new_request(book, rng, place, outcome), on_filed)


def _prefer(places: list[DemoRw], kelurahan: str, wanted) -> DemoRw | None:
    """The first place in `kelurahan` that passes `wanted`, else the first anywhere."""
    fitting = [p for p in places if wanted(p)]
    named = [p for p in fitting if p.kelurahan == kelurahan]
    return (named or fitting or [None])[0]


def late_and_excused(sim: Sim, book: Book, day: date) -> None:
    """A request resolved late in a kelurahan with a lurah, who then excuses the breach."""
    place = _prefer(book.cast.places, "Ketintang",
                    lambda p: p.officer_phone and p.kelurahan_id in book.cast.lurah
                    and not p.backup_phone)
    if place is None:
        return
    lurah = book.cast.lurah[place.kelurahan_id]

    def filed(ticket: TicketView) -> None:
        if ticket.deadline_at is not None:
            sim.spawn(_excuse(sim, book, lurah, ticket.id), at=ticket.deadline_at
                      + timedelta(minutes=75))

    rng = seeded(book.seed, "scene", "late")
    sim.spawn(_arrival(sim, book, place, rng, "late", filed), at=at(sim, day, 9, 10))


def _excuse(sim: Sim, book: Book, lurah: str, ticket_id: int) -> Story:
    rng = seeded(book.seed, "scene", "excuse")
    sim.say(lurah, f"MAAFKAN {ticket_id} {rng.choice(EXCUSES)}")
    book.scene("excused")
    return
    yield


def leave_and_backup(sim: Sim, book: Book, days: list[date]) -> None:
    """An officer with a backup goes on leave for a day or two; the backup gets new tickets."""
    place = _prefer(book.cast.places, "Ketintang", lambda p: p.officer_phone and p.backup_phone)
    if place is None:
        return
    first = days[1] if len(days) > 1 else days[0]
    until = days[min(2, len(days) - 1)]
    mine = [p for p in book.cast.places if p.officer_phone == place.officer_phone]
    sim.spawn(_leave(sim, book, place.officer_phone, until), at=at(sim, first, 6, 30))
    rng = seeded(book.seed, "scene", "leave")
    for i in range(3):
        story_rng = seeded(book.seed, "scene", "leave", i)
        sim.spawn(_arrival(sim, book, rng.choice(mine), story_rng, "resolve"),
                  at=at(sim, first, 9 + 2 * i, rng.randrange(60)))


def _leave(sim: Sim, book: Book, phone: str, until: date) -> Story:
    # Ill at dawn, the officer records the leave in chat; at the first working minute the
    # sweep hands her open tickets to the backup.
    rng = seeded(book.seed, "scene", "leave-reason")
    sim.say(phone, f"CUTI hari ini {until:%d-%m-%Y} {rng.choice(LEAVE_REASONS)}")
    book.scene("officer_on_leave")
    return
    yield


def forced_requests(sim: Sim, book: Book, day: date) -> None:
    """A question to the citizen and a transfer on the first day, whatever the dice say."""
    cast = book.cast
    places = [p for p in cast.places if p.officer_phone]
    movable = [p for p in places if any(o.officer_phone not in (None, p.officer_phone)
                                        for o in cast.in_kelurahan(p.kelurahan_id))]
    rng = seeded(book.seed, "scene", "forced")
    for outcome, hour, pool in (("ask", 9, places), ("transfer", 10, movable)):
        if not pool:
            continue
        place = rng.choice(pool)
        story_rng = seeded(book.seed, "scene", outcome)
        sim.spawn(_arrival(sim, book, place, story_rng, outcome),
                  at=at(sim, day, hour, rng.randrange(60)))


def supervisors_at_work(sim: Sim, book: Book, days: list[date]) -> None:
    """A camat asks for REKAP on the first morning; the city checks SKOR on the last day."""
    cast = book.cast
    camat = cast.camat.get("Wonokromo") or next(iter(cast.camat.values()), None)
    if camat:
        sim.spawn(_say(sim, camat, "REKAP"), at=at(sim, days[0], 10, 45))
    if cast.city:
        sim.spawn(_say(sim, cast.city[0], "SKOR"), at=at(sim, days[-1], 15, 30))
    officers = sorted({p.officer_phone for p in cast.places if p.officer_phone})
    rng = seeded(book.seed, "scene", "tugas")
    for day in days:
        for phone in rng.sample(officers, min(4, len(officers))):
            sim.spawn(_say(sim, phone, "TUGAS"), at=at(sim, day, 7, rng.randrange(30, 60)))


def _say(sim: Sim, phone: str, body: str) -> Story:
    sim.say(phone, body)
    return
    yield
