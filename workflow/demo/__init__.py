"""The demo (``gongkai demo``, ``make run``): the reference college's departments and users, this
year's items in every state and a few applications (:mod:`workflow.demo.current_year`), and the
reference academic year 2022-2023 behind the yearly report (:mod:`workflow.demo.reference_year`).
Everything is made through the real workflow verbs."""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

from sqlalchemy import func, select

from db.models import Department, Item
from workflow.clock import SHANGHAI
from workflow.context import Gongkai
from workflow.demo.current_year import demo_applications, demo_items, settle_old_notifications
from workflow.demo.reference_year import load_history
from workflow.demo.catalogue import mark_degree_entries_not_applicable
from workflow.demo.routes import demo_route
from workflow.demo.users import DEMO_PASSWORD, demo_users
from workflow.setup import sync_catalog, sync_departments

__all__ = ["DEMO_PASSWORD", "load_demo"]


def load_demo(app: Gongkai, only_if_empty: bool = False, echo: Callable[[str], None] = print) -> str | None:
    """Load the whole demo; with ``only_if_empty`` do nothing when items exist."""
    from tqdm import tqdm
    with app.db.read() as session:
        if only_if_empty and (session.scalar(select(func.count(Item.id))) or 0) > 0:
            return None
    sync_catalog(app)
    sync_departments(app)
    with app.db.read() as session:
        departments = list(session.scalars(select(Department).order_by(Department.code)))
    demo_users(app, departments)
    now = app.now().astimezone(SHANGHAI)
    total = 0
    for dept in tqdm(departments, desc="demo items", unit="dept", disable=None):
        total += demo_items(app, dept, now)
    requests = demo_applications(app, now)
    extra = load_history(app, echo)
    mark_degree_entries_not_applicable(app)
    demo_route(app)
    settle_old_notifications(app, now - timedelta(days=7))
    return (f"{len(departments)} departments, {3 * len(departments) + 1} users, {total} items, "
            f"{requests} applications{extra}")
