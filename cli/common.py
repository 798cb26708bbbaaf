"""Helpers shared by the command groups: the runtime, output templates, `--at` parsing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from flask import current_app

from services.core.runtime import Runtime
from services.core.texts import render_file


def runtime() -> Runtime:
    """The runtime of the app the command runs in."""
    return current_app.extensions["layanan"]


def echo_template(name: str, err: bool = False, **context: Any) -> None:
    """Print a text template from templates/cli/ (every user-facing text is a template)."""
    text = render_file(f"cli/{name}", tz=runtime().settings.timezone, **context)
    click.echo(text, err=err)


def parse_instant(text: str, rt: Runtime) -> tuple[datetime, bool]:
    """ISO-8601 → aware datetime; a value without offset is read in the app's zone.

    Returns (instant, assumed_zone). Raises click.BadParameter (exit 2) on garbage.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} bukan waktu ISO-8601, contoh: 2026-03-17T10:00+07:00") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=rt.settings.zone), True
    return value, False
