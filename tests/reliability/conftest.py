"""Fixtures of the reliability suite: a fresh database, the fake Twilio API, the app
running as real processes (gunicorn, the scheduler) and a runtime to inspect the result."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from services.core import schema
from services.core.db import make_engine
from services.core.runtime import Runtime, build_runtime
from services.core.settings import load_settings
from services.roster.apply import import_roster
from tests.reliability.harness import Gunicorn, Worker, app_environment, free_port, scheduler
from tests.support.databases import migrated_pg_schema, pg_admin_url
from tests.support.fake_twilio_server import FakeTwilioServer
from tests.support.files import SAMPLE_ROSTER

# Every module here sets `pytestmark = pytest.mark.reliability` (./dev test skips them).


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL schema (skipped without TEST_DATABASE_URL)."""
    admin_url, reason = pg_admin_url()
    if admin_url is None:
        pytest.skip(reason)
    with migrated_pg_schema(admin_url, "rel") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    path = tmp_path / "reliability.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def fake() -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer() as server:
        yield server


@dataclass
class Rig:
    """The app as production runs it, and a runtime of our own to look at the database."""

    rt: Runtime
    env: dict[str, str]
    web: Gunicorn
    log_dir: Path
    fake: FakeTwilioServer
    processes: list = field(default_factory=list)     # stopped after the test

    def scheduler(self, sweep_every: float = 1.0):
        return scheduler(self.env, self.log_dir, sweep_every)

    def worker(self, name: str = "worker", threads: int | None = None) -> Worker:
        """A `flask --app wsgi worker` process on this rig (not started yet)."""
        process = Worker(self.env, self.log_dir, name, threads)
        self.processes.append(process)
        return process


def make_rig(database_url: str, fake: FakeTwilioServer, log_dir: Path, *, workers: int = 4,
             threads: int = 4, **env: str) -> Rig:
    port = free_port()
    environment = app_environment(database_url, port, fake, **env)
    rt = build_runtime(load_settings({"IGNORE_ENVIRONMENT": True, "DATABASE_URL": database_url,
                                      "MESSAGING_TRANSPORT": "console",
                                      "OUTBOX_SENDER_THREAD": False}))
    result = import_roster(rt, SAMPLE_ROSTER.read_bytes())
    assert result.ok, result.problems
    return Rig(rt, environment, Gunicorn(environment, port, log_dir, workers, threads),
               log_dir, fake)


@pytest.fixture
def rig_factory(tmp_path, fake) -> Iterator:
    made: list[Rig] = []
    processes = []

    def factory(database_url: str, **kwargs) -> Rig:
        rig = make_rig(database_url, fake, tmp_path, **kwargs)
        made.append(rig)
        return rig

    factory.processes = processes
    yield factory
    for rig in made:
        for process in rig.processes:
            process.stop()
        rig.web.stop()
        rig.rt.close()
    for process in processes:
        process.stop()
