"""`flask --app wsgi …` commands: thin doors into `services/`."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from cli.db import db_group
    from cli.roster import roster_group

    for group in (db_group, roster_group):
        app.cli.add_command(group)
