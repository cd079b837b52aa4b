"""A real CAS server for the tests: django-mama-cas (CAS 1/2/3, attributes, single logout) on a free port.

It runs in its own venv (``.cas-venv``, Makefile target ``cas-venv``, built here when missing) and its own
process: ``serve.py`` with the users and attributes of ``USERS``. ``stalled_server`` and ``html_server`` stand for
a CAS server that does not answer and for a web server that is not CAS at all.
"""
from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CAS_VENV = ROOT / ".cas-venv"
SERVE = Path(__file__).resolve().parent / "serve.py"
PASSWORD = "cas-test-password"

# Who can log in at the test CAS server and what it releases about them (CAS 3 <cas:attributes>).
USERS: dict[str, dict[str, object]] = {
    "zhangsan": {"employeeNumber": "20250001", "cn": "张三", "mail": "zhangsan@example.edu.cn", "ou": "xsc",
                 "memberOf": ["staff"]},
    "lisi": {"employeeNumber": "20250002", "cn": "李四", "mail": "lisi@example.edu.cn", "ou": "jwc",
             "memberOf": ["staff", "xxgk-reviewer"]},
    "wangwu": {"cn": "王五", "mail": "wangwu@example.edu.cn", "ou": "xsc"},  # no 工号 released
    "drafter": {"employeeNumber": "20250009", "cn": "起草人", "ou": "xsc"},  # the world's local drafter
    "admin": {"employeeNumber": "20250010", "cn": "同名者", "ou": "xsc"},  # the world's local (break-glass) admin
}


@dataclass
class CasServer:
    """The running test CAS server: its base URL (``…/`` with ``login``, ``p3/serviceValidate`` … under it)."""

    url: str

    def login(self, http: requests.Session, start_url: str, username: str) -> requests.Response:
        """Follow ``start_url`` (Gongkai's /login/cas) to the CAS login form, log in there, and follow the redirect
        back to Gongkai: the response of Gongkai's callback (or of where it redirected). A browser still logged in
        at the CAS server goes straight through (single sign-on)."""
        page = http.get(start_url)
        if not page.url.startswith(self.url):
            return page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        return http.post(page.url, data={"csrfmiddlewaretoken": token.group(1), "username": username,
                                         "password": PASSWORD}, headers={"Referer": page.url})

    def ticket_for(self, http: requests.Session, service: str, username: str) -> str:
        """A service ticket for ``service``, taken from the CAS server's redirect and not used."""
        page = http.get(self.url + "login", params={"service": service})
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token:
            page = http.post(page.url, data={"csrfmiddlewaretoken": token.group(1), "username": username,
                                             "password": PASSWORD}, allow_redirects=False)
        else:
            page = http.get(self.url + "login", params={"service": service}, allow_redirects=False)
        location = page.headers.get("Location", "")
        assert location.startswith(service.split("?")[0]), (page.status_code, location)
        return parse_qs(urlsplit(location).query)["ticket"][0]


def ensure_venv() -> Path:
    """The test CAS server's interpreter, building ``.cas-venv`` (``make cas-venv``) when it is not there."""
    python = CAS_VENV / "bin" / "python"
    if not (CAS_VENV / ".ready").exists():
        subprocess.run(["make", "-s", "cas-venv"], cwd=ROOT, check=True, timeout=600)
    return python


def start(state_dir: Path) -> Iterator[CasServer]:
    """Run mama-cas until the generator is closed (a pytest fixture drives it)."""
    python = ensure_venv()
    users_file = state_dir / "users.json"
    users_file.write_text(json.dumps({name: {"password": PASSWORD, "attributes": attributes}
                                      for name, attributes in USERS.items()}, ensure_ascii=False), encoding="utf-8")
    env = {"CAS_TEST_STATE_DIR": str(state_dir), "CAS_TEST_USERS": str(users_file), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen([str(python), str(SERVE)], env=env, stdout=subprocess.PIPE,
                               stderr=open(state_dir / "cas.log", "w"), text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("READY "):
            raise RuntimeError(f"the test CAS server did not start: {(state_dir / 'cas.log').read_text()[-2000:]}")
        yield CasServer(f"http://127.0.0.1:{int(line.split()[1])}/")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CasServer]:
    """The test CAS server, one per test process (import this fixture into a test module to use it)."""
    yield from start(tmp_path_factory.mktemp("cas-server"))


def free_port() -> int:
    """A port nothing listens on (for a CAS server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stalled_server() -> Iterator[str]:
    """A server that accepts connections and never answers: a CAS server too slow to wait for."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/cas/"
    listener.close()


class _HtmlPage(BaseHTTPRequestHandler):
    size = 0  # extra bytes of padding

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        body = "<html><body><h1>统一身份认证 维护中</h1></body></html>".encode("utf-8") + b" " * self.size
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


class _Dripping(BaseHTTPRequestHandler):
    """Starts a CAS answer, then sends it a byte at a time (or stops sending at all): slow in the body."""

    pause = 0.3

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        body = b'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body) * 10))
        self.end_headers()
        self.wfile.flush()
        try:
            for byte in body:
                time.sleep(self.pause)
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


class _Stalling(_Dripping):
    pause = 5.0


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cas/"
    server.shutdown()
    server.server_close()


def dripping_server() -> Iterator[str]:
    """A CAS server whose answer trickles in a byte every 0.3 s: slower overall than any timeout of the tests."""
    yield from _serve(_Dripping)


def stalling_server() -> Iterator[str]:
    """A CAS server that sends the headers of its answer and then nothing for seconds."""
    yield from _serve(_Stalling)


class _HugePage(_HtmlPage):
    size = 200 * 1024


def huge_server() -> Iterator[str]:
    """A server answering with 200 KiB: more than any CAS answer."""
    yield from _serve(_HugePage)


def html_server() -> Iterator[str]:
    """A web server answering every request with an HTML page: not a CAS server."""
    yield from _serve(_HtmlPage)
