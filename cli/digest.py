"""`digest send [--date YYYY-MM-DD]`: the daily digest, once per supervisor per date."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup

from cli.common import echo_template, runtime
from services.reports.digest import DigestError, send_daily_digests


@click.group("digest", help="Rekap harian untuk pengawas (lurah, camat, kota).", cls=AppGroup)
def digest_group() -> None:
    pass


def _date(text: str | None, today: date) -> date:
    if text is None:
        return today
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        echo_template("digest_error.txt", err=True, code="date_invalid", value=text)
        raise SystemExit(2) from None


@digest_group.command("send", help="Kirim rekap harian ke setiap pengawas, sekali per tanggal "
                                   "(aman dijalankan berulang atau dari beberapa proses).")
@click.option("--date", "date_text", metavar="YYYY-MM-DD",
              help="Tanggal rekap (bawaan: hari ini, zona aplikasi).")
def send_command(date_text: str | None) -> None:
    rt = runtime()
    digest_date = _date(date_text, rt.today())
    try:
        run = send_daily_digests(rt, digest_date)
    except DigestError as error:
        echo_template("digest_error.txt", err=True, code=error.code, value=digest_date)
        raise SystemExit(2) from None
    echo_template("digest_send.txt", run=run)
    if run.failed:
        sys.exit(1)
