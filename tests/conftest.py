"""Fixtures: every database test runs on SQLite and, when reachable, on PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import responses

from services.core import schema
from services.core.clock import ManualClock
from services.core.db import make_engine
from tests.support.clock import wib
from tests.support.databases import migrated_pg_schema, pg_admin_url, truncate_all
from tests.support.files import SAMPLE_ROSTER
from tests.support.whatsapp import (
    AUTH_TOKEN,
    TWILIO_SETTINGS,
    fake_twilio_endpoint,
    twilio_server_settings,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (a fresh database per test)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema_url():
    """A fresh PostgreSQL schema for this run, migrated once, dropped at the end."""
    admin_url, reason = pg_admin_url()
    if admin_url is None:
        yield None, reason
        return
    with migrated_pg_schema(admin_url, "t") as url:
        yield url, ""


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
    truncate_all(url)
    return url


@pytest.fixture
def clock() -> ManualClock:
    """The time tests run at, moved by hand: Monday 2026-11-23 10:00 WIB."""
    return ManualClock(wib(2026, 11, 23, 10, 0))


@pytest.fixture
def overrides(database_url, clock, tmp_path) -> dict:
    """Settings for the app under test; a test may add to them before using `app`."""
    return {
        "IGNORE_ENVIRONMENT": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "MESSAGING_TRANSPORT": "console",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,      # webhooks are signed on every transport
        "PUBLIC_BASE_URL": "http://localhost",
        "OUTBOX_SENDER_THREAD": False,
        "RUN_WORKER": False,                  # tests drain the inbox themselves (post_signed)
        "MEDIA_FETCH_THREAD": False,
        "MEDIA_DIR": str(tmp_path / "media"),
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
    from tests.support.fake_twilio_server import FakeTwilioServer

    with FakeTwilioServer(clock=clock) as server:
        yield server


@pytest.fixture
def app(request, overrides):
    """The app; tests marked `twilio` get the Twilio transport and signed webhooks, those
    marked `twilio_server` the same against the fake Twilio over real HTTP."""
    from wsgi import create_app

    if request.node.get_closest_marker("twilio"):
        request.getfixturevalue("fake_twilio")
        overrides = {**overrides, **TWILIO_SETTINGS}
    elif request.node.get_closest_marker("twilio_server"):
        server = request.getfixturevalue("fake_twilio_server")
        overrides = {**overrides, **twilio_server_settings(server)}
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
