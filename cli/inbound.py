"""`inbound retry`: run failed inbound messages again (after a fix)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cli.common import echo_template, parse_instant, runtime
from services.channel.inbox import retry_failed
from services.core.texts import format_instant


@click.group("inbound", help="Pesan WhatsApp masuk.", cls=AppGroup)
def inbound_group() -> None:
    pass


@inbound_group.command("retry", help="Antrekan ulang pesan masuk yang gagal ditangani.")
@click.option("--since", default=None, metavar="ISO-8601",
              help="Hanya pesan yang diterima sejak waktu ini.")
def retry_command(since: str | None) -> None:
    rt = runtime()
    instant = parse_instant(since, rt)[0] if since else None
    count = retry_failed(rt, instant)
    echo_template("inbound_retry.txt", count=count,
                  since=format_instant(instant, rt.settings.timezone) if instant else None)
