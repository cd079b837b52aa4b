"""Browser fixtures: the app served by waitress in a thread over a SQLite file, and headless Chromium."""
from __future__ import annotations

import shutil
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest

from db.session import Database
from workflow.clock import SHANGHAI, FixedClock
from workflow.context import Gongkai
from workflow.settings import load_settings
from workflow.wiring import build_gongkai

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "password-123"


class LiveServer:
    """The running app: its base URL, the Gongkai instance and its clock."""

    def __init__(self, url: str, app: Gongkai, clock: FixedClock):
        self.url, self.app, self.clock = url, app, clock


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Departments xsc/jwc, one user per role, served on a free port, on each database."""
    from waitress.server import create_server

    from tests.conftest import _truncate_pg
    from web.app import create_app
    from workflow.services.users import add_department, add_user
    folder = tmp_path_factory.mktemp("browser")
    if request.param == "sqlite":
        path = folder / "gongkai.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database_url")
        _truncate_pg(Database(url))
    settings = load_settings(overrides={"security": {"password_hash_method": "pbkdf2:sha256:1000"}})
    settings = settings.__class__(settings.data, url, folder / "instance")
    clock = FixedClock(datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI))
    app = build_gongkai(db=Database(url), settings=settings, clock=clock)
    add_department(app, "xsc", "学生处")
    add_department(app, "jwc", "教务处")
    for name, roles, scope in (("drafter", ["drafter"], ["xsc"]), ("reviewer", ["reviewer"], ["xsc"]),
                               ("approver", ["approver"], ["xsc"]), ("admin", ["admin"], ["*"]),
                               ("jwc-drafter", ["drafter"], ["jwc"])):
        add_user(app, name, roles=roles, departments=scope, password=PASSWORD, display_name=name)
    flask_app = create_app(app, {"TESTING": False})
    server = create_server(flask_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.effective_port}", app, clock)
    _stop(server, thread)
    app.db.dispose()


def _stop(server: Any, thread: threading.Thread) -> None:
    """Stop waitress completely before the next module opens connections.

    ``server.close()`` alone closes waitress' wake-up pipe while its worker threads and its loop go on;
    a worker finishing a response then ``os.write``s b"x" to the pipe's old file descriptor — by then
    often a new PostgreSQL connection's socket, which the server rejects ("invalid frontend message
    type 120") and closes. So: workers first, then every channel (the loop ends with an empty map),
    then the listening socket and the pipe, then wait for the loop's thread."""
    server.task_dispatcher.shutdown(timeout=5)
    for channel in list(server._map.values()):
        if channel is not server and channel is not server.trigger:
            channel.close()
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium not installed (apt-get install -y chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, live_server: LiveServer):
    """``open_as("drafter")`` → a logged-in page (desktop size; ``mobile=True`` for phone width)."""
    contexts = []

    def make(username: str | None, mobile: bool = False):
        size = {"width": 390, "height": 844} if mobile else {"width": 1366, "height": 900}
        context = browser.new_context(viewport=size, locale="zh-CN", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10000)
        if username:
            page.goto(live_server.url + "/login")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    """Full-page screenshot into test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def people(app: Gongkai) -> dict[str, Any]:
    """Every user of the live server as an actor, by username (for setting data up through the services)."""
    from sqlalchemy import select

    from db.models import User
    from workflow.access import actor_from_user
    with app.db.read() as session:
        return {user.username: actor_from_user(user) for user in session.scalars(select(User))}

