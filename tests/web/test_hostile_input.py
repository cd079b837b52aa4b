"""Hostile input never gives a 5xx, and a refused request changes nothing (issue 10).

The fuzz walk visits every rule of the Flask URL map with every method, as an anonymous
visitor, a drafter and an admin, on SQLite and PostgreSQL: hostile path ids, hostile query
parameters, hostile JSON documents (API) and hostile form posts (UI, with a valid CSRF token).
The targeted tests below pin each class of bad input found by the fuzz walk to a clear 4xx.
Set ``GONGKAI_FUZZ_LOG=/path`` (tests only) to have the walk append each failure to that file as it
happens, useful when a long run is interrupted.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from db.models import Base
from tests.conftest import CLEAR, World, item_payload
from web.app import create_app
from workflow.services import attachments, items
from workflow.services.users import create_token

# -- hostile values ------------------------------------------------------------------------------

HOSTILE_IDS = ["0", "-1", str(2**31), str(2**63), str(10**20), "x%00"]
HOSTILE_SEGMENTS = ["%00", "x" * 300, "%ED%A0%80", "0001-01-01", "9999-12-31", "2022-2023%0A", "%0D%0Aa",
                    str(10**20), "%FF"]
HOSTILE_QUERY = [str(10**20), str(2**63), "-1", "%00", "%ED%A0%80", "x" * 5000, "%0D%0Ax",
                 "9999-12-31T23:59:59-12:00", "%01%1F"]
QUERY_NAMES = ["page", "per_page", "q", "year", "state", "department", "stage", "overdue", "from", "workdays",
               "format", "catalog", "catalog_code", "unread", "sort", "tracking_no", "next", "lang"]
FIELD_NAMES = ["title", "body", "department", "catalog_code", "channels", "formed_on", "publish_at",
               "display_until", "is_list", "version", "trigger", "reason", "checklist", "legal_basis", "opinion",
               "action", "note", "answer_by", "received_at", "request_text", "on", "third_party", "workdays",
               "outcome", "supplied", "charged", "waived", "sections", "day", "date", "kind", "name", "contact",
               "purpose", "applicant_kind", "delivery_form", "channel", "summary", "tracking_no", "notify_pref",
               "filed_on", "decided_on", "after_reconsideration", "application_id", "username", "password",
               "accept_findings", "message", "years", "source", "reset", "items", "roles", "departments",
               "email", "code", "locale", "display_name", "findings", "spans", "replacement"]
HOSTILE_VALUES: list[Any] = [
    2**63, 2**31, -1, "a\x00b", "x\udfffy", "标题\n换行", "\x01\x1b\x7f", "0001-01-01",
    "9999-12-31T23:59:59-12:00", "x" * 20_000, [[["x"]]], {"a": {"b": None}},
]
# Raw JSON documents the standard library would choke on (or accept too happily).
HOSTILE_DOCUMENTS = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"title": ' + b"9" * 5000 + b', "version": ' + b"9" * 5000 + b"}",
    b'{"title": NaN, "version": Infinity}', b'{"version": 1e999}',
    b'{"title": "\\ud800", "body": "\\udfff"}', b'{"title": "a\\u0000b"}',
    b'{"title": "\xff\xfe"}', b"[]", b"{",
]


# -- the world the walk runs in ------------------------------------------------------------------

@dataclass
class Stage:
    """Ids of existing records, so hostile values are also tried on real targets."""

    draft: int
    published: int
    attachment: int
    application: int | None


def _stage(world: World) -> Stage:
    app = world.app
    draft = items.create_item(app, world.drafter, item_payload(title="草稿事项"))
    public = items.create_item(app, world.drafter, item_payload(title="公开事项"))
    row = attachments.add_attachment(app, world.drafter, public.id, "a.txt", "text/plain", b"hello")
    items.submit(app, world.drafter, public.id)
    items.pass_review(app, world.reviewer, public.id, CLEAR)
    items.approve(app, world.approver, public.id)
    application = None
    try:
        from workflow.services import applications as svc
        application = svc.register_application(app, world.admin, {
            "name": "张三", "contact": "13800000000", "request_text": "请公开 2024 年的奖学金名单",
            "applicant_kind": "citizen", "delivery_form": "email", "channel": "letter"}).id
    except Exception:  # the shape of an application is not what the walk is about
        application = None
    return Stage(draft.id, public.id, row.id, application)


def fingerprint(world: World) -> str:
    """A hash of every row of every table: equal fingerprints mean nothing changed."""
    digest = hashlib.sha256()
    with world.app.db.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            columns = [column for column in table.columns if (table.name, column.name) not in VOLATILE_COLUMNS]
            rows = session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{rows!r}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


# Rows a refused request may legitimately write: the public form's rate-limit ledger, the login
# throttle and server-side sessions (a login, a visit); and when a token was last used.
VOLATILE_TABLES = {"application_attempts", "login_throttle", "user_sessions"}
VOLATILE_COLUMNS = {("api_tokens", "last_used_at")}


@pytest.fixture
def csrf_app(world: World) -> Flask:
    """The real configuration: CSRF on."""
    world.app.settings.data.setdefault("applications", {}).update(
        public_submits_per_hour=100_000, public_lookups_per_hour=100_000)
    return create_app(world.app, {"TESTING": True})


def _csrf_token(client: FlaskClient, page_path: str = "/login") -> str:
    page = client.get(page_path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "no csrf token on the login page"
    return match.group(1)


@dataclass
class Caller:
    """One identity: a UI client (session + CSRF token) and its API bearer header."""

    name: str
    client: FlaskClient
    csrf: str
    headers: dict[str, str]


def _callers(app: Flask, world: World) -> list[Caller]:
    callers = []
    for name in (None, "drafter", "admin"):
        client = app.test_client()
        token = _csrf_token(client)
        headers: dict[str, str] = {}
        if name:
            response = client.post("/login", data={"username": name, "password": "password-123", "csrf_token": token})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            token = _csrf_token(client, "/password")
            headers = {"Authorization": f"Bearer {create_token(world.app, name)}"}
        callers.append(Caller(name or "anonymous", client, token, headers))
    return callers


def _fill(rule: Any, values: dict[str, str]) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + argument + ">", values[argument], path)
    return path


def _valid_args(rule: Any, stage: Stage) -> dict[str, str]:
    known = {"item_id": str(stage.published), "attachment_id": str(stage.attachment),
             "application_id": str(stage.application or 1), "notification_id": "1", "case_id": "1",
             "mail_id": "1", "code": "xsc", "day": "2025-10-01", "year": "2022-2023", "trigger": "submit"}
    return {a: known.get(a, "1") for a in rule.arguments}


def _requests(rule: Any, method: str, stage: Stage) -> Iterator[dict[str, Any]]:
    """The hostile requests for one rule and method (path, query, body variants)."""
    valid = _valid_args(rule, stage)
    for argument, converter in rule._converters.items():
        hostile = HOSTILE_IDS if converter.__class__.__name__.endswith("IntegerConverter") or \
            "int" in type(converter).__name__.lower() else HOSTILE_SEGMENTS
        for value in hostile:
            yield {"path": _fill(rule, {**valid, argument: value})}
    path = _fill(rule, valid)
    if method == "GET":
        for value in HOSTILE_QUERY:
            yield {"path": path + "?" + "&".join(f"{name}={value}" for name in QUERY_NAMES)}
        # Each name once more with a different value, so one refusal does not hide another parameter.
        for shift in (4,):
            yield {"path": path + "?" + "&".join(f"{name}={HOSTILE_QUERY[(i + shift) % len(HOSTILE_QUERY)]}"
                                                  for i, name in enumerate(QUERY_NAMES))}
        return
    if path.startswith("/api/"):
        for document in HOSTILE_DOCUMENTS:
            yield {"path": path, "data": document, "content_type": "application/json"}
        for value in HOSTILE_VALUES:
            yield {"path": path, "json": {name: value for name in FIELD_NAMES}}
        if stage.draft and "item_id" in rule.arguments:
            draft_path = _fill(rule, {**valid, "item_id": str(stage.draft)})
            for value in HOSTILE_VALUES:
                yield {"path": draft_path, "json": {name: value for name in FIELD_NAMES}}
    else:
        # A browser cannot send a lone surrogate in a form (its UTF-8 bytes are decoded as U+FFFD).
        form_values = [v for v in HOSTILE_VALUES if isinstance(v, str) and not re.search("[\ud800-\udfff]", v)]
        paths = [path]
        if "item_id" in rule.arguments:
            paths.append(_fill(rule, {**valid, "item_id": str(stage.draft)}))
        for target in paths:
            for value in form_values:
                yield {"path": target, "form": {name: value for name in FIELD_NAMES if name != "password"}}


SKIP_ENDPOINTS = {"static", "bootstrap.static", "ui.logout", "ui.password"}


def _send(caller: Caller, method: str, spec: dict[str, Any]):
    kwargs: dict[str, Any] = {"headers": dict(caller.headers) if spec["path"].startswith("/api/") else {}}
    if "json" in spec:  # ASCII-escaped, so lone surrogates travel as \udfff escapes like a real client's
        kwargs["data"] = json.dumps(spec["json"]).encode("ascii")
        kwargs["content_type"] = "application/json"
    if "data" in spec:
        kwargs["data"] = spec["data"]
        kwargs["content_type"] = spec["content_type"]
    if "form" in spec:
        kwargs["data"] = {**spec["form"], "csrf_token": caller.csrf}
    return caller.client.open(spec["path"], method=method, **kwargs)


def _callers_for(path: str, method: str, callers: list[Caller]) -> list[Caller]:
    """Who sends a request: anonymous requests to staff API writes stop at 401, so those go as staff."""
    if path.startswith("/api/") and method != "GET" and "/public/" not in path:
        return callers[1:]
    return callers


def test_fuzz_the_url_map_gives_no_5xx_and_refusals_change_nothing(csrf_app: Flask, world: World) -> None:
    stage = _stage(world)
    callers = _callers(csrf_app, world)
    state, last_logged = fingerprint(world), ""
    failures: list[str] = []
    log = os.environ.get("GONGKAI_FUZZ_LOG")
    sent = 0
    for rule in sorted(csrf_app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for spec in _requests(rule, method, stage):
                # Each hostile request goes to one identity in turn (all three see every route).
                eligible = _callers_for(spec["path"], method, callers)
                caller = eligible[sent % len(eligible)]
                sent += 1
                unsafe = method != "GET"
                try:
                    response = _send(caller, method, spec)
                except Exception as error:  # noqa: BLE001 - an exception is a 500 the client would see
                    failures.append(f"{caller.name} {method} {_short(spec)} raised {error!r:.200}")
                    continue
                if response.status_code >= 500:
                    failures.append(f"{caller.name} {method} {_short(spec)} → {response.status_code}")
                elif unsafe:
                    # One fingerprint per write: a refusal must leave it as the previous request did.
                    after = fingerprint(world)
                    if response.status_code >= 400 and after != state:
                        failures.append(f"{caller.name} {method} {_short(spec)} → {response.status_code} "
                                        "but the database changed")
                    state = after
                if log and failures and failures[-1] != last_logged:
                    last_logged = failures[-1]
                    with open(log, "a") as out:
                        out.write(last_logged + "\n")
    assert sent > 1000
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:80])


def _short(spec: dict[str, Any]) -> str:
    text = spec["path"][:120]
    for key in ("json", "form", "data"):
        if key in spec:
            text += f" {key}={str(spec[key])[:100]!s}"
    return text


# -- one regression test per class of bad input ------------------------------------------------------

def _error(response) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) >= {"error", "message"}, body
    return body


@pytest.mark.parametrize("path", [
    "/api/v1/items/2147483648", "/api/v1/items/9223372036854775808", "/api/v1/items/0",
    "/api/v1/applications/99999999999999999999", "/api/v1/notifications/2147483648/read",
])
def test_api_ids_beyond_the_id_column_are_404(api, path: str) -> None:
    caller = api("admin")
    response = caller.post(path) if path.endswith("/read") else caller.get(path)
    assert response.status_code == 404
    assert _error(response)["error"] == "not_found"


@pytest.mark.parametrize("path", [
    "/public/items/2147483648", "/public/items/9223372036854775808",
    "/public/items/1/attachments/2147483648", "/public/items/9223372036854775808/attachments/1",
])
def test_public_ids_beyond_the_id_column_are_404_without_login(client, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["page=2147483648", "page=9223372036854775808", "page=100000000000000000000",
                                   "per_page=100000000000000000000", "page=0", "page=-1", "page=x"])
def test_public_api_page_out_of_range_is_422_with_a_clear_message(client, query: str) -> None:
    response = client.get(f"/api/v1/public/items?{query}")
    assert response.status_code == 422
    assert "1 到 10000000 之间的整数" in _error(response)["message"]
    english = client.get(f"/api/v1/public/items?{query}&lang=en")
    assert "whole number from 1 to 10000000" in _error(english)["message"]


def test_staff_pages_refuse_a_page_out_of_range(as_user) -> None:
    assert as_user("drafter").get("/?page=100000000000000000000").status_code == 422
    assert as_user("drafter").get("/inbox?page=9223372036854775808").status_code == 422


DEEP = b"[" * 100_000 + b"]" * 100_000
HOSTILE_JSON = {
    "deep_array": (DEEP, "嵌套层数过多"),
    "deep_object": (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "嵌套层数过多"),
    "long_int": (b'{"name": ' + b"9" * 5000 + b"}", "整数过长"),
    "nan": (b'{"name": NaN}', "不允许 NaN"),
    "infinity": (b'{"workdays": -Infinity}', "不允许 -Infinity"),
    "overflowing_float": (b'{"workdays": 1e999}', "数字超出范围"),
    "lone_surrogate": (b'{"name": "\\ud800", "contact": "13800000000", "request_text": "x"}', "孤立的代理项"),
    "surrogate_key": (b'{"\\udfff": 1}', "孤立的代理项"),
    "nul": (b'{"name": "a\\u0000b", "contact": "13800000000", "request_text": "x"}', "NUL"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_JSON))
def test_hostile_json_on_the_public_application_form_is_400(client, world: World, kind: str) -> None:
    raw, words = HOSTILE_JSON[kind]
    before = fingerprint(world)
    response = client.post("/api/v1/public/applications", data=raw, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert words in _error(response)["message"]
    assert fingerprint(world) == before


@pytest.mark.parametrize("kind", ["deep_array", "long_int", "lone_surrogate", "nan"])
def test_hostile_json_on_staff_endpoints_is_400(api, world: World, kind: str) -> None:
    raw = HOSTILE_JSON[kind][0].replace(b'"name"', b'"title"')
    draft = items.create_item(world.app, world.drafter, item_payload())
    before = fingerprint(world)
    for method, path in (("post", "/api/v1/items"), ("patch", f"/api/v1/items/{draft.id}"),
                         ("post", f"/api/v1/items/{draft.id}/transitions"), ("post", "/api/v1/applications"),
                         ("post", "/api/v1/public/applications/status")):
        response = getattr(api("drafter"), method)(path, data=raw, content_type="application/json")
        assert response.status_code == 400, (path, response.get_data(as_text=True)[:300])
    assert fingerprint(world) == before


def test_json_errors_are_english_on_request(client) -> None:
    response = client.post("/api/v1/public/applications", data=DEEP, content_type="application/json",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400 and "nested too deeply" in _error(response)["message"]


@pytest.mark.parametrize("path", ["/public/?q=%00", "/api/v1/public/items?q=%00", "/public/?department=%00",
                                  "/api/v1/public/items?catalog_code=a%00b", "/public/apply/status?tracking_no=%00"])
def test_nul_in_a_query_string_is_400(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "不允许的字符" in response.get_data(as_text=True)


def test_nul_in_a_path_segment_is_400(as_user) -> None:
    assert as_user("drafter").get("/departments/x%00").status_code == 400


def test_nul_and_control_characters_in_form_fields_are_refused(as_user, world: World) -> None:
    drafter = as_user("drafter")
    before = fingerprint(world)
    form = {"title": "标题", "body": "正文", "catalog_code": "1", "channels": "website", "formed_on": "2025-09-26"}
    assert drafter.post("/items/new", data={**form, "body": "a\x00b"}).status_code == 400
    assert drafter.post("/items/new", data={**form, "title": "a\x01b"}).status_code == 400
    assert as_user(None).post("/public/apply", data={"name": "张\x00三", "contact": "13800000000",
                                                     "request_text": "x"}).status_code == 400
    assert fingerprint(world) == before


def test_lone_surrogate_bytes_in_query_and_form_never_500(as_user) -> None:
    # CESU-8 bytes of U+D800: werkzeug decodes them as U+FFFD; the point is that nothing breaks.
    anonymous = as_user(None)
    assert anonymous.get("/public/?q=%ED%A0%80").status_code < 500
    assert anonymous.get("/api/v1/public/items?q=%ED%A0%80").status_code < 500
    response = anonymous.post("/public/apply", data=b"name=%ED%A0%80&contact=13800000000&request_text=x",
                              content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


@pytest.mark.parametrize("field,value", [
    ("formed_on", "0001-01-01"), ("formed_on", "9999-12-31"), ("publish_at", "9999-12-31T23:59:59-12:00"),
    ("publish_at", "0001-01-01T00:00:00+14:00"), ("display_until", "9999-12-31T23:59:59"),
])
def test_dates_outside_the_accepted_range_are_422(api, world: World, field: str, value: str) -> None:
    before = fingerprint(world)
    response = api("drafter").post("/api/v1/items", json=item_payload(**{field: value}))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    body = _error(response)
    assert body["field"] == field and "1900-01-01 至 2100-12-31" in body["message"]
    assert fingerprint(world) == before


def test_dates_out_of_range_elsewhere_are_422(api, world: World) -> None:
    admin = api("admin")
    assert admin.get("/api/v1/calendar/explain?from=9999-12-31&workdays=20").status_code == 422
    draft = items.create_item(world.app, world.drafter, item_payload())
    items.submit(world.app, world.drafter, draft.id)
    items.pass_review(world.app, world.reviewer, draft.id, CLEAR)
    response = api("approver").post(f"/api/v1/items/{draft.id}/transitions",
                                    json={"trigger": "approve", "publish_at": "9999-12-31T23:59:59-12:00"})
    assert response.status_code == 422


@pytest.mark.parametrize("year", ["2022-2023%0A", "2022-2023%0D%0AX-Evil:%201", "%202022-2023", "2022-2024",
                                  "0000-0001", "２０２２-２０２３"])
def test_report_year_must_be_a_college_year(api, as_user, year: str) -> None:
    response = api("admin").get(f"/api/v1/reports/annual?format=html&year={year}")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "2022-2023" in _error(response)["message"]
    assert as_user("admin").get(f"/admin/reports/download?format=html&year={year}").status_code in (400, 422)


def test_control_characters_in_single_line_fields_are_422_body_keeps_newlines(api, world: World) -> None:
    drafter = api("drafter")
    before = fingerprint(world)
    for title in ("标题\n换行", "标\r题", "a\tb", "a\x1bb", "a\x7fb", "a\x85b", "a\u2028b"):
        response = drafter.post("/api/v1/items", json=item_payload(title=title))
        assert response.status_code == 422, title
        assert _error(response)["field"] == "title" and "控制字符" in _error(response)["message"]
    response = drafter.post("/api/v1/items", json=item_payload(body="a\x01b"))
    assert response.status_code == 422 and _error(response)["field"] == "body"
    assert fingerprint(world) == before
    created = drafter.post("/api/v1/items", json=item_payload(body="第一行\n\t第二行\r\n"))
    assert created.status_code == 201 and created.get_json()["body"] == "第一行\n\t第二行\r\n"
    english = drafter.post("/api/v1/items?lang=en", json=item_payload(title="a\x01b"))
    assert "control character" in _error(english)["message"]


def _store_title(world: World, item_id: int, title: str) -> None:
    """Write a title the input checks would refuse, as an older version or another tool might have."""
    from db.models import Item
    with world.app.db.write() as session:
        session.get(Item, item_id).title = title


def test_stored_control_characters_do_not_break_feed_xlsx_or_docx(client, as_user, api, world: World) -> None:
    import xml.etree.ElementTree as ET
    from io import BytesIO

    from docx import Document
    from openpyxl import load_workbook

    public = items.create_item(world.app, world.drafter, item_payload(title="公开事项"))
    items.submit(world.app, world.drafter, public.id)
    items.pass_review(world.app, world.reviewer, public.id, CLEAR)
    items.approve(world.app, world.approver, public.id)
    late = items.create_item(world.app, world.drafter, item_payload(title="超期事项", formed_on="2025-07-01"))
    for item_id in (public.id, late.id):
        _store_title(world, item_id, "控制\x01字符\x1b标题\x0c")
    from db.models import Department
    with world.app.db.write() as session:  # the department name is in every export and the report
        session.scalar(select(Department).where(Department.code == "xsc")).name = "学生\x02处\x1f"

    feed = client.get("/public/feed.atom")
    assert feed.status_code == 200
    titles = [e.text for e in ET.fromstring(feed.data).iter("{http://www.w3.org/2005/Atom}title")]
    assert "控制字符标题" in titles
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", feed.get_data(as_text=True))

    xlsx = as_user("admin").get("/admin/overdue.xlsx")
    assert xlsx.status_code == 200
    cells = [c.value for row in load_workbook(BytesIO(xlsx.data)).active.iter_rows() for c in row]
    assert "控制字符标题" in cells and "学生处" in cells

    docx = api("admin").get("/api/v1/reports/annual?format=docx&year=2025-2026")
    assert docx.status_code == 200, docx.get_data(as_text=True)[:300]
    text = "\n".join(cell.text for table in Document(BytesIO(docx.data)).tables for row in table.rows
                     for cell in row.cells)
    assert "学生处" in text


def test_remedy_with_an_application_id_beyond_the_column_is_422(api, world: World) -> None:
    before = fingerprint(world)
    response = api("admin").post("/api/v1/remedies", json={"kind": "reconsideration", "application_id": 2**31})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert _error(response)["field"] == "application_id"
    assert fingerprint(world) == before


def test_public_attachment_of_a_published_item_downloads(client, world: World) -> None:
    # Found by the fuzz walk: the public download was a 500 (deferred bytes loaded after the session).
    stage = _stage(world)
    response = client.get(f"/public/items/{stage.published}/attachments/{stage.attachment}")
    assert response.status_code == 200 and response.data == b"hello"
