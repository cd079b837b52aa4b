"""A local 企业微信 + 钉钉 server for tests: checks every request as the platforms' public API documents it.

One thread HTTP server on a free port serves both platforms' paths (the clients' ``api_base`` points here):

* 企业微信 ``GET /cgi-bin/gettoken?corpid=&corpsecret=``, ``POST /cgi-bin/message/send?access_token=``
  (``textcard``), ``POST /cgi-bin/webhook/send?key=`` (group robot);
* 钉钉 ``GET /gettoken?appkey=&appsecret=``, ``POST /topapi/message/corpconversation/asyncsend_v2?access_token=``
  (``action_card``), ``POST /robot/send?access_token=&timestamp=&sign=`` (signature recomputed, timestamp
  within an hour).

A request that breaks the documented shape is answered HTTP 400 and recorded in ``problems`` (tests assert
there are none). ``plan(kind, *behaviours)`` makes the next requests of a kind (``wecom_send``,
``dingtalk_send``, ``wecom_robot``, ``dingtalk_robot``) fail (``"500"``), hang past the client's timeout
(``"timeout"``), rate-limit (``"rate"``) or report the token expired (``"expire"``: errcode 42001, and the
token really is revoked).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

CORP_ID, CORP_SECRET, WECOM_AGENT = "ww-test-corp", "wecom-test-secret", 1000002
APP_KEY, APP_SECRET, DINGTALK_AGENT = "ding-test-key", "dingtalk-test-secret", 2000003
WECOM_ROBOT_KEY = "robot-key-xsc"
DINGTALK_ROBOT_TOKEN, DINGTALK_ROBOT_SECRET = "robot-token-xsc", "SECtest-signing-secret"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_overrides(base_url: str, wecom: bool = True, dingtalk: bool = True, robots: bool = False,
                       timeout: float = 2.0) -> dict[str, Any]:
    """``[notify]`` settings pointing both platforms at the receiver at ``base_url`` (secrets given directly, as a
    non-committed config file would)."""
    wecom_robots = {"xsc": {"key": WECOM_ROBOT_KEY}} if robots else {}
    dingtalk_robots = {"xsc": {"access_token": DINGTALK_ROBOT_TOKEN, "secret": DINGTALK_ROBOT_SECRET}} if robots else {}
    return {"notify": {"max_attempts": 3, "retry_base_seconds": 60,
                       "wecom": {"enabled": wecom, "api_base": base_url, "corp_id": CORP_ID, "agent_id": WECOM_AGENT,
                                 "secret": CORP_SECRET, "timeout_seconds": timeout, "robots": wecom_robots},
                       "dingtalk": {"enabled": dingtalk, "api_base": base_url, "app_key": APP_KEY,
                                    "agent_id": DINGTALK_AGENT, "app_secret": APP_SECRET, "timeout_seconds": timeout,
                                    "robots": dingtalk_robots}}}


@dataclass
class Received:
    """One accepted message."""

    kind: str  # wecom_send, dingtalk_send, wecom_robot, dingtalk_robot
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    """The state of the fake platforms."""

    port: int = 0
    users: set[str] = field(default_factory=lambda: {"reviewer_wx", "approver_wx", "reviewer_dd"})
    messages: list[Received] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    token_fetches: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    valid_tokens: set[str] = field(default_factory=set)
    plans: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    hang_seconds: float = 3.0
    on_message: Callable[[Received], None] | None = None  # called with each accepted message, before the answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, kind: str, *behaviours: str) -> None:
        """The next requests of ``kind`` behave so, one behaviour each: ``500``, ``timeout``, ``rate``, ``expire``."""
        with self.lock:
            self.plans[kind].extend(behaviours)

    def of(self, kind: str) -> list[Received]:
        """Accepted messages of one kind."""
        return [m for m in self.messages if m.kind == kind]

    # ----------------------------------------------------------------- checks
    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def issue_token(self, platform: str) -> dict[str, Any]:
        with self.lock:
            self.token_fetches[platform] += 1
            token = f"{platform}-token-{self.token_fetches[platform]}"
            self.valid_tokens.add(token)
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def next_behaviour(self, kind: str) -> str | None:
        with self.lock:
            return self.plans[kind].popleft() if self.plans[kind] else None


def _expect(condition: bool, problems: list[str], text: str) -> None:
    if not condition:
        problems.append(text)


def _query(raw: str, expected: set[str], problems: list[str]) -> dict[str, str]:
    parsed = parse_qs(raw, keep_blank_values=True)
    _expect(set(parsed) == expected, problems, f"query parameters {sorted(parsed)} != {sorted(expected)}")
    for name, values in parsed.items():
        _expect(len(values) == 1, problems, f"query parameter {name} given {len(values)} times")
    return {name: values[0] for name, values in parsed.items()}


def _keys(obj: Any, required: dict[str, type], optional: set[str], where: str, problems: list[str]) -> None:
    if not isinstance(obj, dict):
        problems.append(f"{where} is not a JSON object")
        return
    for name, kind in required.items():
        _expect(isinstance(obj.get(name), kind) and not isinstance(obj.get(name), bool) or kind is bool,
                problems, f"{where}.{name} missing or not {kind.__name__}: {obj.get(name)!r}")
    extra = set(obj) - set(required) - optional
    _expect(not extra, problems, f"{where} has undocumented fields {sorted(extra)}")


def _bytes(text: Any, limit: int) -> bool:
    return isinstance(text, str) and len(text.encode("utf-8")) <= limit


def make_handler(state: Receiver) -> type[BaseHTTPRequestHandler]:
    """The request handler bound to ``state``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _json(self, problems: list[str]) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", "0") or 0)
            raw = self.rfile.read(length)
            _expect("application/json" in (self.headers.get("Content-Type") or ""), problems,
                    f"Content-Type {self.headers.get('Content-Type')!r} is not JSON")
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                problems.append("body is not UTF-8 JSON")
                return {}
            return body if isinstance(body, dict) else {}

        def do_GET(self) -> None:  # noqa: N802
            parts, problems = urlsplit(self.path), []
            if parts.path == "/cgi-bin/gettoken":
                query = _query(parts.query, {"corpid", "corpsecret"}, problems)
                if not problems and (query["corpid"], query["corpsecret"]) == (CORP_ID, CORP_SECRET):
                    return self._answer(200, state.issue_token("wecom"))
                problems.append(f"wecom gettoken with wrong credentials {query}")
            elif parts.path == "/gettoken":
                query = _query(parts.query, {"appkey", "appsecret"}, problems)
                if not problems and (query["appkey"], query["appsecret"]) == (APP_KEY, APP_SECRET):
                    return self._answer(200, state.issue_token("dingtalk"))
                problems.append(f"dingtalk gettoken with wrong credentials {query}")
            else:
                problems.append(f"GET {parts.path} is not an endpoint")
            for text in problems:
                state.problem(text)
            self._answer(400, {"errcode": 40001, "errmsg": "; ".join(problems)})

        def do_POST(self) -> None:  # noqa: N802
            parts, problems = urlsplit(self.path), []
            body = self._json(problems)
            kinds = {"/cgi-bin/message/send": "wecom_send", "/cgi-bin/webhook/send": "wecom_robot",
                     "/topapi/message/corpconversation/asyncsend_v2": "dingtalk_send", "/robot/send": "dingtalk_robot"}
            kind = kinds.get(parts.path)
            if kind is None:
                state.problem(f"POST {parts.path} is not an endpoint")
                return self._answer(404, {"errcode": 404, "errmsg": "not found"})
            query = getattr(self, f"_check_{kind}")(parts.query, body, problems)
            if problems:
                for text in problems:
                    state.problem(text)
                return self._answer(400, {"errcode": 40035, "errmsg": "; ".join(problems)})
            behaviour = state.next_behaviour(kind)
            wecom = kind.startswith("wecom")
            if behaviour == "500":
                return self._answer(500, {"errcode": -1, "errmsg": "system busy"})
            if behaviour == "timeout":
                time.sleep(state.hang_seconds)
                return self._answer(500, {"errcode": -1, "errmsg": "too late"})
            if behaviour == "rate":
                if wecom:
                    return self._answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
                return self._answer(429, {"errcode": 90018, "errmsg": "too many requests"}, {"Retry-After": "30"})
            if behaviour == "expire":
                with state.lock:
                    state.valid_tokens.discard(query.get("access_token", ""))
                return self._answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
            if kind in ("wecom_send", "dingtalk_send") and query.get("access_token") not in state.valid_tokens:
                return self._answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
            if kind == "wecom_send" and body["touser"] not in state.users:
                return self._answer(200, {"errcode": 81013, "errmsg": "user & party & tag all invalid",
                                          "invaliduser": body["touser"]})
            received = Received(kind, query, body)
            with state.lock:
                state.messages.append(received)
            if state.on_message is not None:
                state.on_message(received)
            if kind == "wecom_send":
                return self._answer(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "m1"})
            if kind == "dingtalk_send":
                return self._answer(200, {"errcode": 0, "errmsg": "ok", "task_id": 1, "request_id": "r1"})
            return self._answer(200, {"errcode": 0, "errmsg": "ok"})

        # -------------------------------------------------- the documented request shapes
        def _check_wecom_send(self, raw: str, body: dict[str, Any], problems: list[str]) -> dict[str, str]:
            query = _query(raw, {"access_token"}, problems)
            _keys(body, {"touser": str, "msgtype": str, "agentid": int, "textcard": dict},
                  {"toparty", "totag", "enable_id_trans", "enable_duplicate_check", "duplicate_check_interval"},
                  "message", problems)
            _expect(body.get("msgtype") == "textcard", problems, "msgtype is not textcard")
            _expect(body.get("agentid") == WECOM_AGENT, problems, f"agentid {body.get('agentid')!r}")
            card = body.get("textcard") or {}
            _keys(card, {"title": str, "description": str, "url": str}, {"btntxt"}, "textcard", problems)
            _expect(_bytes(card.get("title"), 128), problems, "textcard.title over 128 bytes")
            _expect(_bytes(card.get("description"), 512), problems, "textcard.description over 512 bytes")
            _expect(str(card.get("url", "")).startswith(("http://", "https://")), problems, "textcard.url not absolute")
            _expect(len(str(card.get("btntxt", ""))) <= 4, problems, "textcard.btntxt over 4 characters")
            return query

        def _check_wecom_robot(self, raw: str, body: dict[str, Any], problems: list[str]) -> dict[str, str]:
            query = _query(raw, {"key"}, problems)
            _expect(query.get("key") == WECOM_ROBOT_KEY, problems, f"unknown robot key {query.get('key')!r}")
            _expect(body.get("msgtype") in ("markdown", "text"), problems, f"robot msgtype {body.get('msgtype')!r}")
            content = (body.get(str(body.get("msgtype"))) or {}).get("content")
            _expect(_bytes(content, 4096) and bool(content), problems, "robot content missing or over 4096 bytes")
            return query

        def _check_dingtalk_send(self, raw: str, body: dict[str, Any], problems: list[str]) -> dict[str, str]:
            query = _query(raw, {"access_token"}, problems)
            _keys(body, {"agent_id": int, "userid_list": str, "msg": dict}, {"dept_id_list", "to_all_user"},
                  "asyncsend_v2", problems)
            _expect(body.get("agent_id") == DINGTALK_AGENT, problems, f"agent_id {body.get('agent_id')!r}")
            msg = body.get("msg") or {}
            _expect(msg.get("msgtype") == "action_card", problems, f"msg.msgtype {msg.get('msgtype')!r}")
            _keys(msg.get("action_card"), {"title": str, "markdown": str, "single_title": str, "single_url": str},
                  set(), "msg.action_card", problems)
            return query

        def _check_dingtalk_robot(self, raw: str, body: dict[str, Any], problems: list[str]) -> dict[str, str]:
            query = _query(raw, {"access_token", "timestamp", "sign"}, problems)
            _expect(query.get("access_token") == DINGTALK_ROBOT_TOKEN, problems, "unknown robot access_token")
            try:
                stamp = int(query.get("timestamp", ""))
            except ValueError:
                stamp = 0
            _expect(abs(stamp - time.time() * 1000) < 3600 * 1000, problems, f"timestamp {stamp} outside one hour")
            digest = hmac.new(DINGTALK_ROBOT_SECRET.encode(), f"{stamp}\n{DINGTALK_ROBOT_SECRET}".encode(),
                              hashlib.sha256).digest()
            _expect(query.get("sign") == base64.b64encode(digest).decode(), problems, "robot sign does not verify")
            _expect(body.get("msgtype") == "markdown", problems, f"robot msgtype {body.get('msgtype')!r}")
            _keys(body.get("markdown"), {"title": str, "text": str}, set(), "markdown", problems)
            return query

    return Handler


def serve() -> Iterator[Receiver]:
    """Run a receiver until the generator is closed (wrap in a pytest fixture)."""
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="im-receiver", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
