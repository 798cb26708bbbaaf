"""HTTP doors other than WhatsApp: health, dashboard, media, simulator."""

from __future__ import annotations

from flask import Flask

from services.core.runtime import Runtime


def register_web(app: Flask, runtime: Runtime) -> None:
    """Attach the dashboard, login, health, home, media and simulator blueprints, the error
    pages, the security headers of every response and the masking of tokens in request logs.

    The simulator exists only with the console transport: with Twilio its routes are
    never registered, so they answer 404.
    """
    from web.dashboard import bp as dashboard_bp
    from web.errors import register_error_pages
    from web.filters import register_filters
    from web.guard import secure_headers
    from web.health import bp as health_bp
    from web.home import bp as home_bp
    from web.login import bp as login_bp
    from web.media import board as media_board_bp
    from web.media import links as media_links_bp
    from web.request_log import mask_request_logs
    from web.staff_pages import bp as staff_bp

    register_filters(app, runtime)
    register_error_pages(app)
    app.after_request(secure_headers)   # every response: pages, errors, /healthz, JSON
    mask_request_logs(app.logger)
    app.register_blueprint(health_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(login_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(media_links_bp)
    app.register_blueprint(media_board_bp)
    if runtime.settings.transport == "console":
        from web.simulator import bp as simulator_bp

        app.register_blueprint(simulator_bp)
