"""`sla deadline`, `sla sweep`, `outbox flush`, `scheduler run` as an operator types them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Breach, Message
from services.core.lease import lease_holder
from services.jobs import LEASE_NAME
from tests.support.clock import wib
from tests.support.sla_tickets import LURAH_KETINTANG, SITI, open_ktp


def _deadline(runner, *args: str):
    return runner.invoke(args=["sla", "deadline", *args])


@pytest.mark.parametrize("service, at, expected", [
    ("KTP", "2026-11-23T10:00+07:00", "2026-11-24T10:00:00+07:00"),   # Monday
    ("KTP", "2026-11-27T15:00+07:00", "2026-11-30T15:00:00+07:00"),   # Friday → Monday
    ("KK", "2026-11-28T09:00+07:00", "2026-11-30T16:00:00+07:00"),    # Saturday: from opening
    ("KTP", "2026-03-17T10:00+07:00", "2026-03-25T10:00:00+07:00"),   # Nyepi, Idul Fitri
    ("ktp", "2026-03-17T03:00:00Z", "2026-03-25T10:00:00+07:00"),     # UTC in, WIB out
])
def test_deadline_prints_iso_8601_with_the_wib_offset(runner, service, at, expected):
    result = _deadline(runner, "--service", service, "--at", at)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == expected
    assert result.stderr == ""


def test_a_time_without_offset_is_read_as_jakarta_and_says_so(runner):
    result = _deadline(runner, "--service", "KTP", "--at", "2026-03-17T10:00")
    assert result.exit_code == 0
    assert result.stdout.strip() == "2026-03-25T10:00:00+07:00"
    assert "Asia/Jakarta" in result.stderr and "tidak mencantumkan zona waktu" in result.stderr


@pytest.mark.parametrize("args, words", [
    (["--service", "SIM", "--at", "2026-03-17T10:00+07:00"], "Layanan \"SIM\" tidak dikenal"),
    (["--at", "2026-03-17T10:00+07:00"], "Layanan belum disebutkan"),
    (["--service", "KTP", "--at", "besok pagi"], "Waktu \"besok pagi\" tidak dapat dibaca"),
    (["--service", "KTP", "--at", "2026-02-30T10:00+07:00"], "tidak dapat dibaca"),
    (["--service", "KTP", "--at", "9999-12-31T10:00+07:00"], "di luar jangkauan"),
])
def test_bad_input_gets_a_clear_indonesian_message_and_exit_2(runner, args, words):
    result = _deadline(runner, *args)
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_sla_sweep_at_an_instant_records_the_breach_once(runner, rt, clock, roster):
    number = open_ktp(rt, clock, wib(2026, 11, 23, 10, 0))
    result = runner.invoke(args=["sla", "sweep", "--at", "2026-11-24T10:30+07:00"])
    assert result.exit_code == 0, result.output
    assert "Sweep SLA per 2026-11-24T10:30:00+07:00" in result.stdout
    assert "pelanggaran dicatat: 1" in result.stdout
    with rt.sessions() as db:
        [breach] = db.scalars(select(Breach)).all()
    assert (breach.ticket_id, breach.deadline_at) == (number, wib(2026, 11, 24, 10, 0))

    again = runner.invoke(args=["sla", "sweep", "--at", "2026-11-24T10:31+07:00"])
    assert "pelanggaran dicatat: 0" in again.stdout

    clock.set(wib(2026, 11, 24, 10, 31))
    flushed = runner.invoke(args=["outbox", "flush"])
    assert flushed.exit_code == 0
    assert "3 terkirim" in flushed.stdout          # new ticket, then breach to officer and lurah
    sent = [message.to for _, message in rt.transport.sent]
    assert sorted(sent) == sorted([SITI, SITI, LURAH_KETINTANG])
    with rt.sessions() as db:
        assert {m.status for m in db.scalars(select(Message))} == {"logged"}
    assert "0 terkirim" in runner.invoke(args=["outbox", "flush"]).stdout


def test_sla_sweep_rejects_garbage_with_exit_2(runner):
    result = runner.invoke(args=["sla", "sweep", "--at", "kemarin"])
    assert result.exit_code == 2 and "tidak dapat dibaca" in result.stderr


def test_scheduler_run_holds_the_lease_while_running_and_releases_it(runner, rt):
    result = runner.invoke(args=["scheduler", "run", "--stop-after", "0.3"])
    assert result.exit_code == 0, result.output
    assert "sla-sweep" in result.stdout and "outbox-deliver" in result.stdout
    assert "lease dilepas" in result.stdout
    assert lease_holder(rt, LEASE_NAME, rt.now()) is None


@pytest.mark.parametrize("at", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00"])
def test_sla_sweep_at_an_instant_no_utc_date_holds_exits_2(runner, roster, at):
    result = runner.invoke(args=["sla", "sweep", "--at", at])
    assert result.exit_code == 2 and "di luar jangkauan kalender" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
