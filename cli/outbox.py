"""`outbox flush`: deliver whatever the outbox has due, now."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cli.common import echo_template, runtime
from services.channel.delivery import deliver_due


@click.group("outbox", help="Antrean pesan keluar WhatsApp.", cls=AppGroup)
def outbox_group() -> None:
    pass


@outbox_group.command("flush", help="Kirim semua pesan yang sudah jatuh tempo.")
def flush_command() -> None:
    rt = runtime()
    counts = deliver_due(rt, rt.transport)
    echo_template("outbox_flush.txt", counts=counts, transport=rt.transport.name)
