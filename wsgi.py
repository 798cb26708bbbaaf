"""Composition root: `create_app()` builds everything; nothing is built at import time.

    flask --app wsgi run          # development server
    gunicorn 'wsgi:create_app()'  # production
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: defaults, then environment and `.env`, then `overrides`.

    `overrides` uses the environment variable names (`DATABASE_URL`, ...); a `CLOCK`
    entry replaces the wall clock (tests, the demo).
    """
    from cli import register_commands
    from services.runtime import build_runtime
    from services.settings import load_settings
    from web import register_web

    overrides = dict(overrides or {})
    clock = overrides.pop("CLOCK", None)
    settings = load_settings(overrides)
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic.runtime.plugins", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "web" / "static"))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    runtime = build_runtime(settings, clock=clock)
    app.extensions["layanan"] = runtime
    register_web(app, runtime)
    register_commands(app)
    if settings.run_scheduler and _serving():
        from services.jobs import start_background_scheduler

        start_background_scheduler(runtime)  # same lease as `scheduler run`; stops on close
    return app


def _serving() -> bool:
    """False inside a `flask` command other than `run` (`db upgrade` must not run jobs)."""
    import click

    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"
