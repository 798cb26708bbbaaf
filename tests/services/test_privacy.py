"""`privacy purge --older-than 365d`: personal data of long-closed tickets goes; the
anonymised ledger, events, breaches and monthly reports stay exactly as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Breach,
    Citizen,
    Conversation,
    LedgerEntry,
    Media,
    Message,
    Ticket,
    TicketEvent,
)
from services.privacy import PrivacyError, parse_age, purge_personal_data
from services.reports.monthly import monthly_report
from services.reports.monthly_csv import report_csv
from tests.support.busy_day import CITIZENS, KK, NIKS, play_busy_day
from tests.support.clock import wib
from tests.support.dashboard import LURAH_KETINTANG, log_in
from tests.support.privacy_scan import digit_runs, national

pytestmark = pytest.mark.twilio
A_YEAR_LATER = wib(2027, 12, 1, 10, 0)


@pytest.fixture
def busy(client, rt, roster, clock, fake_twilio, runner):
    return play_busy_day(client, rt, clock, fake_twilio, runner)


def _audit(rt) -> tuple:
    """Everything the purge must leave alone."""
    with rt.sessions() as db:
        events = db.execute(select(TicketEvent.id, TicketEvent.kind, TicketEvent.at,
                                   TicketEvent.officer_id, TicketEvent.details)
                            .order_by(TicketEvent.id)).all()
        ledger = db.execute(select(LedgerEntry.id, LedgerEntry.key, LedgerEntry.percent,
                                   LedgerEntry.month).order_by(LedgerEntry.id)).all()
        breaches = db.execute(select(Breach.id, Breach.ticket_id, Breach.excused_at)
                              .order_by(Breach.id)).all()
        tickets = db.execute(select(Ticket.id, Ticket.service, Ticket.status, Ticket.rw_id,
                                    Ticket.officer_id, Ticket.citizen_id, Ticket.closed_at,
                                    Ticket.breached_at, Ticket.rating).order_by(Ticket.id)).all()
    return events, ledger, breaches, tickets


def _report(rt) -> tuple[str, dict]:
    report = monthly_report(rt, "2026-11")
    data = report.to_dict()
    data.pop("generated_at")
    return report_csv(report), data


def _everything_stored(rt) -> str:
    with rt.sessions() as db:
        parts = [str(row) for model in (Message, Ticket, Citizen, Conversation, Media)
                 for row in db.execute(select(model.__table__))]
    return "\n".join(parts)


def test_purge_removes_personal_data_and_keeps_reports_identical(rt, runner, clock, busy):
    clock.set(A_YEAR_LATER)
    runner.invoke(args=["sla", "sweep"])        # the year's late days of the open ticket
    audit, report = _audit(rt), _report(rt)
    verify = runner.invoke(args=["report", "verify", "--month", "2026-11"])
    assert verify.exit_code == 0, verify.output

    result = runner.invoke(args=["privacy", "purge", "--older-than", "365d"])
    assert result.exit_code == 0, result.output
    assert "tiket (NIK, nomor KK, keperluan, lampiran, catatan): 4" in result.output

    assert _audit(rt) == audit and _report(rt) == report
    verify = runner.invoke(args=["report", "verify", "--month", "2026-11"])
    assert verify.exit_code == 0, verify.output
    with rt.sessions() as db:
        open_ticket = db.get(Ticket, busy["c3"])
        assert open_ticket.nik == NIKS[2] and open_ticket.personal_data_purged_at is None
        for key in ("c1", "c2", "c4", "c5"):
            ticket = db.get(Ticket, busy[key])
            assert (ticket.nik, ticket.kk_number, ticket.description, ticket.close_note) == (
                None, None, None, None)
            assert ticket.media == [] and ticket.evidence == []
            assert ticket.personal_data_purged_at == A_YEAR_LATER
        phones = set(db.scalars(select(Citizen.phone)))
        assert CITIZENS[2] in phones                       # still has an open ticket
        for gone in CITIZENS[:2] + CITIZENS[3:]:
            assert gone not in phones
        assert db.scalar(select(func.count()).select_from(Conversation)) == 0
        kept = list(db.scalars(select(Message.body).where(Message.body.is_not(None))))
    assert kept and all(NIKS[2] in body or "#3" in body for body in kept)
    stored = _everything_stored(rt)
    for number in NIKS[:2] + NIKS[3:] + [KK]:
        assert not any(number in run for run in digit_runs(stored)), number
    for phone in CITIZENS[:2] + CITIZENS[3:]:
        assert not any(national(phone) in run for run in digit_runs(stored)), phone


def test_purge_is_idempotent_and_a_dry_run_changes_nothing(rt, runner, clock, busy):
    clock.set(A_YEAR_LATER)
    before = _everything_stored(rt)
    dry = runner.invoke(args=["privacy", "purge", "--older-than", "365d", "--dry-run"])
    assert dry.exit_code == 0 and "Uji coba" in dry.output
    assert _everything_stored(rt) == before
    first = purge_personal_data(rt, timedelta(days=365))
    assert dry.output.count(": 4") and first.tickets == 4
    dry_counts = [int(line.rsplit(": ", 1)[1]) for line in dry.output.splitlines()
                  if line.startswith("- ")]
    assert dry_counts == [first.tickets, first.messages, first.media, first.conversations,
                          first.citizens]
    after_first = _everything_stored(rt)
    second = purge_personal_data(rt, timedelta(days=365))
    assert second.as_dict() == {"tickets": 0, "messages": 0, "conversations": 0, "citizens": 0,
                                "media": 0, "files": 0}
    assert _everything_stored(rt) == after_first


def test_nothing_younger_than_the_limit_is_touched(rt, runner, clock, busy):
    clock.set(wib(2027, 6, 1, 10, 0))                 # closed about 190 days ago
    before = _everything_stored(rt)
    result = runner.invoke(args=["privacy", "purge", "--older-than", "365d"])
    assert result.exit_code == 0 and ": 0" in result.output
    assert _everything_stored(rt) == before


def test_a_citizen_who_wrote_lately_keeps_their_number(rt, client, runner, clock, busy):
    from tests.support.whatsapp import Phone

    clock.set(A_YEAR_LATER - timedelta(days=3))
    Phone(client, CITIZENS[0]).send("halo lagi")
    clock.set(A_YEAR_LATER)
    runner.invoke(args=["privacy", "purge", "--older-than", "365d"])
    with rt.sessions() as db:
        assert db.scalar(select(Citizen).where(Citizen.phone == CITIZENS[0])) is not None
        assert db.get(Ticket, busy["c1"]).nik is None
        assert db.scalar(select(Message.body).where(Message.body == "halo lagi"))


def test_the_dashboard_still_shows_a_purged_ticket(client, rt, runner, clock, busy):
    clock.set(A_YEAR_LATER)
    runner.invoke(args=["privacy", "purge", "--older-than", "365d"])
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get(f"/dashboard/tickets/{busy['c1']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Tiket #" in text or f"#{busy['c1']}" in text
    assert NIKS[0] not in text


@pytest.mark.parametrize("value", ["365", "abc", "0d", "-5d", "365x", "", "1y", "9999999d",
                                   "36501d"])
def test_a_bad_older_than_is_refused_with_exit_2(runner, value):
    result = runner.invoke(args=["privacy", "purge", "--older-than", value])
    assert result.exit_code == 2, result.output
    assert "--older-than" in result.output


def test_older_than_is_required(runner):
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 2 and "--older-than" in result.output


@pytest.mark.parametrize("text, days", [("365d", 365), (" 30D ", 30), ("1d", 1)])
def test_parse_age(text, days):
    assert parse_age(text) == timedelta(days=days)
    with pytest.raises(PrivacyError):
        parse_age(text.replace("d", "").replace("D", "") + "h")
