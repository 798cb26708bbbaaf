"""The demo's stories: a citizen files a request and its officer works it, in chat.

One story per request, from the citizen's first message to their rating, written as a
generator for `services.demo_sim.Sim`: every message goes through the real inbound path
(`Sim.say`), and the story waits realistic delays in between. How a request goes (on
time, late, a question first, a transfer, a refusal, a cancellation, never answered) is
drawn from the story's own seeded random generator, so a seed always plays the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from services.demo.cast import (
    ANSWERS,
    KK_NEEDS,
    KTP_NEEDS,
    NOTES,
    QUESTIONS,
    REJECTIONS,
    Cast,
    CitizenPerson,
    DemoRw,
    make_citizen,
    seeded,
)
from services.demo.photos import demo_photo
from services.demo.simulation import Sim, Story, TicketView

# How a request ends, and how often (forced outcomes script the guaranteed scenes).
OUTCOMES = {"resolve": 78, "ask": 10, "reject": 4, "cancel": 3, "ignore": 3, "transfer": 2}
# Officers' habits: share of officers, working minutes to acknowledge, share resolved late.
HABITS = {"diligent": (78, (2, 45), 0.03), "average": (17, (15, 120), 0.15),
          "sloppy": (5, (60, 300), 0.45)}
STARS_ON_TIME = (5, 5, 5, 5, 4, 4, 4, 3, 2)
STARS_LATE = (4, 3, 3, 2, 2, 1, 5)
RETURNING_SHARE = 0.08
RATING_SHARE = 0.75


@dataclass
class Book:
    """What the stories share: the citizens so far and the scenes that happened."""

    seed: int
    today: date                                     # the date NIKs are checked against
    cast: Cast
    citizens: int = 0
    returning: list[tuple[CitizenPerson, DemoRw]] = field(default_factory=list)
    busy: set[str] = field(default_factory=set)     # citizens with a story under way
    scenes: dict[str, int] = field(default_factory=dict)
    habits: dict[str, str] = field(default_factory=dict)

    def scene(self, name: str) -> None:
        self.scenes[name] = self.scenes.get(name, 0) + 1

    def habit(self, officer_phone: str) -> tuple[tuple[int, int], float]:
        """The officer's (acknowledge delay range, late share), fixed per officer and seed."""
        if officer_phone not in self.habits:
            rng = seeded(self.seed, "habit", officer_phone)
            names = list(HABITS)
            self.habits[officer_phone] = rng.choices(names, [HABITS[n][0] for n in names])[0]
        _, ack, late = HABITS[self.habits[officer_phone]]
        return ack, late


@dataclass(frozen=True)
class Request:
    """One citizen's request as the story will play it."""

    citizen: CitizenPerson
    place: DemoRw
    service: str
    returning: bool
    outcome: str
    rng: random.Random


def new_request(book: Book, rng: random.Random, place: DemoRw,
                outcome: str | None = None) -> Request:
    """Who writes (a new citizen, or now and then one who wrote before) and how it goes."""
    free = [(c, p) for c, p in book.returning if c.phone not in book.busy]
    if outcome is None and free and rng.random() < RETURNING_SHARE:
        citizen, place = rng.choice(free)
        returning = True
    else:
        book.citizens += 1
        citizen, returning = make_citizen(rng, book.citizens, place, book.today), False
    if outcome is None:
        outcome = rng.choices(list(OUTCOMES), list(OUTCOMES.values()))[0]
    service = "KK" if rng.random() < 0.35 else "KTP"
    return Request(citizen, place, service, returning, outcome, rng)


def _pause(rng: random.Random, low: int = 15, high: int = 90) -> timedelta:
    return timedelta(seconds=rng.randint(low, high))


def _rw_text(req: Request) -> str:
    place, rng = req.place, req.rng
    return rng.choice((place.typed(), place.typed(), f"kel. {place.kelurahan.lower()} rw "
                       f"{place.number:02d}", f"RW {place.number} {place.kelurahan}",
                       f"{place.kelurahan.upper()} RW.{place.number}"))


