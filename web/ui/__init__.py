"""Server-rendered UI blueprints."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every UI blueprint on ``app``."""
    from web.ui.views import bp
    app.register_blueprint(bp)
