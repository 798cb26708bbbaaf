"""`sla deadline` (what an operator asks when a citizen calls) and `sla sweep`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

import click
from flask.cli import AppGroup

from cli.common import echo_template, parse_instant, runtime
from models import Service
from services.core.runtime import Runtime
from services.tickets.deadlines import sla_of
from services.tickets.sweep import sweep
from sla.clock import StatusChange, deadline

SERVICES = [s.value for s in Service]


@click.group("sla", help="Batas waktu layanan (SLA) dan sweep pengingat/pelanggaran.",
             cls=AppGroup)
def sla_group() -> None:
    pass


def _fail(code: str, **context: Any) -> NoReturn:
    """A usage error in Indonesian, exit status 2 (like click's own usage errors)."""
    echo_template("sla_error.txt", err=True, code=code, **context)
    raise SystemExit(2)


def _instant(rt: Runtime, text: str | None) -> datetime:
    if text is None:
        return rt.now()
    try:
        value, assumed = parse_instant(text, rt)
    except click.BadParameter:
        _fail("at_invalid", value=text, zone=rt.settings.timezone)
    try:
        value.astimezone(UTC)   # stored as UTC: 0001-01-01T00:00+14:00 has no UTC instant
    except OverflowError:
        _fail("at_unrepresentable", value=text)
    if assumed:
        echo_template("sla_zone_assumed.txt", err=True, text=text.strip(),
                      zone=rt.settings.timezone, instant=value)
    return value


def _service(text: str | None) -> str:
    if text is None or not text.strip():
        _fail("service_missing")
    name = text.strip().upper()
    if name not in SERVICES:
        _fail("service_unknown", value=text, choices=SERVICES)
    return name


@sla_group.command("deadline", help="Cetak batas waktu permohonan yang masuk pada --at "
                                    "(ISO-8601 dengan offset; tanpa offset = zona aplikasi).")
@click.option("--service", "service_text", metavar="KTP|KK", help="Jenis layanan.")
@click.option("--at", "at_text", metavar="ISO-8601",
              help="Waktu permohonan masuk, mis. 2026-03-17T10:00+07:00 (bawaan: sekarang).")
def deadline_command(service_text: str | None, at_text: str | None) -> None:
    rt = runtime()
    service = _service(service_text)
    submitted = _instant(rt, at_text)
    try:
        due = deadline(rt.calendar, [StatusChange(submitted, "new")], sla_of(rt.settings, service))
    except (ValueError, OverflowError):
        _fail("at_out_of_range", value=at_text)
    echo_template("sla_deadline.txt", deadline=due.astimezone(rt.settings.zone))


@sla_group.command("sweep", help="Jalankan satu sweep: pengingat 75% dan pelanggaran SLA.")
@click.option("--at", "at_text", metavar="ISO-8601",
              help="Jalankan seolah-olah pada waktu ini (bawaan: sekarang).")
def sweep_command(at_text: str | None) -> None:
    rt = runtime()
    at = _instant(rt, at_text)
    result = sweep(rt, at)
    echo_template("sla_sweep.txt", at=at.astimezone(rt.settings.zone), result=result)
