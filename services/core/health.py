"""Health checks for load balancers and operators."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from services.core.runtime import Runtime
from services.core.schema import current_revision, head_revision

log = logging.getLogger(__name__)


def check_database(rt: Runtime) -> str | None:
    """None when the database answers and is migrated; otherwise a short reason."""
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revision(rt.engine)
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return f"database unreachable ({type(exc).__name__})"
    head = head_revision(rt.engine)
    if current != head:
        return (f"database schema at {current or 'nothing'}, expected {head}: "
                "run `flask --app wsgi db upgrade`")
    return None
