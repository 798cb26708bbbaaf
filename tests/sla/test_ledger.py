"""Ledger and scoring arithmetic, by hand-computed examples (no database)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sla.calendar import WorkCalendar
from sla.ledger import (
    BreachFacts,
    LedgerRates,
    charged_at,
    deduction_percent,
    expected_entries,
)
from sla.scoring import compensation, iki, iko, rupiah_of, satisfaction, timeliness

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar.from_config()
RATES = LedgerRates()


def wib(*a: int) -> datetime:
    return datetime(*a, tzinfo=WIB)


def facts(**kw) -> BreachFacts:
    base = {"ticket_id": 1, "deadline_at": wib(2026, 11, 24, 10), "closed_at": None,
            "holders": [(wib(2026, 11, 23, 10), 7)]}
    return BreachFacts(**{**base, **kw})


def summary(entries):
    return [(e.key, e.officer_id, e.percent, e.effective_at) for e in entries]


def test_nothing_before_the_deadline():
    assert expected_entries(CAL, facts(), wib(2026, 11, 24, 9, 59), RATES) == []


def test_a_breach_adds_five_percent_at_the_deadline():
    assert summary(expected_entries(CAL, facts(), wib(2026, 11, 24, 10), RATES)) == [
        ("breach", 7, Decimal(5), wib(2026, 11, 24, 10))]


def test_each_further_full_working_day_adds_two_percent():
    entries = expected_entries(CAL, facts(closed_at=wib(2026, 11, 27, 11)), wib(2026, 12, 1),
                               RATES)
    assert summary(entries) == [
        ("breach", 7, Decimal(5), wib(2026, 11, 24, 10)),
        ("late:1", 7, Decimal(2), wib(2026, 11, 25, 10)),
        ("late:2", 7, Decimal(2), wib(2026, 11, 26, 10)),
        ("late:3", 7, Decimal(2), wib(2026, 11, 27, 10)),
    ]


def test_late_days_skip_weekends_and_holidays():
    # deadline Thu 2026-12-24 is a holiday week: Christmas joint leave 24th, Christmas 25th
    entries = expected_entries(CAL, facts(deadline_at=wib(2026, 12, 23, 15)),
                               wib(2026, 12, 29, 16), RATES)
    assert [e.effective_at for e in entries[1:]] == [wib(2026, 12, 28, 15), wib(2026, 12, 29, 15)]


def test_an_excusal_reverses_every_entry_and_stops_accrual():
    entries = expected_entries(CAL, facts(excused_at=wib(2026, 11, 25, 12), excused_by=3,
                                          excuse_reason="banjir"), wib(2026, 11, 30), RATES)
    assert [(e.key, e.percent) for e in entries] == [
        ("breach", Decimal(5)), ("late:1", Decimal(2)),
        ("reverse:breach", Decimal(-5)), ("reverse:late:1", Decimal(-2))]
    assert {e.actor_id for e in entries[2:]} == {3}
    assert {e.reason for e in entries[2:]} == {"banjir"}


def test_entries_go_to_whoever_held_the_ticket_then():
    holders = [(wib(2026, 11, 23, 10), 7), (wib(2026, 11, 24, 13), 8)]
    entries = expected_entries(CAL, facts(holders=holders), wib(2026, 11, 25, 11), RATES)
    assert [(e.key, e.officer_id) for e in entries] == [("breach", 7), ("late:1", 8)]


def test_unassigned_tickets_charge_nobody():
    assert expected_entries(CAL, facts(holders=[(wib(2026, 11, 23, 10), None)]),
                            wib(2026, 11, 30), RATES) == []


# Officer 7's notice failed; learned at 11-25 12:00 (after the breach and a late day), the
# ticket went to 8 then: a handover marked unreached (position 1 in `holders`).
UNREACHED = {"holders": [(wib(2026, 11, 23, 10), 7), (wib(2026, 11, 25, 12), 8)],
             "unreached": frozenset({1})}


def test_an_officer_the_ticket_never_reached_is_corrected_when_it_is_learned():
    entries = expected_entries(CAL, facts(**UNREACHED), wib(2026, 11, 26, 11), RATES)
    assert summary(entries) == [
        ("breach", 7, Decimal(5), wib(2026, 11, 24, 10)),
        ("late:1", 7, Decimal(2), wib(2026, 11, 25, 10)),
        ("late:2", 8, Decimal(2), wib(2026, 11, 26, 10)),     # the backup's, who holds it
        ("unreached:breach", 7, Decimal(-5), wib(2026, 11, 25, 12)),
        ("unreached:late:1", 7, Decimal(-2), wib(2026, 11, 25, 12))]
    assert {e.kind for e in entries[3:]} == {"correction"}
    assert charged_at(facts(**UNREACHED), wib(2026, 11, 24, 10)) is None


def test_a_plain_transfer_corrects_nothing():
    plain = {**UNREACHED, "unreached": frozenset()}
    entries = expected_entries(CAL, facts(**plain), wib(2026, 11, 26, 11), RATES)
    assert [e.key for e in entries] == ["breach", "late:1", "late:2"]
    assert charged_at(facts(**plain), wib(2026, 11, 24, 10)) == 7


def test_an_unreached_handover_before_the_deadline_charges_the_new_holder_only():
    early = {"holders": [(wib(2026, 11, 23, 10), 7), (wib(2026, 11, 23, 10, 1), 8)],
             "unreached": frozenset({1})}
    entries = expected_entries(CAL, facts(**early), wib(2026, 11, 24, 11), RATES)
    assert summary(entries) == [("breach", 8, Decimal(5), wib(2026, 11, 24, 10))]


def test_excusal_and_correction_never_both_take_back_one_entry():
    excused_first = expected_entries(CAL, facts(**UNREACHED, excused_at=wib(2026, 11, 25, 11),
                                                excused_by=3, excuse_reason="banjir"),
                                     wib(2026, 11, 26, 11), RATES)
    assert [e.key for e in excused_first] == ["breach", "late:1", "reverse:breach",
                                              "reverse:late:1"]
    corrected_first = expected_entries(CAL, facts(**UNREACHED, excused_at=wib(2026, 11, 26, 9),
                                                  excused_by=3, excuse_reason="banjir"),
                                       wib(2026, 11, 27, 11), RATES)
    assert [e.key for e in corrected_first] == ["breach", "late:1", "unreached:breach",
                                                "unreached:late:1"]


def test_the_month_is_capped_at_one_hundred_percent_and_never_negative():
    assert deduction_percent([Decimal(5)] * 21) == Decimal(100)
    assert deduction_percent([Decimal(-5)]) == Decimal(0)
    assert deduction_percent([Decimal(5), Decimal(2), Decimal(-5)]) == Decimal(2)


def test_scores():
    assert timeliness(0, 0) == 100.0
    assert timeliness(3, 1) == 75.0
    assert satisfaction(0, 0) is None
    assert satisfaction(9, 2) == 90.0
    assert iki(75.0, None) == 75.0
    assert iki(75.0, 90.0) == 78.0
    assert iko([(100.0, 3), (50.0, 1)]) == 87.5
    assert iko([(100.0, 0)]) is None


def test_rupiah_and_compensation():
    assert rupiah_of(Decimal(5), 5_200_000) == 260_000
    assert rupiah_of(Decimal("2.5"), 1_000_001) == 25_000
    assert compensation(1, 50_000) == (1, 50_000)
    assert compensation(480, 50_000) == (1, 50_000)
    assert compensation(481, 50_000) == (2, 100_000)
    assert compensation(0, 50_000) == (0, 0)
    assert compensation(600, 0) == (2, 0)
