"""The Flask extensions of the web app, created once here and bound to the app by ``web.app.create_app``
(blueprints and ``web.auth`` use them without importing the factory)."""
from __future__ import annotations

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
bootstrap = Bootstrap5()
