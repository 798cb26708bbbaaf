"""Foundation: migrations on both databases, health check, configuration."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from services.core import schema
from services.core.db import make_engine
from services.core.settings import ConfigError, load_settings
from tests.support import factories

TABLES = {"kecamatan", "kelurahan", "rw", "staff", "citizen", "conversation", "ticket",
          "ticket_event", "message", "breach", "ledger_entry", "digest_sent", "month_close",
          "scheduler_lease", "login_token", "officer_month"}


def test_migrations_create_and_remove_the_whole_schema(database_url):
    engine = make_engine(database_url)
    assert TABLES <= set(inspect(engine).get_table_names())
    assert schema.current_revision(engine) == schema.head_revision(engine)
    schema.downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    schema.upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_match_migrations(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from models import Base

    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.parametrize("table", ["ticket_event", "ledger_entry"])
@pytest.mark.parametrize("statement", ["DELETE FROM {t}", "UPDATE {t} SET at = at",
                                       "UPDATE {t} SET officer_id = officer_id"])
def test_audit_tables_refuse_update_and_delete(rt, table, statement):
    if "at = at" in statement and table == "ledger_entry":
        statement = "UPDATE {t} SET percent = 0"
    now = rt.now()
    with rt.transaction() as db:
        officer = factories.staff(db, now)
        factories.ledger_entry(db, now, factories.ticket(db, now, officer=officer), officer)
    with pytest.raises(DBAPIError, match="append-only"):
        with rt.engine.begin() as conn:
            conn.execute(text(statement.format(t=table)))
    with rt.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path):
    from wsgi import create_app

    app = create_app({"IGNORE_ENVIRONMENT": True, "SECRET_KEY": "x", "MEDIA_FETCH_THREAD": False,
                      "RUN_WORKER": False,
                      "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and "unreachable" in body["reason"]


def test_healthz_503_when_schema_not_migrated(tmp_path):
    from wsgi import create_app

    app = create_app({"IGNORE_ENVIRONMENT": True, "SECRET_KEY": "x", "MEDIA_FETCH_THREAD": False,
                      "RUN_WORKER": False,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "db upgrade" in response.get_json()["reason"]


def test_twilio_transport_without_credentials_refuses_to_start():
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        load_settings({"IGNORE_ENVIRONMENT": True, "MESSAGING_TRANSPORT": "twilio"})


def test_console_transport_is_default_without_credentials():
    assert load_settings({"IGNORE_ENVIRONMENT": True}).transport == "console"


def test_environment_and_dotenv_are_read_and_overrides_win(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("APP_TIMEZONE=Asia/Makassar\nRATE_LIMIT_PER_MINUTE=7\n")
    settings = load_settings({"RATE_LIMIT_PER_MINUTE": "9"}, environ={"SECRET_KEY": "s"},
                             dotenv_path=env_file)
    assert settings.timezone == "Asia/Makassar"
    assert settings.secret_key == "s"
    assert settings.rate_limit_per_minute == 9


@pytest.mark.parametrize("overrides, message", [
    ({"WORK_HOURS": "mon=16:00-08:00"}, "Working calendar"),
    ({"WORK_HOURS": {}, "EXTRA_CLOSED_DATES": "2026-13-01"}, "EXTRA_CLOSED_DATES"),
    ({"MESSAGING_TRANSPORT": "pigeon"}, "MESSAGING_TRANSPORT"),
    ({"APP_TIMEZONE": "Mars/Olympus"}, "APP_TIMEZONE"),
    ({"RATE_LIMIT_PER_MINUTE": "many"}, "RATE_LIMIT_PER_MINUTE"),
])
def test_bad_configuration_is_refused_at_start(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({"IGNORE_ENVIRONMENT": True, **overrides})


def test_no_working_day_is_refused_at_start():
    with pytest.raises(ConfigError, match="Working calendar"):
        load_settings({"IGNORE_ENVIRONMENT": True, "WORK_HOURS": "sun=00:00-00:00"})
