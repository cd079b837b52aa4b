"""Screens speak plain Chinese (and plain English): every page every role reaches, and the errors a
person meets, carry no ISO timestamp, no snake_case key, no internal code and — in English — no
Chinese message left untranslated (issue 15, 「Plain Chinese everywhere」).

The pages are found by crawling the demo data as each demo role (and as the public), in both
languages, on SQLite and PostgreSQL: a new page is covered as soon as a link leads to it.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select

from db.models import CatalogCategory, CatalogEntry, Department, Item, User
from tests.web.page_text import Crawl, Leak, TextRules, visible_text
from web.app import create_app
from web.ui.format import ACTION_LABELS
from workflow import channels
from workflow.checklist import KEYS as CHECKLIST_KEYS
from workflow.context import Gongkai
from workflow.demo import DEMO_PASSWORD, load_demo
from workflow.item_spec import spec_of
from workflow.settings import config_path  # noqa: F401  (the catalogue the demo loads)

ROLES = [None, "admin", "xsc-drafter", "xsc-reviewer", "xsc-approver"]
START = ["/", "/public/", "/departments", "/inbox", "/settings", "/search?q=奖学", "/done", "/submitted",
         "/help", "/applications", "/applications/new", "/admin/overdue", "/admin/users", "/admin/departments",
         "/admin/catalog", "/admin/calendar", "/admin/routes", "/admin/records", "/admin/reports/",
         "/admin/reports/coverage", "/public/reports", "/public/apply", "/login"]
#: The page where the office defines department codes shows them, in a column labelled 代码.
CODES_SHOWN_ON_PURPOSE = {"/admin/departments"}
#: The annual report is a Chinese document (the law's tables and wording) whatever the screen's language.
CHINESE_DOCUMENTS = {"/admin/reports/download", "/public/reports/download"}


@pytest.fixture
def demo(app: Gongkai) -> Gongkai:
    load_demo(app, echo=lambda _line: None)
    return app


@pytest.fixture
def demo_web(demo: Gongkai) -> Flask:
    return create_app(demo, {"TESTING": True, "WTF_CSRF_ENABLED": False})


def _rules(app: Gongkai) -> TextRules:
    spec = spec_of(app)
    with app.db.read() as session:
        departments = set(session.scalars(select(Department.code)))
        data = set(session.scalars(select(Item.title))) | set(session.scalars(select(Department.name)))
        data |= set(session.scalars(select(User.display_name))) | set(session.scalars(select(CatalogEntry.title)))
        data |= set(session.scalars(select(CatalogCategory.title)))
    codes = {str(state) for state in spec.states} | set(spec.triggers) | set(channels.LABELS) | departments
    codes |= set(ACTION_LABELS) | set(CHECKLIST_KEYS)
    with open("workflow/translations/en/LC_MESSAGES/messages.po", "rb") as catalogue:
        translated = {message.id for message in read_po(catalogue)
                      if isinstance(message.id, str) and message.string and message.string != message.id}
    return TextRules(codes=codes, translated_msgids=translated, data_values=data)


def _client(web: Flask, username: str | None):
    client = web.test_client()
    if username:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
    return client


def _leaks(web: Flask, rules: TextRules, username: str | None, lang: str) -> Iterator[Leak]:
    crawl = Crawl(web, _client(web, username))
    for path, page in crawl.pages(START, lang):
        for leak in rules.leaks(path, page.pieces, lang):
            if leak.kind == "code" and path in CODES_SHOWN_ON_PURPOSE:
                continue
            if path in CHINESE_DOCUMENTS and leak.kind == "untranslated":
                continue
            yield leak
    assert len(crawl.visited) >= (6 if username is None else 20), crawl.visited   # the crawl really ran


def test_every_page_and_error_for_every_role_reads_plainly_in_both_languages(demo: Gongkai,
                                                                               demo_web: Flask) -> None:
    # One test for pages and errors: the demo data is loaded once per database.
    rules = _rules(demo)
    leaks = [f"{username or 'public'}/{lang}: {leak}" for username in ROLES for lang in ("zh", "en")
             for leak in _leaks(demo_web, rules, username, lang)]
    leaks += [f"error/{lang}: {leak}" for lang in ("zh", "en") for leak in _error_leaks(demo, demo_web, rules, lang)]
    assert not leaks, "\n".join(leaks[:40])


def test_the_report_narrative_editor_shows_no_template_syntax(as_user) -> None:
    page = visible_text(as_user("admin").get("/admin/reports/").get_data(as_text=True))
    assert not [piece for piece in page.pieces if "{{" in piece or "{%" in piece]


def _item(app: Gongkai, state: str) -> int:
    with app.db.read() as session:
        department = session.scalar(select(Department.id).where(Department.code == "xsc"))
        return session.scalar(select(Item.id).where(Item.state == state, Item.department_id == department)
                              .order_by(Item.id))


def _with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def _error_leaks(app: Gongkai, web: Flask, rules: TextRules, lang: str) -> list[Leak]:
    """The errors a person meets: pages refused or not found, and a refused action shown on its page."""
    drafter, reviewer = _client(web, "xsc-drafter"), _client(web, "xsc-reviewer")
    in_review = _item(app, "secrecy_review")
    created = drafter.post(_with_lang("/items/new", lang), data={"title": "空正文"})
    draft_id = int(created.headers["Location"].rstrip("/").split("/")[-1]) if created.status_code == 302 else None
    responses = {
        "not found": drafter.get(_with_lang("/items/999999", lang)),
        "forbidden": drafter.get(_with_lang("/admin/users", lang)),
        "bad page number": drafter.get(_with_lang("/search?q=招生&page=99999999999999999999", lang)),
        "blocking checklist": reviewer.post(_with_lang(f"/items/{in_review}/do/pass_review", lang), data={
            **{f"q_{key}": "no" for key in CHECKLIST_KEYS}, "q_state_secret": "yes"}),
        "incomplete draft": (drafter.post(_with_lang(f"/items/{draft_id}/do/submit", lang)) if draft_id
                             else created),
    }
    expected = {"not found": 404, "forbidden": 403, "bad page number": 422, "blocking checklist": 422,
                "incomplete draft": 422}
    assert {name: response.status_code for name, response in responses.items()} == expected
    leaks: list[Leak] = []
    for name, response in responses.items():
        if response.status_code == 302:
            response = drafter.get(_with_lang(response.headers["Location"], lang))
        leaks += rules.leaks(name, visible_text(response.get_data(as_text=True)).pieces, lang)
    return leaks
