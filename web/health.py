"""`GET /healthz`: is the service up and can it reach its database?"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from services.core.health import check_database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    problem = check_database(current_app.extensions["layanan"])
    if problem:
        return jsonify(status="error", database="unreachable", reason=problem), 503
    return jsonify(status="ok", database="ok")
