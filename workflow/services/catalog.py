"""The 清单 catalogue as stored in the database (loaded by ``gongkai init``), and the one edit admins make
to it here: marking an entry 「不适用」 for this institution, with the reason (docs/report.md §7)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select

from db.models import CatalogCategory, CatalogEntry
from workflow import audit
from workflow.access import ADMIN, Actor, require_role
from workflow.context import Gongkai
from workflow.errors import NotFound, ValidationFailed
from workflow.inputs import check_text

MAX_REASON_CHARS = 500
APPLICABILITY_FIELDS = ("not_applicable", "reason")


def catalog_tree(app: Gongkai) -> dict[str, Any]:
    """``{"categories": [{code, title, items: [{code, title, department, rhythm, …, not_applicable,
    not_applicable_reason}]}]}`` of the active entries."""
    with app.db.read() as session:
        categories = session.scalars(select(CatalogCategory).order_by(CatalogCategory.position)).all()
        entries = session.scalars(select(CatalogEntry).where(CatalogEntry.active.is_(True))
                                  .order_by(CatalogEntry.position)).all()
    by_category: dict[str, list[dict[str, Any]]] = {c.code: [] for c in categories}
    for entry in entries:
        by_category.setdefault(entry.category_code, []).append(entry_to_dict(entry))
    return {"categories": [{"code": c.code, "title": c.title, "items": by_category[c.code]} for c in categories]}


def entry_to_dict(entry: CatalogEntry) -> dict[str, Any]:
    """One entry as the API shows it."""
    return {"code": entry.code, "title": entry.title, "department": entry.department_code,
            "rhythm": entry.rhythm, "documents": entry.documents or "",
            "number_confirmed": entry.number_confirmed, "local": entry.local,
            "not_applicable": bool(entry.not_applicable), "not_applicable_reason": entry.not_applicable_reason or ""}


def set_applicability(app: Gongkai, actor: Actor, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Mark the entry ``code`` 「不适用」 for this institution (``{"not_applicable": true, "reason": "…"}``,
    a reason required) or applicable again (``{"not_applicable": false}``, the reason cleared). Admins only;
    audited (``catalog_not_applicable`` / ``catalog_applicable``). Items already filed under the entry keep it;
    new items cannot be filed under it (``services.items``)."""
    require_role(actor, ADMIN)
    flag, reason = _parse_applicability(data)
    now = app.now()
    code = str(code)
    # a code no entry can have (too long, control characters: PostgreSQL refuses NUL) names nothing: 404
    known_shape = len(code) <= 32 and not any(ord(ch) < 32 or ord(ch) == 127 for ch in code)
    with app.db.write() as session:
        entry = session.get(CatalogEntry, code) if known_shape else None
        if entry is None or not entry.active:
            raise NotFound("清单中没有编号为 %(entry_code)s 的事项", entry_code=code[:32] if known_shape else "…")
        if (bool(entry.not_applicable), entry.not_applicable_reason or "") != (flag, reason):
            entry.not_applicable, entry.not_applicable_reason = flag, reason
            session.flush()
            audit.append(session, at=now, actor=actor, subject=f"catalog:{entry.code}",
                         action="catalog_not_applicable" if flag else "catalog_applicable",
                         reason=reason or None, data={"code": entry.code})
        return entry_to_dict(entry)


def _parse_applicability(data: Mapping[str, Any]) -> tuple[bool, str]:
    """``(not_applicable, reason)`` from the request; the reason is checked whenever it is given (a client
    learns of a bad one even when it is not needed) and kept only when the entry is marked not applicable."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("请求体必须是 JSON 对象", field="not_applicable")
    unknown = sorted(str(k) for k in data if k not in APPLICABILITY_FIELDS)
    if unknown:
        raise ValidationFailed("未知的字段：%(keys)s", field=unknown[0], keys="、".join(unknown))
    flag = data.get("not_applicable")
    if not isinstance(flag, bool):
        raise ValidationFailed("请说明该清单事项是否适用于本校（not_applicable 为 true 或 false）",
                               code="missing_field", field="not_applicable")
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        raise ValidationFailed("%(field)s 必须是文本", code="invalid_type", field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed("不适用的原因过长（最多 %(limit)s 字）", code="too_long", field="reason",
                               limit=MAX_REASON_CHARS)
    reason = check_text(reason, "reason", single_line=False).strip()
    if not flag:
        return False, ""
    if not reason:
        raise ValidationFailed("标记为不适用须说明原因", code="missing_field", field="reason")
    return True, reason
