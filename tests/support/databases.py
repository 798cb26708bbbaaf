"""PostgreSQL for the tests: is one reachable, a fresh migrated schema, an emptied one."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.core import schema
from services.core.db import make_engine, normalise_url


def pg_admin_url() -> tuple[str | None, str]:
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


def truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'")).scalars().all()
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                          + " RESTART IDENTITY CASCADE"))
    engine.dispose()
