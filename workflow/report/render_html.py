"""The yearly report as one standalone HTML page (charts embedded as ``data:`` URIs).

Autoescaping is on: narrative text written by admins and titles of stored items are text,
never markup. Links come only from :func:`workflow.report.model.safe_url` (http/https).
"""
from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from workflow.report.model import ReportDocument

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "annual_report.html"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,  # every {{ }} is escaped, also in a template named *.txt later
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["png_uri"] = png_data_uri
    return env


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,…`` for embedding a chart."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(document: ReportDocument) -> bytes:
    """The complete HTML page, UTF-8 encoded."""
    html = _environment().get_template(TEMPLATE_NAME).render(doc=document)
    return html.encode("utf-8")
