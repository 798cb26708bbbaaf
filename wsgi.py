"""Composition root: `create_app()` builds everything; nothing is built at import time.

    flask --app wsgi run          # development server
    gunicorn 'wsgi:create_app()'  # production

Only this module wires the doors (bot, web, cli) to the services: it hands the bot's
conversation handler to the runtime and starts the background parts a process runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: defaults, then environment and `.env`, then `overrides`.

    `overrides` uses the environment variable names (`DATABASE_URL`, ...); a `CLOCK`
    entry replaces the wall clock (tests, the demo).
    """
    from bot import register_bot
    from bot.conversation import handle_message
    from cli import register_commands
    from services.core.paths import STATIC, TEMPLATES
    from services.core.runtime import build_runtime
    from services.core.secret_key import session_secret
    from services.core.settings import load_settings
    from web import register_web

    overrides = dict(overrides or {})
    clock = overrides.pop("CLOCK", None)
    settings = load_settings(overrides)
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic.runtime.plugins", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    app.config.update(
        SECRET_KEY=session_secret(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    runtime = build_runtime(settings, clock=clock, handler=handle_message)
    app.extensions["layanan"] = runtime
    if settings.outbox_sender_thread:
        _start_sender(runtime)
    if settings.media_fetch_thread:
        _start_media_fetcher(runtime)
    if settings.run_worker and _serving():
        _start_inbox_worker(runtime)
    register_web(app, runtime)
    register_bot(app)
    register_commands(app)
    if settings.run_scheduler and _serving():
        from services.jobs import start_background_scheduler

        start_background_scheduler(runtime)  # same lease as `scheduler run`; stops on close
    return app


def _start_sender(runtime) -> None:
    """The outbox sender of this process: woken after each commit that queued messages
    (its thread starts on the first wake, so after a fork)."""
    from services.channel.sender import OutboxSender

    sender = OutboxSender(runtime, runtime.transport)
    runtime.on_outbox_commit(sender.wake)
    runtime.on_close(sender.stop)


def _start_media_fetcher(runtime) -> None:
    """Downloads of inbound media in this process: woken after each commit that stored
    media, polling for retries, and started at once when serving (catching up on what
    waited while the service was down)."""
    from services.core.background import WakeableLoop
    from services.media.kinds import WAKE_TOPIC
    from services.media.worker import fetch_due_media

    fetcher = WakeableLoop("media-fetcher", lambda: fetch_due_media(runtime))
    runtime.on_commit_of(WAKE_TOPIC, fetcher.wake)
    runtime.on_close(fetcher.stop)
    if _serving():
        fetcher.wake()


def _start_inbox_worker(runtime) -> None:
    """One inbox worker thread in the web process (`RUN_WORKER=0` leaves the conversations
    to `flask --app wsgi worker` processes): woken after each commit that stored a message,
    by PostgreSQL's NOTIFY, and by its short poll."""
    from services.channel.inbound import WAKE_TOPIC
    from services.channel.workers import InboxWorkers

    workers = InboxWorkers(runtime, runtime.handler, threads=1)
    runtime.on_commit_of(WAKE_TOPIC, workers.wake)
    runtime.on_close(workers.stop)
    workers.start()


def _serving() -> bool:
    """False inside a `flask` command other than `run` (`db upgrade` must not run jobs;
    `worker` starts its own threads)."""
    import click

    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"
