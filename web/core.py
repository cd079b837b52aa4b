"""The Gongkai instance of the current Flask app, for blueprints and request helpers.

Kept apart from the app factory (``web.app``) so that blueprints import this module only and the
factory imports the blueprints: no import cycle between them.
"""
from __future__ import annotations

from flask import current_app

from workflow.context import Gongkai


def core() -> Gongkai:
    """The Gongkai instance of the current Flask app (set by ``web.app.create_app``)."""
    return current_app.extensions["gongkai"]
