"""Helpers of the UI tests: an app without CSRF (one test turns it on) and logging in by the form."""
from __future__ import annotations

from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World
from web.app import create_app

PASSWORD = "password-123"


@pytest.fixture
def ui_app(world: World) -> Flask:
    """The web app around the test world; CSRF off so tests can post forms directly."""
    return create_app(world.app, {"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def as_user(ui_app: Flask) -> Callable[[str | None], FlaskClient]:
    """``as_user("drafter")`` → a test client logged in through /login (None: anonymous)."""

    def make(username: str | None) -> FlaskClient:
        client = ui_app.test_client()
        if username:
            login(client, username)
        return client

    return make


def login(client: FlaskClient, username: str) -> FlaskClient:
    """Log ``username`` in through the login form."""
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client
