"""Server-rendered UI blueprints: staff pages, admin pages, the public directory, help."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every UI blueprint, the template filters and the header context."""
    from web.ui import admin, auth, common, departments, format, help, inbox, items, public, tasks
    format.init_app(app)
    common.init_app(app)
    for module in (auth, tasks, departments, items, admin, public, help, inbox):
        app.register_blueprint(module.bp)
    app.register_blueprint(__import__("web.ui.applications", fromlist=["bp"]).bp)  # 依申请公开 (issue 6)
    app.register_blueprint(__import__("web.ui.reports", fromlist=["bp"]).bp)  # 年度报告 (issue 7)
    app.register_blueprint(__import__("web.ui.tokens", fromlist=["bp"]).bp)  # API tokens (issue 10)
    app.register_blueprint(__import__("web.ui.routes", fromlist=["bp"]).bp)  # 审批路线 (issue 13)
    app.register_blueprint(__import__("web.ui.search", fromlist=["bp"]).bp)  # 搜索 (issue 14)
    app.register_blueprint(__import__("web.ui.records", fromlist=["bp"]).bp)  # 审查审批表 (issue 14)
    app.register_blueprint(__import__("web.ui.delegation", fromlist=["bp"]).bp)  # 委托, 转办 (issue 14)
    app.register_blueprint(__import__("web.ui.sso", fromlist=["bp"]).bp)  # 统一身份认证 (CAS, issue 16)
