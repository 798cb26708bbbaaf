"""`report monthly|verify|close`: the month's IKI and allowance report."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from cli.common import echo_template, runtime
from services.core.texts import render_file
from services.ledger.month import FIRST_MONTH, LAST_MONTH, MonthError, parse_month
from services.reports.daily import daily_report
from services.reports.daily_export import daily_csv
from services.reports.daily_scope import RegionUnknown, officers_in_region
from services.reports.month_close import MonthNotOver, close_month
from services.reports.monthly import monthly_report
from services.reports.monthly_csv import report_csv
from services.reports.verify import verify_month


def _month(_ctx, _param, value: str) -> str:
    try:
        return parse_month(value)
    except MonthError:
        raise click.BadParameter(render_file("cli/month_invalid.txt", value=value,
                                             first=FIRST_MONTH, last=LAST_MONTH)) from None


@click.group("report", help="Laporan kinerja (IKI) dan potongan TPP.", cls=AppGroup)
def report_group() -> None:
    pass


@report_group.command("monthly", help="Cetak laporan bulanan per petugas.")
@click.option("--month", required=True, callback=_month, help="YYYY-MM")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Tulis juga ke berkas CSV.")
@click.option("--kelurahan", help="Hanya kelurahan ini.")
@click.option("--kecamatan", help="Hanya kecamatan ini.")
def monthly(month: str, csv_file: Path | None, kelurahan: str | None,
            kecamatan: str | None) -> None:
    if kelurahan and kecamatan:
        raise click.UsageError("Pilih salah satu: --kelurahan atau --kecamatan.")
    report = monthly_report(runtime(), month, kelurahan=kelurahan, kecamatan=kecamatan)
    echo_template("report_monthly.txt", report=report, kelurahan=kelurahan,
                  kecamatan=kecamatan)
    if csv_file:
        csv_file.write_text(report_csv(report), encoding="utf-8")
        click.echo(f"CSV ditulis ke {csv_file}")


def _date(_ctx, _param, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} bukan tanggal YYYY-MM-DD") from None


@report_group.command("daily", help="Cetak keluaran harian per petugas (untuk e-Performance).")
@click.option("--date", "day", required=True, callback=_date, help="YYYY-MM-DD")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Tulis juga ke berkas CSV.")
@click.option("--kelurahan", help="Hanya petugas kelurahan ini.")
@click.option("--kecamatan", help="Hanya petugas kecamatan ini.")
def daily(day: date, csv_file: Path | None, kelurahan: str | None,
          kecamatan: str | None) -> None:
    if kelurahan and kecamatan:
        raise click.UsageError("Pilih salah satu: --kelurahan atau --kecamatan.")
    rt = runtime()
    with rt.sessions() as db:
        try:
            officers = officers_in_region(db, kelurahan=kelurahan, kecamatan=kecamatan)
        except RegionUnknown:
            raise click.BadParameter(f"wilayah {kelurahan or kecamatan!r} tidak ditemukan",
                                     param_hint="--kelurahan/--kecamatan") from None
        report = daily_report(rt, db, day, officers, rt.now())
    echo_template("report_daily.txt", report=report, kelurahan=kelurahan, kecamatan=kecamatan)
    if csv_file:
        csv_file.write_text(daily_csv(report, rt.settings.zone), encoding="utf-8")
        click.echo(f"CSV ditulis ke {csv_file}")


@report_group.command("verify", help="Hitung ulang buku potongan dari log kejadian.")
@click.option("--month", required=True, callback=_month, help="YYYY-MM")
def verify(month: str) -> None:
    differences = verify_month(runtime(), month)
    echo_template("report_verify.txt", month=month, differences=differences)
    if differences:
        sys.exit(1)


@report_group.command("close", help="Tutup (bekukan) laporan bulan yang sudah lewat.")
@click.option("--month", required=True, callback=_month, help="YYYY-MM")
def close(month: str) -> None:
    try:
        closed = close_month(runtime(), month)
    except MonthNotOver:
        raise click.BadParameter(render_file("cli/month_not_over.txt", month=month),
                                 param_hint="--month") from None
    echo_template("month_closed.txt", month=month, closed=closed)