def _give_rw(sim: Sim, req: Request) -> Story:
    """Answer the RW question: confirm the last one, type it loosely, or share a location."""
    phone, place, rng = req.citizen.phone, req.place, req.rng
    if req.returning:
        sim.say(phone, "YA")
        yield _pause(rng)
        return
    if place.latitude is not None and rng.random() < 0.12:
        jitter = (rng.uniform(-2e-4, 2e-4), rng.uniform(-2e-4, 2e-4))
        sim.say(phone, "", location=(place.latitude + jitter[0], place.longitude + jitter[1]))
    else:
        sim.say(phone, _rw_text(req))
    yield _pause(rng)
    state = sim.step_of(phone)
    if state and state[0] == "choose":        # a twin name: pick ours from the list
        choices = state[1].get("choices") or []
        sim.say(phone, str(choices.index(place.kelurahan_id) + 1)
                if place.kelurahan_id in choices else place.typed())
        yield _pause(rng)
    elif state and state[0] == "rw":          # not understood: say it properly
        sim.say(phone, place.typed())
        yield _pause(rng)


def _file(sim: Sim, book: Book, req: Request) -> Story:
    """The request flow in chat, up to `YA`."""
    citizen, rng = req.citizen, req.rng
    if rng.random() < 0.15:
        sim.say(citizen.phone, rng.choice(("Halo", "Assalamualaikum", "Selamat pagi min")),
                name=citizen.name)
        yield _pause(rng)
    sim.say(citizen.phone, req.service if rng.random() < 0.7 else req.service.lower(),
            name=citizen.name)
    yield _pause(rng)
    yield from _give_rw(sim, req)
    if rng.random() < 0.06:                   # a digit short, then corrected
        sim.say(citizen.phone, citizen.nik[:-1])
        yield _pause(rng, 30, 120)
        book.scene("nik_retyped")
    nik = citizen.nik
    if rng.random() < 0.1:
        nik = " ".join(nik[i:i + 4] for i in range(0, 16, 4))
    sim.say(citizen.phone, nik)
    yield _pause(rng, 20, 120)
    if req.service == "KK":
        sim.say(citizen.phone, "BARU" if rng.random() < 0.3 else citizen.kk)
        yield _pause(rng)
    need = rng.choice(KK_NEEDS if req.service == "KK" else KTP_NEEDS)
    photo = [_photo(sim, book, "lampiran")] if rng.random() < 0.25 else []
    sim.say(citizen.phone, need, media=photo)
    yield _pause(rng, 20, 60)
    sim.say(citizen.phone, rng.choice(("YA", "ya", "Ya")))


def _photo(sim: Sim, book: Book, kind: str) -> dict[str, Any]:
    book.scene("photos")
    return demo_photo(sim.rt.settings, kind, book.scenes["photos"])


def request_story(sim: Sim, book: Book, req: Request, on_filed=None) -> Story:
    """A citizen's request from the first message to the rating."""
    phone = req.citizen.phone
    book.busy.add(phone)
    before = sim.latest_ticket(phone)
    try:
        yield from _file(sim, book, req)
        ticket = sim.latest_ticket(phone)
        if ticket is None or (before is not None and ticket.id == before.id):
            book.scene("abandoned")
            return
        book.scene("filed")
        if on_filed is not None:
            on_filed(ticket)
        finished = yield from _work(sim, book, req, ticket)
    finally:
        book.busy.discard(phone)
    if finished:
        book.returning.append((req.citizen, req.place))


def _work(sim: Sim, book: Book, req: Request, ticket: TicketView) -> Story:
    """The officer's side (and the citizen's answers); True when the story ran to its end."""
    rng, phone, officer = req.rng, req.citizen.phone, ticket.officer_phone
    if officer is None:
        return False
    (ack_low, ack_high), late_share = book.habit(officer)
    if req.outcome == "cancel":
        yield timedelta(minutes=rng.randint(5, 60))
        sim.say(phone, f"BATAL {ticket.id}")
        book.scene("cancelled")
        return True
    if req.outcome == "ignore":
        book.scene("ignored")
        return False
    if rng.random() < 0.1:
        yield timedelta(minutes=rng.randint(20, 90))
        sim.say(phone, "STATUS")
    yield sim.after_working(rng.uniform(ack_low, ack_high))
    officer = _holder(sim, ticket, officer)     # a leave may have handed it to the backup
    if officer is None:
        return False
    sim.say(officer, rng.choice((f"TERIMA {ticket.id}", f"terima #{ticket.id}")))
    if req.outcome == "ask":
        yield from _ask(sim, book, req, ticket, officer)
    if req.outcome == "transfer":
        officer = yield from _transfer(sim, book, req, ticket, officer)
        if officer is None:
            return False
    ticket = sim.ticket(ticket.id) or ticket
    if ticket.status == "waiting_citizen":
        return False
    late = req.outcome == "late" or rng.random() < late_share
    yield _close_time(sim, rng, ticket, late)
    return (yield from _close(sim, book, req, ticket, _holder(sim, ticket, officer), late))


