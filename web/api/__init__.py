"""HTTP API v1 (JSON)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from web.api import items  # noqa: E402,F401  (items, their transitions and findings; tasks, catalogue, /me)
from web.api import applications  # noqa: E402,F401  (requests for disclosure)
from web.api import reports  # noqa: E402,F401  (yearly report, 清单 coverage)
from web.api import notifications  # noqa: E402,F401  (inbox, preferences)
from web.api import calendar  # noqa: E402,F401  (working-day calendar, admin overrides)
from web.api import incidents  # noqa: E402,F401  (leak incidents, referrals to the secrecy authority)
from web.api import routes  # noqa: E402,F401  (review routes, admin)
from web.api import worklists  # noqa: E402,F401  (已办, 我发起的, 批量批准)
from web.api import nudges  # noqa: E402,F401  (催办)
from web.api import phrases  # noqa: E402,F401  (the caller's 常用意见)
from web.api import records  # noqa: E402,F401  (the printable record's PDF, the archive zip)
from web.api import delegations  # noqa: E402,F401  (委托, 转办)
