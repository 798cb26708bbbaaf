"""`flask --app wsgi …` commands: thin doors into `services/`."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from cli.db import db_group
    from cli.demo import demo_command
    from cli.digest import digest_group
    from cli.inbound import inbound_group
    from cli.outbox import outbox_group
    from cli.privacy import privacy_group
    from cli.report import report_group
    from cli.roster import roster_group
    from cli.scheduler import scheduler_group
    from cli.sla import sla_group
    from cli.worker import worker_command

    for group in (db_group, roster_group, sla_group, outbox_group, scheduler_group,
                  report_group, digest_group, demo_command, privacy_group, inbound_group,
                  worker_command):
        app.cli.add_command(group)
