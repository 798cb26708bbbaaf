"""`/`: a small index page so a newcomer finds the dashboard and the simulator."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Links to the dashboard and, with the console transport, the simulator."""
    console = current_app.extensions["layanan"].settings.transport == "console"
    return render_template("pages/home.html", simulator=console)
