"""Fixtures: every database test runs on SQLite and, when reachable, on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import responses
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.core import schema
from services.core.clock import ManualClock
from services.core.db import make_engine, normalise_url
from tests.whatsapp import TWILIO_SETTINGS, fake_twilio_endpoint

WIB = ZoneInfo("Asia/Jakarta")
ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ROSTER = ROOT / "data" / "sample_roster.csv"


def wib(*args: int) -> datetime:
    """An aware instant in Asia/Jakarta: wib(2026, 11, 23, 10, 0)."""
    return datetime(*args, tzinfo=WIB)


def _pg_admin_url() -> tuple[str | None, str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None, "PostgreSQL tests skipped: TEST_DATABASE_URL is not set"
    url = normalise_url(url)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, with the reason
        return None, f"PostgreSQL tests skipped: cannot connect to TEST_DATABASE_URL ({exc})"
    return url, ""


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (a fresh database per test)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


@contextlib.contextmanager
def migrated_pg_schema(admin_url: str, prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL schema named `prefix`_<random>, migrated; dropped afterwards,
    also when the server was restarted in between."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, pool_pre_ping=True)  # survives a server restart
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={name}"})
    url_text = url.render_as_string(hide_password=False)
    engine = make_engine(url_text)
    schema.upgrade(engine)
    engine.dispose()
    try:
        yield url_text
    finally:
        try:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        finally:
            admin.dispose()


@pytest.fixture(scope="session")
def pg_schema_url():
    """A fresh PostgreSQL schema for this run, migrated once, dropped at the end."""
    admin_url, reason = _pg_admin_url()
    if admin_url is None:
        yield None, reason
        return
    with migrated_pg_schema(admin_url, "t") as url:
        yield url, ""


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'")).scalars().all()
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                          + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> str:
    """An empty, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url, reason = request.getfixturevalue("pg_schema_url")
    if url is None:
        pytest.skip(reason)
    _truncate_all(url)
    return url


@pytest.fixture
def clock() -> ManualClock:
    """The time tests run at, moved by hand: Monday 2026-11-23 10:00 WIB."""
    return ManualClock(wib(2026, 11, 23, 10, 0))


@pytest.fixture
def overrides(database_url, clock) -> dict:
    """Settings for the app under test; a test may add to them before using `app`."""
    return {
        "IGNORE_ENVIRONMENT": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "MESSAGING_TRANSPORT": "console",
        "PUBLIC_BASE_URL": "http://localhost",
        "OUTBOX_SENDER_THREAD": False,
        "CLOCK": clock,
    }


@pytest.fixture
def fake_twilio():
    """Twilio's REST API, mocked with `responses`: nothing leaves the machine."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield fake_twilio_endpoint(rsps)


@pytest.fixture
def fake_twilio_server(clock):
    """Twilio's REST API as a real local HTTP server (tests/fake_twilio_server.py).

    To use it, a test module extends `overrides` with `twilio_server_settings(server)`
    (and is not marked `twilio`, whose mock would intercept every request)."""
    from tests.fake_twilio_server import FakeTwilioServer

    with FakeTwilioServer(clock=clock) as server:
        yield server


@pytest.fixture
def app(request, overrides):
    """The app; tests marked `twilio` get the Twilio transport and signed webhooks."""
    from wsgi import create_app

    if request.node.get_closest_marker("twilio"):
        request.getfixturevalue("fake_twilio")
        overrides = {**overrides, **TWILIO_SETTINGS}
    application = create_app(overrides)
    application.config["TESTING"] = True
    yield application
    application.extensions["layanan"].close()


@pytest.fixture
def rt(app):
    """The app's runtime: services are called with it."""
    return app.extensions["layanan"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def roster(rt):
    """The sample roster, imported."""
    from services.roster.apply import import_roster

    result = import_roster(rt, SAMPLE_ROSTER.read_bytes())
    assert result.ok, result.problems
    return result
