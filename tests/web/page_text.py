"""What a person reads on a page, and a crawler that visits every page a user can reach by links.

The text is what the browser shows: text nodes outside script/style, plus the words a pointer or a
screen reader shows (title, placeholder, aria-label, alt, button values). The crawler follows the
same-site links of each page it renders, a few pages per route, so a new page is checked as soon
as something links to it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask
from flask.testing import FlaskClient

HIDDEN_TAGS = {"script", "style", "noscript", "template"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
#: Downloads and feeds are not pages: their own tests check them.
NOT_PAGES = (".csv", ".xlsx", ".pdf", ".zip", ".atom", ".docx", ".png", ".json", ".svg")


class VisibleText(HTMLParser):
    """Collects the visible text pieces and the links of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden_depth = 0
        self.pieces: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in HIDDEN_TAGS:
            self.hidden_depth += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        self.pieces.extend(values[name] for name in SHOWN_ATTRIBUTES if values.get(name))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.pieces.append(values["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth and data.strip():
            self.pieces.append(data.strip())


def visible_text(html: str) -> VisibleText:
    """The parsed page: ``.pieces`` (what a person reads) and ``.links``."""
    parser = VisibleText()
    parser.feed(html)
    return parser


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}[\d:.+]*)?")
SNAKE_KEY = re.compile(r"(?<![\w./@{-])[a-z]+(?:_[a-z0-9]+)+(?![\w.@/}-])")
WORD = re.compile(r"(?<![\w./@-])[a-z][a-z_]*(?![\w.@/-])")


@dataclass
class Leak:
    """One piece of internal vocabulary in the visible text of a page."""

    path: str
    kind: str
    found: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind} {self.found!r} in {self.text[:100]!r}"


@dataclass
class TextRules:
    """What may not be read on a screen: ISO dates, snake_case keys, internal codes (in Chinese
    screens: state, trigger, channel and department codes as words) and, in English screens, a
    Chinese message that has an English translation (data such as titles and names excepted)."""

    codes: set[str]
    translated_msgids: set[str]
    data_values: set[str] = field(default_factory=set)

    def leaks(self, path: str, pieces: list[str], lang: str) -> list[Leak]:
        found: list[Leak] = []
        for piece in pieces:
            found += [Leak(path, "ISO date", match, piece) for match in ISO_DATE.findall(piece)]
            found += [Leak(path, "key", match, piece) for match in SNAKE_KEY.findall(piece)]
            if lang == "zh":
                found += [Leak(path, "code", word, piece) for word in WORD.findall(piece) if word in self.codes]
            elif piece in self.translated_msgids and piece not in self.data_values:
                found.append(Leak(path, "untranslated", piece, piece))
        return found


@dataclass
class Crawl:
    """Visits pages from ``start`` by their links, at most ``per_route`` distinct URLs per route."""

    app: Flask
    client: FlaskClient
    per_route: int = 2
    visited: list[str] = field(default_factory=list)

    def pages(self, start: list[str], lang: str):
        """Yield ``(path, VisibleText)`` of each HTML page reached (status 200), in ``lang``."""
        adapter = self.app.url_map.bind("localhost")
        per_endpoint: Counter[str] = Counter()
        seen: set[str] = set()
        queue = list(start)
        while queue:
            url = queue.pop(0)
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost") or parts.path.endswith(NOT_PAGES):
                continue
            try:
                endpoint, _args = adapter.match(parts.path)
            except Exception:  # noqa: BLE001 - a link to something that is not a GET route of this app
                continue
            key = f"{parts.path}?{parts.query}"
            if endpoint == "static" or "logout" in endpoint or key in seen or per_endpoint[endpoint] >= self.per_route:
                continue
            seen.add(key)
            per_endpoint[endpoint] += 1
            query = dict(parse_qsl(parts.query))
            query["lang"] = lang
            response = self.client.get(urlunsplit(("", "", parts.path, urlencode(query), "")))
            if response.status_code != 200 or "html" not in (response.content_type or ""):
                continue
            self.visited.append(parts.path)
            page = visible_text(response.get_data(as_text=True))
            yield parts.path, page
            queue += [link.removeprefix("http://localhost") for link in page.links
                      if link.startswith(("/", "http://localhost/"))]
