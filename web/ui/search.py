"""搜索: full-text search over the items the user may see, with the list's filters (docs/search.md)."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from markupsafe import Markup, escape

from web.core import core
from web.ui.common import actor
from workflow.errors import Forbidden, NotFound, ValidationFailed
from workflow.item_spec import spec_of
from workflow.search.query import MAX_QUERY_CHARS, SearchQuery, parse_query
from workflow.services import catalog, queries

bp = Blueprint("search", __name__)

FILTERS = ("q", "state", "department", "category", "from", "to")


def highlight(title: str, search: SearchQuery | None) -> Markup:
    """The title with every occurrence of a search term in ``<mark>`` (case-insensitive; a term that only
    matched after normalisation, e.g. full-width letters, is simply not marked)."""
    if search is None or not title:
        return escape(title)
    pattern = re.compile("|".join(re.escape(term) for term in sorted(search.terms, key=len, reverse=True)),
                         re.IGNORECASE)
    out: list[Any] = []
    last = 0
    for match in pattern.finditer(title):
        out.append(escape(title[last:match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    out.append(escape(title[last:]))
    return Markup("").join(out)


@bp.get("/search")
@login_required
def index() -> ResponseReturnValue:
    app, who = core(), actor()
    args = {name: request.args.get(name, "") for name in FILTERS}
    departments = [d for d in queries.list_departments(app) if who.is_admin or who.all_departments or who.covers(d.id)]
    options = {"states": [(value, value) for value in spec_of(app).state_values], "departments": departments,
               "categories": catalog.catalog_tree(app)["categories"]}
    page, error, search = None, None, None
    if any(args.values()):
        try:
            search = parse_query(args["q"])
            page = queries.list_items(app, who, q=args["q"], state=args["state"] or None,
                                      department=args["department"] or None, category=args["category"] or None,
                                      date_from=args["from"], date_to=args["to"], page=request.args.get("page"),
                                      sort="recent")
        except (Forbidden, NotFound):
            raise
        except ValidationFailed as refused:
            error = refused
    rows = [{"item": item, "title": highlight(item.title, search)} for item in (page.items if page else [])]
    return render_template("search.html", args=args, options=options, page=page, rows=rows, error=error,
                           max_chars=MAX_QUERY_CHARS), (error.status if error else 200)