def _close(sim: Sim, book: Book, req: Request, ticket: TicketView, officer: str | None,
           late: bool) -> Story:
    """Whoever holds the ticket now closes it; the citizen may rate it. True when done."""
    rng, phone = req.rng, req.citizen.phone
    if officer is None:
        return False
    if req.outcome == "reject":
        sim.say(officer, f"TOLAK {ticket.id} {rng.choice(REJECTIONS)}")
        book.scene("rejected")
        return True
    _resolve(sim, book, rng, ticket, officer)
    book.scene("resolved_late" if late else "resolved")
    if rng.random() < RATING_SHARE:
        yield timedelta(minutes=rng.randint(3, 240))
        if rng.random() < 0.08:
            sim.say(phone, "Terima kasih banyak pak/bu")
            yield _pause(rng, 30, 300)
        sim.say(phone, str(rng.choice(STARS_LATE if late else STARS_ON_TIME)))
        book.scene("rated")
    return True


def _holder(sim: Sim, ticket: TicketView, officer: str) -> str | None:
    """Who holds the ticket now (None: it waits for an officer)."""
    now = sim.ticket(ticket.id)
    return officer if now is None else now.officer_phone


def _ask(sim: Sim, book: Book, req: Request, ticket: TicketView, officer: str) -> Story:
    rng = req.rng
    yield sim.after_working(rng.uniform(5, 60))
    sim.say(officer, f"TANYA {ticket.id} {rng.choice(QUESTIONS)}")
    book.scene("asked")
    yield timedelta(minutes=rng.randint(10, 300))
    sim.say(req.citizen.phone, rng.choice(ANSWERS), media=[_photo(sim, book, "jawaban")])


def _transfer(sim: Sim, book: Book, req: Request, ticket: TicketView,
              officer: str) -> Story:
    """`ALIHKAN` to a neighbouring RW with another officer; that officer takes it on."""
    rng = req.rng
    others = [p for p in book.cast.in_kelurahan(req.place.kelurahan_id)
              if p.rw_id != ticket.rw_id and p.officer_phone not in (None, officer)]
    if not others:
        return officer
    target = rng.choice(others)
    yield sim.after_working(rng.uniform(5, 40))
    sim.say(officer, f"ALIHKAN {ticket.id} {target.typed()}")
    book.scene("transferred")
    moved = sim.ticket(ticket.id)
    if moved is None or moved.officer_phone in (None, officer):
        return None
    yield sim.after_working(rng.uniform(5, 60))
    sim.say(moved.officer_phone, f"TERIMA {ticket.id}")
    return moved.officer_phone


def _close_time(sim: Sim, rng: random.Random, ticket: TicketView, late: bool) -> datetime:
    deadline = ticket.deadline_at
    left = sim.working_minutes_until(deadline) if deadline else 0
    if late or left < 10:
        start = deadline or sim.now
        return sim.rt.calendar.add_working_time(max(start, sim.now),
                                                timedelta(minutes=rng.uniform(20, 600)))
    return sim.after_working(left * rng.uniform(0.1, 0.85))


def _resolve(sim: Sim, book: Book, rng: random.Random, ticket: TicketView,
             officer: str) -> None:
    note = rng.choice(NOTES)
    evidence = [_photo(sim, book, "bukti")] if rng.random() < 0.3 else []
    quoted = sim.bot_message_sid(officer, ticket.id) if rng.random() < 0.25 else None
    if quoted:
        sim.say(officer, f"SELESAI {note}".strip(), media=evidence, replied_sid=quoted)
        book.scene("quote_replies")
    else:
        sim.say(officer, f"SELESAI {ticket.id} {note}".strip(), media=evidence)
